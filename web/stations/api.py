"""Station routes on the API blueprint: the nearest 红色驿站 to a point, or all of them.
Public: stations are public amenities (no login, no personal data)."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify, request

from gis.coords import to_wgs84
from layers.stations import store as stations
from web.access.guard import requires
from web.core.cached import public_geojson
from web.core.db import get_session
from web.openapi.spec import contract

bp = Blueprint("stations", __name__)  # under /api/v1 (web.create_app)

DISTANCE_NOTE = "直线距离（大地线，米）straight-line geodesic distance in metres"


@bp.get("/stations")
@requires("public")
@contract("stations 红色驿站", query=stations.StationQuery, errors=(400, 422))
def station_list() -> Response:
    """Nearest 红色驿站 to a point, or all active stations.

    Public, no login. With lon/lat: `{point, distance, stations: [{id, kind, name, address,
    services, opening_hours, grid_code, lon, lat, distance_m, kind_label, service_labels}]}`
    nearest first, ranked by geodesic straight-line distance (m); 422 `location` for a point
    outside the city. Without: the active stations as a GeoJSON FeatureCollection with total,
    page, per_page."""
    q = stations.parse_query(request.args)
    session = get_session()
    if q.lon is None:  # the map layer: cacheable
        return public_geojson(stations.feature_collection(session, q))
    found = stations.nearest(session, q.lon, q.lat, q.crs, q.limit, q.service)
    lon, lat = to_wgs84(q.lon, q.lat, q.crs)
    return jsonify({"point": {"lon": lon, "lat": lat, "crs": "wgs84"}, "distance": DISTANCE_NOTE,
                    "stations": found})
