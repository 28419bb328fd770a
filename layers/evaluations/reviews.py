"""组织评议: the annual 述职评议 of street and community party secretaries — one score, grade
and remarks per person, unit and year. Secretaries are officials: their names are shown to
staff (never on a public page)."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal, InvalidOperation

from pydantic import Field
from sqlalchemy import func, insert, or_, select
from sqlalchemy.orm import Session

from gis.contracts import Choice, Contract, Raw, UserText, check, fail
from gis.errors import Conflict, Invalid
from grids.tables import COMMUNITIES, STREETS
from layers.access import audit, policy
from layers.access.actors import Actor
from layers.evaluations.tables import SECRETARY_REVIEWS as R

GRADES = {"excellent": "好", "good": "较好", "fair": "一般", "poor": "差"}


def _year(raw: object) -> int:
    text = str(raw if raw is not None else "").strip()
    if not text.isdigit() or not 2000 <= int(text) <= 2100:
        raise fail("年度应为 2000–2100 的四位年份")
    return int(text)


def _score(raw: object) -> Decimal:
    text = str(raw if raw is not None else "").strip()
    if not text:
        raise fail("请填写评议得分（0–100）")
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise fail("得分应为 0–100 的数，最多一位小数") from None
    if not value.is_finite() or not 0 <= value <= 100 or value != value.quantize(Decimal("0.1")):
        raise fail("得分应为 0–100 的数，最多一位小数")
    return value


def _unit(raw: object) -> str:
    text = str(raw or "").strip()
    if not text.isdigit() or len(text) not in (9, 12):
        raise fail("请填写 9 位街道或 12 位社区代码")
    return text


class ReviewInput(Contract):
    """One secretary's annual review as the form sends it."""

    year: Raw({"type": "integer", "minimum": 2000, "maximum": 2100}, _year) = \
        Field(None, validate_default=True)
    unit_code: Raw({"type": "string", "pattern": r"^(\d{9}|\d{12})$"}, _unit) = \
        Field(None, validate_default=True)
    person_name: UserText(50, required=True, label="书记姓名") = Field(None, validate_default=True)
    score: Raw({"type": "number", "minimum": 0, "maximum": 100}, _score) = \
        Field(None, validate_default=True)
    grade: Choice(GRADES, "请选择评议等次（好、较好、一般、差）", required=True) = \
        Field(None, validate_default=True)
    remarks: UserText(2000, label="评议意见") = ""


def unit_name(session: Session, code: str) -> str | None:
    """Return the name of a street (9 digits) or community (12), None when unknown."""
    table = STREETS if len(code) == 9 else COMMUNITIES
    return session.execute(select(table.c.name).where(table.c.code == code)).scalar()


def create(session: Session, actor: Actor, raw: Mapping) -> int:
    """Insert one review; return its id. Invalid naming the fields, Forbidden outside the
    scope, Conflict when that person's review of that year and unit exists."""
    data = check(ReviewInput, dict(raw))
    if unit_name(session, data.unit_code) is None:
        raise Invalid({"unit_code": f"没有代码为 {data.unit_code} 的街道或社区"})
    policy.require(actor, "evaluations.manage", data.unit_code)
    if session.execute(select(R.c.id).where(R.c.year == data.year, R.c.unit_code ==
                                            data.unit_code, R.c.person_name == data.person_name)
                       ).first():
        raise Conflict(f"{data.year} 年 {data.person_name} 的述职评议已经录入", "review_exists")
    review_id = session.execute(insert(R).values(
        **data.model_dump(), entered_by=actor.user_id, created_at=func.now()
    ).returning(R.c.id)).scalar_one()
    audit.record(session, actor, "create_secretary_review", f"review:{review_id}")
    return review_id


def list_year(session: Session, actor: Actor, year: int) -> list[dict]:
    """Return the year's reviews of units in the actor's scope (or holding it), by unit."""
    policy.require(actor, "evaluations.view")
    s, c = STREETS.alias("s"), COMMUNITIES.alias("c")
    stmt = (select(R, func.coalesce(c.c.name, s.c.name).label("unit_name"))
            .outerjoin(s, s.c.code == R.c.unit_code).outerjoin(c, c.c.code == R.c.unit_code)
            .where(R.c.year == year).order_by(R.c.unit_code, R.c.person_name))
    if actor.scope is not None:
        stmt = stmt.where(or_(R.c.unit_code.like(actor.scope + "%"),
                              func.strpos(actor.scope, R.c.unit_code) == 1))
    return [{**r, "grade_label": GRADES[r["grade"]],
             "level": "街道党工委书记" if len(r["unit_code"]) == 9 else "社区党组织书记"}
            for r in session.execute(stmt).mappings()]
