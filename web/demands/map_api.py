"""The staff demand map's API: the demands of the actor's scope in a viewport (clusters or
points) and the scope's figures to open the map on. No personal data."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify, request

from gis.contracts import check_query
from layers.demands import map_layer, map_scope
from web.access import actor as acting
from web.access.guard import requires
from web.core.db import get_session
from web.core.jsonout import geojson
from web.openapi.spec import contract

bp = Blueprint("demand_map", __name__)  # under /api/v1 (web.create_app)
TAG = "demands 诉求"


@bp.get("/demands/map")
@requires("demands.map")
@contract(TAG, query=map_layer.DemandMapQuery, errors=(400,))
def demand_map() -> Response:
    """The scope's demands inside `bbox` at `zoom` as GeoJSON (WGS84).

    `kind` "cluster": one feature per street (zoom ≤ 12), community (13–14), grid (15) or
    square of 64 pixels (≥ 16) with `count`, counts per state group (waiting 待派, in_hand
    办理中, done 已办结, closed 已结案), `overdue`, `bbox`, the unit's `code` and `name`;
    `kind` "point": one feature per demand (code, category, group, state, overdue, grid,
    days_open, deadline) when few match for the zoom (≤ 300 to zoom 11, ≤ 600 to 13,
    ≤ 2,000 to 15, ≤ 5,000 from 16). Staff only, inside their scope (`within` outside it:
    403)."""
    q = check_query(map_layer.DemandMapQuery, request.args)
    out = map_layer.demand_map(get_session(), acting.current(), q.filter(), q.zoom)
    return geojson(out)


@bp.get("/demands/map/scope")
@requires("demands.map")
@contract(TAG)
def demand_map_scope() -> Response:
    """The actor's scope for the map to open on: name, bbox, outline (GeoJSON, none for the
    city), the streets/communities inside it, and its open, overdue, due-today demands and
    on-duty members."""
    return jsonify(map_scope.scope_figures(get_session(), acting.current()))
