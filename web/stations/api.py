"""Station routes on the API blueprint: the nearest 红色驿站 to a point, or all of them.
Public: stations are public amenities (no login, no personal data)."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify, request

from gis.coords import to_wgs84
from layers.stations import store as stations
from web.access.guard import requires
from web.core.db import get_session

bp = Blueprint("stations", __name__)  # under /api/v1 (web.create_app)

DISTANCE_NOTE = "直线距离（大地线，米）straight-line geodesic distance in metres"


@bp.get("/stations")
@requires("public")
def station_list() -> Response:
    """With lon/lat: the nearest active stations ranked by geodesic distance, and the point, in
    WGS84 (JSON); without: the active stations as a paged GeoJSON FeatureCollection."""
    q = stations.parse_query(request.args)
    session = get_session()
    if q.lon is None:
        resp = jsonify(stations.feature_collection(session, q))
        resp.mimetype = "application/geo+json"
        return resp
    found = stations.nearest(session, q.lon, q.lat, q.crs, q.limit, q.service)
    lon, lat = to_wgs84(q.lon, q.lat, q.crs)
    return jsonify({"point": {"lon": lon, "lat": lat, "crs": "wgs84"}, "distance": DISTANCE_NOTE,
                    "stations": found})
