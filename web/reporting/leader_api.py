"""`GET /api/v1/heat`, `/api/v1/choropleth` and `/api/v1/leaders/sidebar`: the leaders' map
layers (heat per grid and week, a classed figure per unit) and its sidebar (leaders,
supervisors, admins; their scope)."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Blueprint, Response, current_app, jsonify, request

from gis.contracts import check_query
from layers.reporting import choropleth, heat, hotspots, sidebar
from web.access import actor as acting
from web.access.guard import requires
from web.core.db import get_session
from web.core.jsonout import geojson
from web.openapi.spec import contract

bp = Blueprint("leader_map", __name__)  # under /api/v1 (web.create_app)
TAG = "leaders 领导驾驶舱地图"


@bp.get("/heat")
@requires("reporting.rates")
@contract(TAG, query=heat.HeatQuery, errors=(400,))
def heat_cells() -> Response:
    """Heat of the demands matching the filter: one weighted point per grid (its inner point,
    WGS84), counted in the database — never one point per demand.

    `grids` lists the area's grids (code, lon, lat: `within`, default the caller's scope;
    outside it 403); `cells` are `[index into grids, count]` for grids with demands; `total`,
    `max`, `period` (default the 90 days before `to`, default now). With `weekly=true`,
    `weeks` holds one frame per ISO week (Monday–Sunday, Asia/Shanghai) of the period:
    `week` (2026-W40), `start`, `total`, `max`, `cells` — at most 26 weeks, else 400 naming
    `weekly`."""
    q = check_query(heat.HeatQuery, request.args)
    now = datetime.now(UTC)
    return jsonify(heat.heat(get_session(), acting.current(), q.chosen(now),
                             q.weekly == "true", now))


@bp.get("/choropleth")
@requires("reporting.rates")
@contract(TAG, query=choropleth.ChoroplethQuery, errors=(400,))
def choropleth_units() -> Response:
    """A figure per grid, community or street, classed for a choropleth with mapclassify.

    GeoJSON FeatureCollection (WGS84) of the units of `level` in `within` (default the
    caller's scope; outside it 403), each with `code`, `name`, `value` and `class` (0 = lowest;
    null = 无数据, e.g. a rate with a zero denominator). `measure`: demands, per_1000 (demands
    per 1,000 residents; null without population), open, overdue (counts of the filtered
    demands), on_time_rate, satisfaction_rate (of the demands filed in the period, as
    /api/v1/rates). `scheme`: fisher_jenks (natural breaks) or quantiles; `k` classes (2–9,
    fewer when fewer distinct values). With `breaks` (upper bounds), `legend`, `no_data`,
    `title` (names the method) and `period` (default the 90 days before `to`)."""
    q = check_query(choropleth.ChoroplethQuery, request.args)
    now = datetime.now(UTC)
    data = choropleth.choropleth(get_session(), acting.current(), q.chosen(now), q.level,
                                 q.measure or "demands", q.scheme or "fisher_jenks",
                                 q.k or 5, now,
                                 current_app.config["RATE_RULES"])
    return geojson(data)


@bp.get("/leaders/sidebar")
@requires("reporting.rates")
@contract(TAG, query=hotspots.HotspotQuery, errors=(400,))
def leaders_sidebar() -> Response:
    """The newest demands, the 10 oldest still open and the 10 most joined (residents whose
    repeat demands were merged into it) matching the filter in `within` (default the caller's
    scope; outside it 403). Public fields only: `code`, `title`, `category_name`, `state`,
    `state_label`, `grid_code`, `created_at`, `days` (age, or time to close), `joined`."""
    q = check_query(hotspots.HotspotQuery, request.args)
    return jsonify(sidebar.sidebar(get_session(), acting.current(), q.demand_filter()))
