"""约谈: records of interviews with a community, street or department (and its party
leader) — when, why, who interviewed whom, the follow-up, the demands it was about and the
rates of the unit in that quarter."""

from __future__ import annotations

import re
from collections.abc import Mapping

from pydantic import Field
from sqlalchemy import func, insert, or_, select, update
from sqlalchemy.orm import Session

from gis.contracts import Choice, Contract, Day, Raw, UserText, check, fail
from gis.errors import Forbidden, Invalid, NotFound
from grids.tables import COMMUNITIES, STREETS
from layers.access import audit, policy
from layers.access.actors import Actor
from layers.demands.tables import DEMANDS, DEPARTMENTS
from layers.evaluations.tables import INTERVIEWS as I

UNIT_KINDS = {"community": "社区", "street": "街道", "department": "职能部门"}
STATES = {"open": "整改中", "closed": "已整改销号"}
_UNIT_TABLES = {"community": COMMUNITIES, "street": STREETS, "department": DEPARTMENTS}
MAX_DEMANDS = 20
_SPLIT = re.compile(r"[\s,，、;；]+")


def _codes(raw: object) -> list[str]:
    text = raw if isinstance(raw, str) else " ".join(raw or ()) if isinstance(raw, list) else ""
    codes = list(dict.fromkeys(c.upper() for c in _SPLIT.split(text) if c))
    if len(codes) > MAX_DEMANDS or any(len(c) > 20 for c in codes):
        raise fail(f"最多关联 {MAX_DEMANDS} 件诉求，每个编号最多 20 个字符")
    return codes


class InterviewInput(Contract):
    """One 约谈 as the form sends it."""

    unit_kind: Choice(UNIT_KINDS, "请选择被约谈单位类型（社区、街道或职能部门）",
                      required=True) = Field(None, validate_default=True)
    unit_code: UserText(20, required=True, label="被约谈单位代码") = Field(None,
                                                                      validate_default=True)
    held_on: Day("约谈日期") = Field(None, validate_default=True)
    reason: UserText(1000, required=True, label="约谈事由") = Field(None, validate_default=True)
    interviewers: UserText(200, required=True, label="约谈人") = Field(None,
                                                                     validate_default=True)
    interviewees: UserText(200, required=True, label="被约谈人") = Field(None,
                                                                       validate_default=True)
    follow_up: UserText(2000, label="整改落实情况") = ""
    demand_codes: Raw({"type": "string", "description": "诉求编号，空格或逗号分隔"}, _codes) = []
    state: Choice(STATES, "请选择整改状态", default="open") = "open"


def _check_refs(session: Session, data: InterviewInput) -> str | None:
    """Return the unit's name; Invalid for an unknown unit or demand code."""
    table = _UNIT_TABLES[data.unit_kind]
    name = session.execute(select(table.c.name).where(table.c.code == data.unit_code)).scalar()
    errors = {}
    if name is None:
        errors["unit_code"] = f"没有代码为 {data.unit_code} 的{UNIT_KINDS[data.unit_kind]}"
    known = set(session.execute(select(DEMANDS.c.code).where(
        DEMANDS.c.code.in_(data.demand_codes))).scalars()) if data.demand_codes else set()
    if unknown := [c for c in data.demand_codes if c not in known]:
        errors["demand_codes"] = f"没有这些诉求：{'、'.join(unknown[:5])}"
    if errors:
        raise Invalid(errors)
    return name


def create(session: Session, actor: Actor, raw: Mapping) -> int:
    """Insert a 约谈 record (a community's or street's is filed under its code, a
    department's under the actor's scope); return its id. Invalid, or Forbidden outside
    the scope."""
    data = check(InterviewInput, dict(raw))
    _check_refs(session, data)
    hierarchical = data.unit_kind != "department"
    policy.require(actor, "evaluations.manage", data.unit_code if hierarchical else None)
    values = data.model_dump()
    interview_id = session.execute(insert(I).values(
        **values, area_code=data.unit_code if hierarchical else actor.scope,
        entered_by=actor.user_id, created_at=func.now()).returning(I.c.id)).scalar_one()
    audit.record(session, actor, "create_interview", f"interview:{interview_id}")
    return interview_id


def _visible(stmt, actor: Actor):
    if actor.scope is None:
        return stmt
    return stmt.where(or_(I.c.area_code.like(actor.scope + "%"),
                          func.strpos(actor.scope, I.c.area_code) == 1))


def _name_of():
    return func.coalesce(
        select(COMMUNITIES.c.name).where(COMMUNITIES.c.code == I.c.unit_code).scalar_subquery(),
        select(STREETS.c.name).where(STREETS.c.code == I.c.unit_code).scalar_subquery(),
        select(DEPARTMENTS.c.name).where(DEPARTMENTS.c.code == I.c.unit_code).scalar_subquery())


def list_interviews(session: Session, actor: Actor) -> list[dict]:
    """Return the 约谈 records filed in (or above) the actor's scope, newest first, each with
    the rates page's level and quarter for its unit."""
    policy.require(actor, "evaluations.view")
    stmt = _visible(select(I, _name_of().label("unit_name")), actor).order_by(
        I.c.held_on.desc(), I.c.id.desc())
    return [_plain(dict(r)) for r in session.execute(stmt).mappings()]


def _plain(r: dict) -> dict:
    day = r["held_on"]
    return {**r, "unit_kind_label": UNIT_KINDS[r["unit_kind"]], "state_label": STATES[r["state"]],
            "rates_level": r["unit_kind"], "rates_period": f"{day.year}Q{(day.month - 1) // 3 + 1}"}


class FollowUpInput(Contract):
    """A later note on an interview's follow-up, and its state."""

    follow_up: UserText(2000, required=True, label="整改落实情况") = Field(
        None, validate_default=True)
    state: Choice(STATES, "请选择整改状态", required=True) = Field(None, validate_default=True)


def follow_up(session: Session, actor: Actor, interview_id: int, raw: Mapping) -> dict:
    """Replace an interview's follow-up and state; return the record. NotFound, Forbidden
    outside the scope, Invalid naming the fields."""
    policy.require(actor, "evaluations.manage")
    row = session.execute(select(I).where(I.c.id == interview_id)).mappings().first() \
        if 0 < interview_id < 2**31 else None
    if row is None:
        raise NotFound(f"没有约谈记录 {interview_id}", "interview_not_found")
    area = row["area_code"]
    if actor.scope is not None and (area is None or not policy.in_reach(actor, area)):
        raise Forbidden(f"约谈记录 {interview_id} 不在您的管辖范围（{actor.scope}）内",
                        "out_of_scope")
    data = check(FollowUpInput, dict(raw))
    session.execute(update(I).where(I.c.id == interview_id).values(
        follow_up=data.follow_up, state=data.state))
    audit.record(session, actor, "interview_follow_up", f"interview:{interview_id}")
    return {**row, "follow_up": data.follow_up, "state": data.state}
