"""`GET /api/v1/hotspots` and `/api/v1/hotspots/emerging`: Getis-Ord Gi* hot spots of demands
per grid and their weekly trend (leaders, supervisors, admins; their scope)."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Blueprint, Response, request

from gis.contracts import check_query
from layers.reporting import emerging, hotspots
from web.access import actor as acting
from web.access.guard import requires
from web.core.db import get_session
from web.core.jsonout import geojson
from web.openapi.spec import contract

bp = Blueprint("spatial", __name__)  # under /api/v1 (web.create_app)
TAG = "hotspots 热点分析"


@bp.get("/hotspots")
@requires("reporting.rates")
@contract(TAG, query=hotspots.HotspotQuery, errors=(400,))
def hotspot_grids() -> Response:
    """Hot and cold spots of the demands matching the filter, per grid (Getis-Ord Gi*, queen
    contiguity, Benjamini–Hochberg FDR as ArcGIS's Optimized Hot Spot Analysis).

    GeoJSON FeatureCollection (WGS84 lon/lat) of the grids of `within` (default: the caller's
    scope; outside it: 403), each with `code`, `name`, `count`, `gi_z`, `p` (two-sided,
    uncorrected), `confidence` (±99/±95/±90 after FDR, 0 = not significant; + hot, − cold) and
    its Chinese `label`; with `level`, `scope`, `period` (default: the 90 days before `to`,
    default now), `total`, `grids`, `legend`, `method` and `warning` (fewer than 30 grids).
    Gi* is computed over the study area's grids only."""
    q = check_query(hotspots.HotspotQuery, request.args)
    now = datetime.now(UTC)
    return geojson(hotspots.hotspots(get_session(), acting.current(), q.chosen(now), now))


@bp.get("/hotspots/emerging")
@requires("reporting.rates")
@contract(TAG, query=hotspots.HotspotQuery, errors=(400,))
def emerging_hotspots() -> Response:
    """Emerging hot spots per grid (ArcGIS Pro's Emerging Hot Spot Analysis): Gi* of each
    ISO week (Asia/Shanghai) from the week of `from` to the week of `to` (4–104 weeks, else
    400 naming `from`; default: the 12 weeks to now), then a Mann-Kendall trend on each
    grid's weekly z-scores.

    GeoJSON FeatureCollection (WGS84 lon/lat), each grid with `code`, `name`, `count`,
    `pattern` (new, consecutive, intensifying, persistent, diminishing, sporadic, oscillating,
    historical + `_hot`/`_cold`, or none), `label`, `hot_weeks`, `cold_weeks`, `final` (the
    last week's confidence), `tau`, `trend_z`, `trend_p`; with `weeks`, `period`, `legend`
    (each pattern's rule in Chinese), `method` and `warning`."""
    q = check_query(hotspots.HotspotQuery, request.args)
    return geojson(emerging.emerging(get_session(), acting.current(), q.demand_filter()))
