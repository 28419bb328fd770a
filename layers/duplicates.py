"""Finding the open demand a new report repeats (same small class, nearby, recent)."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import text
from sqlalchemy.orm import Session

from gis.srid import STORAGE
from layers.rules import Rules


def find_original(session: Session, category: str, lon: float, lat: float, now: datetime,
                  rules: Rules) -> dict | None:
    """Return the nearest open, unmerged demand of `category` within the radius and window."""
    row = session.execute(
        text(
            f"SELECT id, code FROM demands WHERE category_code = :cat "
            "AND state NOT IN ('closed', 'merged') AND created_at >= :since "
            f"AND ST_DWithin(geom::geography, ST_SetSRID(ST_MakePoint(:lon, :lat), "
            f"{STORAGE})::geography, :r) "
            f"ORDER BY geom::geography <-> ST_SetSRID(ST_MakePoint(:lon, :lat), "
            f"{STORAGE})::geography LIMIT 1"
        ),
        {"cat": category, "lon": lon, "lat": lat, "r": rules.duplicate_radius_m,
         "since": now - timedelta(hours=rules.duplicate_hours)},
    ).mappings().first()
    return dict(row) if row else None
