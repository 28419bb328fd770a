"""The dispatcher's queue (待派单): demands waiting for dispatch, urgent and oldest first.

Only public fields of a demand are selected — never the reporter's name or phone — so the
queue can be polled every few seconds without auditing personal-data reads.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import text
from sqlalchemy.orm import Session

from gis.contracts import Contract
from gis.params import Limit
from layers.access.actors import Actor
from layers.demands.fields import SOURCES

DESCRIPTION_CHARS = 300
_WHERE = "d.state = 'received' AND d.duplicate_of IS NULL AND d.grid_code LIKE :prefix"
_QUEUE = text(f"""
    SELECT d.code, d.title, left(d.description, {DESCRIPTION_CHARS}) AS description,
           d.address, d.category_code, c.name AS category_name, c.urgent, d.source,
           d.created_at, d.deadline, (d.overdue OR d.deadline < :now) AS overdue,
           EXTRACT(EPOCH FROM (:now - d.created_at))::bigint AS age_s,
           d.grid_code, g.name AS grid_name,
           left(d.grid_code, 12) AS community_code, cm.name AS community_name,
           left(d.grid_code, 9) AS street_code, st.name AS street_name,
           ST_X(d.geom) AS lon, ST_Y(d.geom) AS lat,
           (SELECT count(*) FROM demands j WHERE j.duplicate_of = d.id) AS joined_residents
    FROM demands d
    JOIN categories c ON c.code = d.category_code
    LEFT JOIN grids g ON g.id = d.grid_id
    LEFT JOIN communities cm ON cm.code = left(d.grid_code, 12)
    LEFT JOIN streets st ON st.code = left(d.grid_code, 9)
    WHERE {_WHERE}
    ORDER BY c.urgent DESC, (d.overdue OR d.deadline < :now) DESC, d.created_at, d.id
    LIMIT :limit
""")
_COUNT = text(f"SELECT count(*) FROM demands d WHERE {_WHERE}")


class QueueQuery(Contract):
    """?limit= how many waiting demands to list (default 100)."""

    limit: Limit("limit", 100, 500, "how many (default 100)") = 100


def _prefix(actor: Actor) -> str:
    """Return the LIKE pattern of the actor's scope ('%' city-wide); scopes are digits only."""
    return (actor.scope or "") + "%"


def queue(session: Session, actor: Actor, limit: int = 100,
          now: datetime | None = None) -> list[dict]:
    """Return the demands waiting for dispatch in `actor`'s scope: urgent, overdue, oldest first.

    Each row: code, title, description (first 300 characters), address, category code/name,
    urgent, source (+ label), created_at, deadline, overdue, age_s, grid/community/street codes and
    names, lon/lat (WGS84) and joined_residents. No reporter data.
    """
    now = now or datetime.now(UTC)
    rows = session.execute(_QUEUE, {"prefix": _prefix(actor), "now": now, "limit": limit})
    return [{**r, "source_label": SOURCES.get(r["source"], r["source"])}
            for r in rows.mappings() if actor.covers(r["grid_code"])]


def waiting(session: Session, actor: Actor) -> int:
    """Return how many demands wait for dispatch in `actor`'s scope (beyond any limit)."""
    return session.execute(_COUNT, {"prefix": _prefix(actor)}).scalar_one()
