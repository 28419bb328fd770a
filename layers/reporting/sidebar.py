"""The leaders' sidebar, as on a good 311 dashboard: the newest demands, the oldest still
open and the most joined (residents whose repeat demands were merged into it), in the area
and matching the filter; public fields only (never a reporter's name or phone)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from sqlalchemy import Integer, cast, func, select
from sqlalchemy.orm import Session

from layers.access import policy
from layers.access.actors import Actor
from layers.demands import map_layer
from layers.demands.labels import STATE_LABELS
from layers.demands.queries import DemandFilter
from layers.demands.store import OPEN_STATES, SUMMARY_TABLE
from layers.demands.tables import CATEGORIES, DEMANDS
from layers.reporting.hotspots import PERMISSION

SIZE = 10
LISTS = {"newest": "最新诉求", "oldest_open": "最久未办结", "most_joined": "最多居民附议"}


def _joined():
    """Return the subquery (original id, joined) of demands merged into another."""
    m = DEMANDS.alias("m").c
    return (select(m.duplicate_of.label("id"), func.count().label("joined"))
            .where(m.duplicate_of.is_not(None)).group_by(m.duplicate_of).subquery("j"))


def _select(f: DemandFilter, now: datetime, j):
    """Return the select of the public fields of the demands matching `f` (merged ones left
    out), joined count from `j`."""
    d, c = SUMMARY_TABLE.c, CATEGORIES.c
    days = cast(func.floor(func.extract(
        "epoch", func.coalesce(d.closed_at, now) - d.created_at) / 86400), Integer)
    return (select(d.code, d.title, c.name.label("category_name"), d.state, d.grid_code,
                   d.created_at, days.label("days"),
                   func.coalesce(j.c.joined, 0).label("joined"))
            .select_from(SUMMARY_TABLE.join(CATEGORIES, c.code == d.category_code)
                         .outerjoin(j, j.c.id == d.id))
            .where(*map_layer.where(f, now), d.state != "merged", d.duplicate_of.is_(None))
            .limit(SIZE))


def _rows(session: Session, stmt) -> list[dict]:
    return [{**r, "state_label": STATE_LABELS.get(r["state"], r["state"]),
             "created_at": r["created_at"].astimezone(UTC)}
            for r in session.execute(stmt).mappings()]


def sidebar(session: Session, actor: Actor, f: DemandFilter,
            now: datetime | None = None) -> dict:
    """Return {scope, lists: {newest, oldest_open, most_joined}, titles}: up to SIZE demands
    each (code, title, category_name, state, state_label, grid_code, created_at, days,
    joined) of `within` or the actor's scope; Forbidden outside the scope."""
    now = now or datetime.now(UTC)
    policy.require(actor, PERMISSION, f.within)
    f = replace(f, within=f.within or actor.scope)
    d, j = SUMMARY_TABLE.c, _joined()
    still_open = replace(f, state=None, states=tuple(
        s for s in OPEN_STATES if not f.states or s in f.states) or ("none",))
    lists = {
        "newest": _select(f, now, j).order_by(d.created_at.desc(), d.id.desc()),
        "oldest_open": _select(still_open, now, j).order_by(d.created_at, d.id),
        "most_joined": _select(f, now, j).where(j.c.joined > 0)
        .order_by(j.c.joined.desc(), d.created_at.desc()),
    }
    return {"scope": f.within, "titles": LISTS,
            "lists": {name: _rows(session, stmt) for name, stmt in lists.items()}}
