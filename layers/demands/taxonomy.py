"""Departments and demand categories: data, loaded once, edited with history."""

from __future__ import annotations

import json

from sqlalchemy import text, update
from sqlalchemy.orm import Session

from gis.errors import BadInput, NotFound
from layers.demands.tables import CATEGORIES as CATEGORY_TABLE
from layers.demands.taxonomy_seed import CATEGORIES, DEPARTMENTS

EDITABLE = {
    "name": str, "department_code": str, "community_solvable": bool, "limit_amount": int,
    "limit_unit": str, "urgent": bool, "auto_dispatch": bool, "active": bool,
}
COLUMNS = ("code, name, parent_code, department_code, community_solvable, limit_amount, "
            "limit_unit, urgent, auto_dispatch, active")
COLUMN_NAMES = tuple(c.strip() for c in COLUMNS.split(","))


def load_taxonomy(session: Session) -> int:
    """Insert the seed departments and categories that are missing; return rows added."""
    added = session.execute(
        text("INSERT INTO departments (code, name, short_name) VALUES (:c, :n, :s) "
             "ON CONFLICT DO NOTHING"),
        [{"c": c, "n": n, "s": s} for c, n, s in DEPARTMENTS],
    ).rowcount
    big = [{"c": c, "n": n} for c, n, _ in CATEGORIES]
    added += session.execute(
        text("INSERT INTO categories (code, name) VALUES (:c, :n) ON CONFLICT DO NOTHING"), big
    ).rowcount
    small = [
        {"c": c, "n": n, "p": parent, "d": dep, "cs": solvable, "a": lim[0], "u": lim[1],
         "urg": urgent}
        for parent, _, items in CATEGORIES
        for c, n, dep, solvable, lim, urgent in items
    ]
    added += session.execute(
        text("INSERT INTO categories (code, name, parent_code, department_code, "
             "community_solvable, limit_amount, limit_unit, urgent) "
             "VALUES (:c, :n, :p, :d, :cs, :a, :u, :urg) ON CONFLICT DO NOTHING"),
        small,
    ).rowcount
    return added


def category(session: Session, code: str) -> dict:
    """Return one category as a dict; NotFound when unknown."""
    row = session.execute(
        text(f"SELECT {COLUMNS} FROM categories WHERE code = :c"), {"c": code}
    ).mappings().first()
    if row is None:
        raise NotFound(f"没有分类 {code[:20]!r}（unknown category）", "category_not_found")
    return dict(row)


def small_class(session: Session, code: str) -> dict:
    """Return an active small class (小类) usable for a demand; BadInput otherwise."""
    try:
        cat = category(session, str(code))
    except NotFound:
        cat = None
    return usable_small_class(cat, code)


def usable_small_class(cat: dict | None, code: object) -> dict:
    """Return `cat` (the row read for `code`, None when absent) when it is an active small
    class; BadInput otherwise."""
    if cat is None:
        raise BadInput(f"没有分类 {str(code)[:20]!r}", "unknown_category")
    if cat["parent_code"] is None or not cat["active"]:
        raise BadInput(f"分类 {code} 不是可用的小类（use an active small class）",
                       "unknown_category")
    return cat


def list_categories(session: Session) -> list[dict]:
    """Return every category (big classes first, then by code)."""
    rows = session.execute(
        text(f"SELECT {COLUMNS} FROM categories ORDER BY parent_code NULLS FIRST, code")
    )
    return [dict(r) for r in rows.mappings()]


def small_class_codes(session: Session) -> tuple[str, ...]:
    """Return the codes of the active small classes (what a new demand may use), in order."""
    return tuple(session.execute(text(
        "SELECT code FROM categories WHERE parent_code IS NOT NULL AND active "
        "ORDER BY code")).scalars())


def list_departments(session: Session) -> list[dict]:
    """Return the departments by code."""
    rows = session.execute(text("SELECT code, name, short_name, active FROM departments "
                                "ORDER BY code"))
    return [dict(r) for r in rows.mappings()]


def update_category(session: Session, code: str, changes: dict, changed_by: str) -> dict:
    """Apply `changes` to a category, record before/after in config_history; return it."""
    unknown = set(changes) - set(EDITABLE)
    if unknown:
        raise BadInput(f"不能修改的字段：{', '.join(sorted(unknown))}", "bad_field")
    for key, kind in EDITABLE.items():
        if key in changes and not isinstance(changes[key], kind):
            raise BadInput(f"字段 {key} 类型错误（expected {kind.__name__}）", "bad_field")
    before = category(session, code)
    session.execute(update(CATEGORY_TABLE).where(CATEGORY_TABLE.c.code == code).values(**changes))
    after = category(session, code)
    session.execute(
        text("INSERT INTO config_history (entity, key, before, after, changed_by) "
             "VALUES ('category', :k, CAST(:b AS jsonb), CAST(:a AS jsonb), :by)"),
        {"k": code, "b": json.dumps(before), "a": json.dumps(after), "by": changed_by},
    )
    return after
