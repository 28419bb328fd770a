"""The append-only event log of a demand's transitions."""

from __future__ import annotations

import json
from datetime import datetime

from sqlalchemy import text
from sqlalchemy.orm import Session

from gis.srid import STORAGE
from layers.access.actors import Actor

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


# An imported demand's history starts with its import (one demand_imports record per file,
# not one event per row): the state it was imported in, who ran it, the file and the line.
_HISTORY = text(
    "SELECT action, from_state, to_state, actor_role, actor, at, note, payload, lon, lat "
    "FROM (SELECT 0 AS k, CAST(0 AS bigint) AS id, 'import' AS action, NULL AS from_state, "
    "coalesce((SELECT e.from_state FROM demand_events e WHERE e.demand_id = d.id "
    "ORDER BY e.id LIMIT 1), d.state) AS to_state, 'system' AS actor_role, i.run_by AS actor, "
    "i.imported_at AS at, '导入自 ' || i.file_name AS note, "
    "jsonb_build_object('line', d.import_line, 'import', i.id) AS payload, "
    "CAST(NULL AS float8) AS lon, CAST(NULL AS float8) AS lat FROM demands d "
    "JOIN demand_imports i ON i.id = d.import_id WHERE d.id = :d "
    "UNION ALL SELECT 1, e.id, e.action, e.from_state, e.to_state, e.actor_role, u.name, e.at, "
    "e.note, e.payload, ST_X(e.geom), ST_Y(e.geom) FROM demand_events e "
    "LEFT JOIN users u ON u.id = e.actor_user_id WHERE e.demand_id = :d) AS h ORDER BY k, id")


def history(session: Session, demand_id: int) -> list[dict]:
    """Return the demand's events in order (actor's location as lon/lat when sent), its
    import first when it was imported."""
    return [dict(r) for r in session.execute(_HISTORY, {"d": demand_id}).mappings()]
