"""Evaluation rounds: creating one (its units and dimensions snapshotted), the list and one
round as the actor may see them, opening and closing."""

from __future__ import annotations

from typing import Any

from pydantic import Field
from sqlalchemy import func, insert, or_, select, update
from sqlalchemy.orm import Session

from gis.contracts import Choice, Contract, Raw, check, fail
from gis.errors import BadInput, Conflict, Forbidden, Invalid, NotFound
from grids.tables import COMMUNITIES, DISTRICTS, STREETS
from layers.access import audit, policy
from layers.access.actors import Actor
from layers.demands.tables import DEPARTMENT_AREAS, DEPARTMENTS
from layers.evaluations import catalog
from layers.evaluations.tables import BALLOTS, ROUNDS

MAX_ID = 2**31 - 1
AREA_LEVELS = {6: DISTRICTS, 9: STREETS, 12: COMMUNITIES}


def _min_votes(raw: object) -> int:
    text = str(raw if raw is not None else "").strip()
    if not text:
        return catalog.MIN_VOTES
    if not text.isdigit() or not 1 <= int(text) <= 10000:
        raise fail("最少有效票数应为 1–10000 的整数")
    return int(text)


def _area(raw: object) -> str:
    text = str(raw or "").strip()
    if not text:
        raise fail("请选择评议范围（区、街道或社区代码）")
    if not text.isdigit() or len(text) not in AREA_LEVELS:
        raise fail("评议范围应为 6 位区、9 位街道或 12 位社区代码")
    return text


class RoundInput(Contract):
    """A new round as the form sends it: kind, period (2026Q4 / 2026H2), area, min_votes."""

    kind: Choice(catalog.KINDS, "请选择评议类型（社区季度评议或职能部门半年评议）",
                 required=True) = Field(None, validate_default=True)
    period: Raw({"type": "string", "pattern": r"^20\d\d(Q[1-4]|H[12])$"},
                lambda v: str(v or "").strip().upper()) = ""
    area_code: Raw({"type": "string", "pattern": r"^(\d{6}|\d{9}|\d{12})$"}, _area) = \
        Field(None, validate_default=True)
    min_votes: Raw({"type": "integer", "minimum": 1, "maximum": 10000}, _min_votes) = \
        catalog.MIN_VOTES


def check_round(raw: dict) -> RoundInput:
    """Return the checked new round; Invalid naming kind, period, area_code or min_votes."""
    data = check(RoundInput, raw)
    if not catalog.PERIOD_PATTERN[data.kind].fullmatch(data.period):
        raise Invalid({"period": f"评议期次应为{catalog.PERIOD_HINT[data.kind]}"})
    if data.kind == catalog.DEPARTMENT and len(data.area_code) != 6:
        raise Invalid({"area_code": "职能部门评议按区组织：请填写 6 位区代码"})
    return data


def _area_name(session: Session, code: str) -> str | None:
    table = AREA_LEVELS[len(code)]
    return session.execute(select(table.c.name).where(table.c.code == code)).scalar()


def _community_units(session: Session, area: str) -> list[dict]:
    rows = session.execute(
        select(COMMUNITIES.c.code, COMMUNITIES.c.name, STREETS.c.code.label("superior_code"),
               STREETS.c.name.label("superior_name"))
        .join(STREETS, STREETS.c.code == COMMUNITIES.c.street_code)
        .where(COMMUNITIES.c.code.like(area + "%")).order_by(COMMUNITIES.c.code)).mappings()
    return [{**r, "superior_name": f"{r['superior_name']}党工委、办事处"} for r in rows]


def _department_units(session: Session, district: str, district_name: str) -> list[dict]:
    """Return the active departments serving the district: an area row for it or the city,
    or no area rows at all (city-wide)."""
    a = DEPARTMENT_AREAS
    any_area = select(a.c.area_code).where(a.c.department_code == DEPARTMENTS.c.code)
    serves = any_area.where(a.c.area_code.in_([district, district[:4] + "00"]))
    rows = session.execute(
        select(DEPARTMENTS.c.code, DEPARTMENTS.c.name)
        .where(DEPARTMENTS.c.active, or_(~any_area.exists(), serves.exists()))
        .order_by(DEPARTMENTS.c.code)).mappings()
    superior = f"{district_name}委、{district_name[-1]}政府"  # 桃山区委、区政府
    return [{**r, "superior_code": district, "superior_name": superior} for r in rows]


