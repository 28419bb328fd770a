"""Grid routes under /api/v1: locate a point, the grids, one grid, outlines, the export."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify, request

from gis.checks import parse_crs, parse_number
from grids import locate as locating
from grids import queries
from grids.exporter import export_grids
from web.access.guard import requires
from web.core import params
from web.core.db import get_session

bp = Blueprint("grids", __name__)  # under /api/v1 (web.create_app)


@bp.get("/locate")
@requires("public")
def locate() -> Response:
    """The grid, community, street and district of a point (lon, lat, crs)."""
    lon = parse_number("lon", request.args.get("lon"))
    lat = parse_number("lat", request.args.get("lat"))
    crs = parse_crs(request.args.get("crs"))
    return jsonify(locating.locate(get_session(), lon, lat, crs).as_dict())


@bp.get("/grids")
@requires("public")
def grids() -> Response:
    """Current grids as a GeoJSON FeatureCollection, filtered and optionally simplified."""
    grid_filter = params.grid_filter(request.args)
    simplify = params.simplify_metres(request.args.get("simplify"))
    rows = queries.grid_rows(get_session(), grid_filter)
    resp = jsonify(queries.feature_collection(rows, simplify))
    resp.mimetype = "application/geo+json"
    return resp


@bp.get("/grids/<code>")
@requires("public")
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
def district_outlines() -> Response:
    """Each district's outline derived from its current grids, as GeoJSON."""
    resp = jsonify(queries.district_outlines_from_grids(get_session()))
    resp.mimetype = "application/geo+json"
    return resp


@bp.get("/grids/export")
@requires("public")
def grids_export() -> Response:
    """Return current grids (EPSG:4326) as GeoJSON, GeoPackage or zipped Shapefile; 400 if bad."""
    result = export_grids(get_session(), request.args.get("format", "geojson"))
    return Response(
        result.data,
        mimetype=result.mimetype,
        headers={"Content-Disposition": f'attachment; filename="{result.filename}"'},
    )
