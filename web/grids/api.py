"""Grid routes under /api/v1: locate a point, the grids, one grid, outlines, the export, and
the map layers' data (grids for the map, district boundaries, rivers; cacheable, WGS84)."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify, request

from gis.contracts import check_query
from grids import locate as locating
from grids import mapdata, queries
from grids.exporter import ExportQuery, export_grids
from web.access.guard import requires
from web.core import maps
from web.core.cached import public_geojson
from web.core.db import get_session
from web.core.jsonout import geojson
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
    return geojson(queries.feature_collection(rows, q.simplify))


@bp.get("/grids/<code>")
@requires("public")
@contract(TAG, errors=(400, 404))
def grid(code: str) -> Response:
    """One grid as a GeoJSON Feature with its hierarchy and neighbouring grids."""
    detail = queries.grid_detail(get_session(), code)
    feature = queries.feature_collection([detail])["features"][0]
    feature["properties"]["neighbours"] = detail["neighbours"]
    return geojson(feature)


@bp.get("/districts/outlines")
@requires("public")
@contract(TAG)
def district_outlines() -> Response:
    """Each district's outline derived from its current grids, as GeoJSON."""
    return geojson(queries.district_outlines_from_grids(get_session()))


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


@bp.get("/map/grids")
@requires("public")
@contract(TAG)
def map_grids() -> Response:
    """The city map's grid layer: every current grid (coverage-simplified ~5 m, 6 decimals,
    lon/lat) with slim properties and its street's colour, plus `lookups` (code → name of
    communities, streets, districts). Cacheable (ETag, 304)."""
    layer = maps.grid_layer(mapdata.map_grids(get_session()))
    return public_geojson(layer)


@bp.get("/map/grids/<code>")
@requires("public")
@contract(TAG, errors=(404,))
def map_grid_neighbourhood(code: str) -> Response:
    """One grid's map layer: the grid first, then its neighbours, as in /map/grids."""
    features = mapdata.grid_page(get_session(), code)["features"]
    return public_geojson(maps.grid_layer(features))


@bp.get("/map/districts")
@requires("public")
@contract(TAG)
def map_districts() -> Response:
    """The stored district boundaries (code, name; simplified ~20 m, lon/lat) as GeoJSON."""
    features = mapdata.district_outlines(get_session())
    return public_geojson(maps.collection(features))


@bp.get("/map/rivers")
@requires("public")
@contract(TAG)
def map_rivers() -> Response:
    """The river lines (name, synthetic, note; lon/lat) as GeoJSON."""
    features = mapdata.river_lines(get_session())
    return public_geojson(maps.collection(features))
