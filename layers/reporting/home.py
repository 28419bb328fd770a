"""What each user's start page shows: the figures of their scope that their permissions
reach (queue, verification, overdue, the month's record). Counts and public fields only."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.orm import Session

from grids.queries import unit_name
from layers.access import policy
from layers.access.actors import Actor
from layers.demands import figures, worklist
from layers.demands.dispatch import queue

CARDS = ("demands.dispatch", "demands.handle", "members.view", "riders.view",
         "ledgers.download", "reporting.rates")
"""The permissions whose cards and links a start page may show."""


def start_figures(session: Session, actor: Actor, now: datetime | None = None) -> dict:
    """Return the start page's data for a staff actor: `figures` (layers.demands.figures over
    the actor's scope), `oldest` (the first waiting demand of the dispatch queue, public fields,
    or None) for coordinators, `orders` (worklist.assigned_counts, None without
    demands.handle), which cards apply (`cards`: names of permissions held) and
    `scope_name` (the scope's name, '七台河市' city-wide)."""
    now = now or datetime.now(UTC)
    cards = [name for name in CARDS if policy.may(actor, name)]
    oldest, orders = None, None
    if "demands.handle" in cards:
        orders = worklist.assigned_counts(session, actor, now)
    if "demands.dispatch" in cards:
        first = queue.queue(session, actor, limit=1, now=now)
        oldest = first[0] if first else None
    return {"figures": figures.scope_counts(session, actor, now), "oldest": oldest,
            "cards": cards, "orders": orders, "scope_name": unit_name(session, actor.scope)}
