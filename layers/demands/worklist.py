"""The work lists: an assignee's orders (我的工单), a coordinator's demands waiting for
verification (待核查), one demand's staff view, and the actions an actor may take now."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import ColumnElement, Select, and_, false, func, or_, select, true
from sqlalchemy.orm import Session

from gis import paging
from gis.errors import DomainError, Forbidden
from layers.access import roles
from layers.access.actors import Actor
from layers.demands import figures, queries, transitions
from layers.demands.photos import by_kind, photos_for
from layers.demands.store import SUMMARY, SUMMARY_TABLE, by_code

HANDLING = ("dispatched", "signed")
LIST_LIMIT = 200
PAGE_ACTIONS = ("dispatch", "reassign", "sign", "progress", "resolve", "return", "verify",
                "rework", "close", "rate", "reopen")
"""The actions staff take on the pages, in the order their forms are shown (claim is the
public board's)."""


def _within(actor: Actor) -> ColumnElement[bool]:
    """Return 'the demand's grid lies in the actor's scope' on the summary's table."""
    return true() if actor.scope is None else SUMMARY_TABLE.c.grid_code.like(actor.scope + "%")


def assigned_condition(actor: Actor) -> ColumnElement[bool]:
    """Return the rule of transitions.is_assignee as a condition on the summary's table (an
    admin: every demand of their scope)."""
    d = SUMMARY_TABLE.c
    if actor.role == roles.ADMIN:
        return _within(actor)
    if actor.role == roles.DEPARTMENT_STAFF:
        if actor.department_code is None:
            return false()
        return d.assignee_department_code == actor.department_code
    mine = d.assignee_user_id == actor.user_id if actor.user_id is not None else false()
    if not actor.is_staff:
        return mine
    community = and_(d.assignee_user_id.is_(None), d.assignee_community_code.is_not(None),
                     _within(actor))
    return or_(mine, community)


def actions_for(actor: Actor, d: dict, reopen_days: float, now: datetime) -> list[str]:
    """Return the page actions (PAGE_ACTIONS order) `actor` may take on demand row `d` now:
    its state allows them, the role and the relation pass the state machine's checks."""
    out = []
    for action in PAGE_ACTIONS:
        rule = transitions.RULES[action]
        if d["state"] not in rule.sources:
            continue
        try:
            transitions.check_role(rule, actor)
            transitions.check_relation(rule, actor, d, {})
        except DomainError:
            continue
        if action == "rate" and d["rating_satisfaction"] is not None:
            continue
        if action == "reopen" and d["closed_at"] + timedelta(days=reopen_days) < now:
            continue
        out.append(action)
    return out


def _cards(session: Session, rows: list[dict], actor: Actor, reopen_days: float,
           now: datetime) -> list[dict]:
    """Return list rows fit for `actor` (personal data masked, unmasked reads audited) with
    overdue flags, photos by kind and the actions the actor may take."""
    queries.audit_personal_reads(session, actor, rows)
    photos = photos_for(session, [r["id"] for r in rows])
    out = []
    for r in rows:
        card = queries.present(r, actor)
        card["overdue"] = card.pop("late")
        card["sign_late"] = bool(r["state"] == "dispatched" and r["sign_deadline"]
                                 and r["sign_deadline"] < now)
        card["photos"] = by_kind(photos[r["id"]])
        card["my_actions"] = actions_for(actor, r, reopen_days, now)
        out.append(card)
    return out


def _listed(now: datetime) -> Select:
    """Return the summary select of a work list, with `late`: overdue at `now`
    (figures.is_overdue, the one meaning of overdue)."""
    return SUMMARY.add_columns(figures.is_overdue(SUMMARY_TABLE.c, now).label("late"))


def assigned_to(session: Session, actor: Actor, reopen_days: float = 7.0,
                now: datetime | None = None) -> dict:
    """Return the actor's orders (我的工单): dispatched and signed demands assigned to them,
    their department or their community, oldest deadline first, then those resolved and
    waiting for verification; {"items", "total"} (at most LIST_LIMIT items)."""
    now, d = now or datetime.now(UTC), SUMMARY_TABLE.c
    stmt = (_listed(now).where(d.state.in_(HANDLING + ("resolved",)), assigned_condition(actor))
            .order_by(d.state == "resolved", d.deadline.asc().nulls_last(), d.id))
    rows, total = paging.page(session, stmt, 1, LIST_LIMIT)
    return {"items": _cards(session, rows, actor, reopen_days, now), "total": total}


def waiting_verification(session: Session, actor: Actor, reopen_days: float = 7.0,
                         now: datetime | None = None) -> dict:
    """Return the resolved demands of the coordinator's scope waiting for verification
    (待核查), longest waiting first; {"items", "total"} (at most LIST_LIMIT items)."""
    now, d = now or datetime.now(UTC), SUMMARY_TABLE.c
    stmt = (_listed(now).where(d.state == "resolved", _within(actor))
            .order_by(d.resolved_at.asc().nulls_first(), d.id))
    rows, total = paging.page(session, stmt, 1, LIST_LIMIT)
    return {"items": _cards(session, rows, actor, reopen_days, now), "total": total}


def may_view(actor: Actor, d: dict) -> bool:
    """Return True when a staff actor may open demand row `d`: it lies in their scope, or it
    is theirs, their department's or their community's to handle."""
    if actor.covers(d["grid_code"]):
        return True
    return actor.role != roles.ADMIN and actor.is_staff and transitions.is_assignee(actor, d)


def staff_detail(session: Session, code: str, actor: Actor, reopen_days: float = 7.0,
                 now: datetime | None = None) -> dict:
    """Return one demand for a staff page (queries.detail) with its photos by kind and the
    actions the actor may take; NotFound when unknown, Forbidden outside their reach."""
    row = by_code(session, code)
    if not may_view(actor, row):
        raise Forbidden("该诉求不在您的管辖范围内，也不是您或本单位承办的诉求"
                        "（outside your scope）", "out_of_scope")
    out = queries.detail(session, code, actor)
    out["photo_groups"] = by_kind(out["photos"])
    out["my_actions"] = actions_for(actor, row, reopen_days, now or datetime.now(UTC))
    return out


def assigned_counts(session: Session, actor: Actor, now: datetime | None = None) -> dict:
    """Return how many orders wait on the actor (我的工单: dispatched or signed, as
    assigned_to lists them) and how many of those are overdue (figures.is_overdue)."""
    now, d = now or datetime.now(UTC), SUMMARY_TABLE.c
    stmt = (select(func.count().label("orders"),
                   func.count().filter(figures.is_overdue(d, now)).label("overdue"))
            .where(d.state.in_(HANDLING), assigned_condition(actor)))
    return dict(session.execute(stmt).mappings().one())