def create_round(session: Session, actor: Actor, data: RoundInput) -> int:
    """Insert a draft round over the area's communities (or the district's departments),
    its dimensions and units snapshotted; return its id. Forbidden outside the actor's
    scope, Invalid for an unknown area, Conflict when that round exists."""
    policy.require(actor, "evaluations.manage", data.area_code)
    name = _area_name(session, data.area_code)
    if name is None:
        raise Invalid({"area_code": f"没有代码为 {data.area_code} 的区、街道或社区"})
    units = (_community_units(session, data.area_code) if data.kind == catalog.COMMUNITY
             else _department_units(session, data.area_code, name))
    if not units:
        what = "社区" if data.kind == catalog.COMMUNITY else "职能部门"
        raise Invalid({"area_code": f"{name}没有可评议的{what}"})
    if session.execute(select(ROUNDS.c.id).where(
            ROUNDS.c.kind == data.kind, ROUNDS.c.period == data.period,
            ROUNDS.c.area_code == data.area_code)).first():
        raise Conflict(f"{name}{catalog.period_label(data.period)}的{catalog.KINDS[data.kind]}"
                       "已经建立", "round_exists")
    title = f"{name}{catalog.period_label(data.period)}{catalog.KINDS[data.kind]}"
    round_id = session.execute(insert(ROUNDS).values(
        kind=data.kind, period=data.period, area_code=data.area_code, title=title,
        state="draft", dimensions=catalog.DIMENSIONS[data.kind], units=units,
        min_votes=data.min_votes, created_by=actor.user_id, created_at=func.now(),
    ).returning(ROUNDS.c.id)).scalar_one()
    audit.record(session, actor, "create_evaluation_round", f"round:{round_id} {title}")
    return round_id


def _issued():
    return (select(func.count()).where(BALLOTS.c.round_id == ROUNDS.c.id)
            .scalar_subquery())


def _used():
    return (select(func.count()).where(BALLOTS.c.round_id == ROUNDS.c.id,
                                       BALLOTS.c.used_at.is_not(None)).scalar_subquery())


def list_rounds(session: Session, actor: Actor) -> list[dict]:
    """Return the rounds whose area overlaps the actor's scope, newest period first, with
    ballots issued and used and whether the actor may manage each."""
    policy.require(actor, "evaluations.view")
    stmt = select(ROUNDS, _issued().label("issued"), _used().label("used")).order_by(
        ROUNDS.c.period.desc(), ROUNDS.c.kind, ROUNDS.c.area_code)
    if actor.scope is not None:
        stmt = stmt.where(or_(ROUNDS.c.area_code.like(actor.scope + "%"),
                              func.strpos(actor.scope, ROUNDS.c.area_code) == 1))
    return [_plain(dict(r), actor) for r in session.execute(stmt).mappings()]


def _plain(row: dict, actor: Actor) -> dict:
    row["kind_label"] = catalog.KINDS[row["kind"]]
    row["state_label"] = catalog.STATES[row["state"]]
    row["period_label"] = catalog.period_label(row["period"])
    row["manageable"] = policy.may(actor, "evaluations.manage", row["area_code"])
    return row


def get_round(session: Session, actor: Actor, round_id: int, lock: bool = False) -> dict:
    """Return one round the actor may view (its area overlaps the scope); NotFound, or
    Forbidden naming the scope. `lock`: FOR UPDATE."""
    policy.require(actor, "evaluations.view")
    row = None
    if 0 < round_id <= MAX_ID:
        stmt = select(ROUNDS, _issued().label("issued"), _used().label("used")).where(
            ROUNDS.c.id == round_id)
        row = session.execute(stmt.with_for_update(of=ROUNDS) if lock else stmt).mappings().first()
    if row is None:
        raise NotFound(f"没有评议轮次 {round_id}", "round_not_found")
    if not catalog.overlaps(actor.scope, row["area_code"]):
        raise Forbidden(f"评议轮次 {round_id} 不在您的管辖范围（{actor.scope}）内", "out_of_scope")
    return _plain(dict(row), actor)


def managed_round(session: Session, actor: Actor, round_id: int, lock: bool = False) -> dict:
    """Return a round whose area lies inside the actor's scope for evaluations.manage."""
    found = get_round(session, actor, round_id, lock)
    policy.require(actor, "evaluations.manage", found["area_code"])
    return found


NEXT = {"open": ("draft", "opened_at", "开始评议"), "closed": ("open", "closed_at", "结束评议")}


def move(session: Session, actor: Actor, round_id: int, to: object) -> dict[str, Any]:
    """Open a draft round or close an open one (to = 'open' | 'closed'); return the round.
    Conflict from any other state."""
    found = managed_round(session, actor, round_id, lock=True)
    if to not in NEXT:
        raise BadInput("请选择开始评议或结束评议", "bad_state")
    before, stamp, verb = NEXT[to]
    if found["state"] != before:
        raise Conflict(f"本轮评议{found['state_label']}，不能{verb}", "round_state")
    session.execute(update(ROUNDS).where(ROUNDS.c.id == round_id)
                    .values({"state": to, stamp: func.now()}))
    audit.record(session, actor, f"evaluation_round_{to}", f"round:{round_id}")
    return {**found, "state": to, "state_label": catalog.STATES[to]}
