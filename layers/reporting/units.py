"""The units figures are reported for: districts, streets, communities, current grids and
departments, with their names, inside a scope."""

from __future__ import annotations

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from grids.tables import COMMUNITIES, DISTRICTS, GRIDS, STREETS
from layers.demands.tables import DEPARTMENTS

LEVEL_DIGITS = {"district": 6, "street": 9, "community": 12, "grid": 15}
LEVELS = (*LEVEL_DIGITS, "department")
LEVEL_LABELS = {"district": "区县", "street": "街道（镇）", "community": "社区", "grid": "网格",
                "department": "职能部门"}
_TABLES = {"district": DISTRICTS, "street": STREETS, "community": COMMUNITIES, "grid": GRIDS}


def units(session: Session, level: str, scope: str | None) -> list[dict]:
    """Return [{code, name}] of every unit of `level`, by code: hierarchy units inside the
    scope or containing it (a community's user sees its street's row); every active
    department (departments serve the whole city)."""
    if level == "department":
        d = DEPARTMENTS.c
        query = select(d.code, d.name).where(d.active).order_by(d.code)
        return [dict(r) for r in session.execute(query).mappings()]
    t = _TABLES[level].c
    query = select(t.code, t.name).order_by(t.code)
    if level == "grid":
        query = query.where(t.valid_to.is_(None))
    if scope:
        query = query.where(or_(t.code.startswith(scope, autoescape=True),
                                t.code == scope[:LEVEL_DIGITS[level]]))
    return [dict(r) for r in session.execute(query).mappings()]
