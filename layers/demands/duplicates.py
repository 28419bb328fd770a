"""Finding the open demand a new report repeats (same small class, nearby, recent)."""

from __future__ import annotations

import math
from datetime import datetime, timedelta

from gis.srid import STORAGE
from layers.demands.rules import Rules

_POINT = f"ST_SetSRID(ST_MakePoint(:lon, :lat), {STORAGE})"
_METRES_PER_DEGREE_LAT = 110_000  # fewer than the fewest on the ellipsoid (110,574 m)

# The nearest open, unmerged demand of the category within the radius and window: a degree
# box around the point on the partial index of open demands, then the geodesic distance.
ORIGINAL_SQL = (
    "SELECT id, code FROM demands WHERE category_code = :cat "
    "AND state NOT IN ('closed', 'merged') AND created_at >= :since "
    f"AND geom && ST_Expand({_POINT}, :box_lon, :box_lat) "
    f"AND ST_DWithin(geom::geography, {_POINT}::geography, :radius) "
    f"ORDER BY ST_Distance(geom::geography, {_POINT}::geography) LIMIT 1"
)


def degree_box(lat: float, radius_m: float) -> tuple[float, float]:
    """Return half-widths (degrees of longitude, of latitude) of a box around a point at
    `lat` that holds every point within `radius_m` metres of it."""
    box_lat = radius_m / _METRES_PER_DEGREE_LAT
    widest = math.cos(math.radians(min(89.0, abs(lat) + box_lat)))
    return box_lat / widest, box_lat


def original_params(category: str, lon: float, lat: float, now: datetime,
                    rules: Rules) -> dict:
    """Return the bind parameters of ORIGINAL_SQL for a new demand."""
    box_lon, box_lat = degree_box(lat, rules.duplicate_radius_m)
    return {"cat": category, "lon": lon, "lat": lat, "radius": rules.duplicate_radius_m,
            "box_lon": box_lon, "box_lat": box_lat,
            "since": now - timedelta(hours=rules.duplicate_hours)}
