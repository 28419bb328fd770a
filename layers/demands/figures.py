"""A scope's demand figures at a glance — waiting, in hand, awaiting verification, open,
overdue, due today, and this month's closing record — and the one meaning of "overdue".
Counts only, no demand fields."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from typing import Any

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from gis.localtime import TZ
from layers.access.actors import Actor
from layers.demands.store import OPEN_STATES, SUMMARY_TABLE

OPEN_FIGURES = ("waiting", "in_hand", "awaiting_verification", "open", "overdue", "due_today")
MONTH_FIGURES = ("month_received", "month_closed", "month_closed_on_time", "month_rated",
                 "month_satisfied")


def is_overdue(d: Any, now: datetime) -> Any:
    """Return the condition 'open and past its deadline, or flagged overdue by escalation'
    on the demand columns `d` (a table's or an alias's `.c`)."""
    return and_(d.state.in_(OPEN_STATES), or_(d.overdue, d.deadline < now))


def today_bounds(now: datetime) -> tuple[datetime, datetime]:
    """Return the start of `now`'s Asia/Shanghai day and of the next one (aware)."""
    start = datetime.combine(now.astimezone(TZ).date(), time(), TZ)
    return start, start + timedelta(days=1)


def _in_scope(d: Any, scope: str | None) -> list:
    """Return the conditions of the counted demands: in `scope`, merged duplicates left out."""
    out = [d.duplicate_of.is_(None), d.state != "merged"]
    return out + ([d.grid_code.startswith(scope, autoescape=True)] if scope else [])


def open_counts(session: Session, scope: str | None, now: datetime) -> dict[str, int]:
    """Return OPEN_FIGURES over the open demands in `scope` (None = the city); due today =
    an open demand whose deadline falls on `now`'s local day."""
    d = SUMMARY_TABLE.c
    start, end = today_bounds(now)
    conditions = {
        "waiting": d.state == "received",
        "in_hand": d.state.in_(("dispatched", "signed")),
        "awaiting_verification": d.state == "resolved",
        "open": None, "overdue": is_overdue(d, now),
        "due_today": and_(d.deadline >= start, d.deadline < end),
    }
    counts = [func.count().filter(c).label(k) if c is not None else func.count().label(k)
              for k, c in conditions.items()]
    query = select(*counts).where(d.state.in_(OPEN_STATES), *_in_scope(d, scope))
    return dict(session.execute(query).mappings().one())


def month_counts(session: Session, scope: str | None, now: datetime) -> dict[str, int]:
    """Return MONTH_FIGURES over the demands filed in `now`'s local month in `scope`."""
    d = SUMMARY_TABLE.c
    today = now.astimezone(TZ).date()
    month = datetime.combine(today.replace(day=1), time(), TZ).astimezone(UTC)
    closed = d.state == "closed"
    conditions = {
        "month_received": None, "month_closed": closed,
        "month_closed_on_time": and_(closed, d.closed_at <= d.deadline),
        "month_rated": d.rating_satisfaction.is_not(None),
        "month_satisfied": d.rating_satisfaction.in_(("satisfied", "basic")),
    }
    counts = [func.count().filter(c).label(k) if c is not None else func.count().label(k)
              for k, c in conditions.items()]
    query = select(*counts).where(d.created_at >= month, *_in_scope(d, scope))
    return dict(session.execute(query).mappings().one())


def scope_counts(session: Session, actor: Actor, now: datetime | None = None) -> dict:
    """Return OPEN_FIGURES and MONTH_FIGURES (ints) over the actor's scope (city-wide without
    one), plus the month's on-time and satisfaction rates as 0–1 fractions (None when nothing
    closed or rated: never a rate from nothing)."""
    now = now or datetime.now(UTC)
    row = {**open_counts(session, actor.scope, now), **month_counts(session, actor.scope, now)}
    row["on_time_rate"] = _share(row["month_closed_on_time"], row["month_closed"])
    row["satisfaction_rate"] = _share(row["month_satisfied"], row["month_rated"])
    return row


def _share(part: int, whole: int) -> float | None:
    """Return part/whole, None when whole is 0."""
    return part / whole if whole else None
