"""The append-only event log of a demand's transitions."""

from __future__ import annotations

import json
from datetime import datetime

from sqlalchemy import text
from sqlalchemy.orm import Session

from gis.srid import STORAGE
from layers.actors import Actor

COLUMNS = ("demand_id, action, from_state, to_state, actor_user_id, actor_role, at, note, "
           "payload, geom")


def append(session: Session, demand_id: int, action: str, from_state: str | None,
           to_state: str, actor: Actor, note: str = "", payload: dict | None = None,
           at: datetime | None = None, lonlat: tuple[float, float] | None = None) -> None:
    """Append one event (actor, role, time, from → to, note, payload, actor's location)."""
    session.execute(
        text(
            f"INSERT INTO demand_events ({COLUMNS}) VALUES (:d, :a, :f, :t, :u, :r, "
            "coalesce(CAST(:at AS timestamptz), clock_timestamp()), :note, CAST(:p AS jsonb), "
            f"ST_SetSRID(ST_MakePoint(CAST(:x AS float8), CAST(:y AS float8)), {STORAGE}))"
        ),
        {"d": demand_id, "a": action, "f": from_state, "t": to_state, "u": actor.user_id,
         "r": actor.role, "at": at, "note": note, "p": json.dumps(payload or {}),
         "x": lonlat[0] if lonlat else None, "y": lonlat[1] if lonlat else None},
    )


def history(session: Session, demand_id: int) -> list[dict]:
    """Return the demand's events in order (actor's location as lon/lat when sent)."""
    rows = session.execute(
        text("SELECT e.action, e.from_state, e.to_state, e.actor_role, u.name AS actor, e.at, "
             "e.note, e.payload, ST_X(e.geom) AS lon, ST_Y(e.geom) AS lat FROM demand_events e "
             "LEFT JOIN users u ON u.id = e.actor_user_id WHERE e.demand_id = :d ORDER BY e.id"),
        {"d": demand_id},
    )
    return [dict(r) for r in rows.mappings()]
