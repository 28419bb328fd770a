"""Grid routes under /api/v1: locate a point, the grids, one grid, outlines, the export."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify, request

from gis.contracts import check_query
from grids import locate as locating
from grids import queries
from grids.exporter import ExportQuery, export_grids
from web.access.guard import requires
from web.core.db import get_session
from web.openapi.spec import contract

bp = Blueprint("grids", __name__)  # under /api/v1 (web.create_app)
TAG = "grids 网格"


@bp.get("/locate")
@requires("public")
@contract(TAG, query=locating.LocateQuery, errors=(400, 404))
def locate() -> Response:
    """The grid, community, street and district of a point (lon, lat, crs)."""
    q = check_query(locating.LocateQuery, request.args)
    return jsonify(locating.locate(get_session(), q.lon, q.lat, q.crs).as_dict())


@bp.get("/grids")
@requires("public")
@contract(TAG, query=queries.GridQuery, errors=(400,))
def grids() -> Response:
    """Current grids as a GeoJSON FeatureCollection, filtered and optionally simplified."""
    q = check_query(queries.GridQuery, request.args)
    rows = queries.grid_rows(get_session(), q.filter())
    resp = jsonify(queries.feature_collection(rows, q.simplify))
    resp.mimetype = "application/geo+json"
    return resp


@bp.get("/grids/<code>")
@requires("public")
@contract(TAG, errors=(400, 404))
def grid(code: str) -> Response:
    """One grid as a GeoJSON Feature with its hierarchy and neighbouring grids."""
    detail = queries.grid_detail(get_session(), code)
    feature = queries.feature_collection([detail])["features"][0]
    feature["properties"]["neighbours"] = detail["neighbours"]
    resp = jsonify(feature)
    resp.mimetype = "application/geo+json"
    return resp


@bp.get("/districts/outlines")
@requires("public")
@contract(TAG)
def district_outlines() -> Response:
    """Each district's outline derived from its current grids, as GeoJSON."""
    resp = jsonify(queries.district_outlines_from_grids(get_session()))
    resp.mimetype = "application/geo+json"
    return resp


@bp.get("/grids/export")
@requires("public")
@contract(TAG, query=ExportQuery, errors=(400,))
def grids_export() -> Response:
    """Return current grids (EPSG:4326) as GeoJSON, GeoPackage or zipped Shapefile; 400 if bad."""
    result = export_grids(get_session(), check_query(ExportQuery, request.args).format)
    return Response(
        result.data,
        mimetype=result.mimetype,
        headers={"Content-Disposition": f'attachment; filename="{result.filename}"'},
    )
