"""Leaders' pages (`/leaders/…`): the hotspot map and the rates table per unit and period
(leaders, supervisors, admins; their scope)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from flask import Blueprint, current_app, render_template, request, url_for

from gis.contracts import check_query
from gis.errors import BadParameter
from layers.demands.fields import SOURCES
from layers.demands.map_layer import GROUP_LABELS
from layers.reporting import choropleth
from layers.reporting import rates as rating
from layers.reporting.units import LEVEL_LABELS, LEVELS, units
from web.access import actor as acting
from web.access.guard import requires
from web.core import maps as core_maps
from web.core.db import get_session
from web.core.map_context import basemap, map_links
from web.reporting import maps

bp = Blueprint("leaders", __name__, url_prefix="/leaders")


@bp.get("/")
@requires("reporting.rates")
def hotspots_page() -> Any:
    """热点分析: where demands cluster more (or less) than around them — Gi* hot and cold
    spots per grid, and their weekly trend (emerging hot spots) — the heatmap (per week), a
    choropleth per unit and the sidebar (newest, oldest open, most joined), with filters."""
    urls = {"hotspots": url_for("api.spatial.hotspot_grids"),
            "emerging": url_for("api.spatial.emerging_hotspots"),
            "heat": url_for("api.leader_map.heat_cells"),
            "choropleth": url_for("api.leader_map.choropleth_units"),
            "sidebar": url_for("api.leader_map.leaders_sidebar"),
            "categories": url_for("api.demands.categories"),
            "demand": url_for("staff.demand_page", code="__code__")}
    m = maps.hotspot_map(urls, map_links(), basemap())
    streets = units(get_session(), "street", acting.current().scope)
    return render_template("leaders/hotspots.html", map=core_maps.render_parts(m),
                           streets=streets, sources=SOURCES, groups=GROUP_LABELS,
                           measures=choropleth.MEASURES, schemes=choropleth.SCHEMES)


@bp.get("/rates")
@requires("reporting.rates")
def rates_page() -> Any:
    """三率 table: one row per unit of the chosen level over the chosen period, sorted by
    score (units with too few ratings after the others), with the definitions."""
    try:
        q = check_query(rating.RatesQuery, request.args)
        error = None
    except BadParameter as err:
        q, error = rating.RatesQuery(), str(err)
    now = datetime.now(UTC)
    data = rating.rates(get_session(), acting.current(), q.level, q.chosen_period(now),
                        current_app.config["RATE_RULES"], now)
    data["units"].sort(key=_rank)
    return render_template("leaders/rates.html", data=data, levels=LEVELS,
                           level_labels=LEVEL_LABELS, error=error), 400 if error else 200


def _rank(row: dict) -> tuple:
    """Sort key: ranked units by score (best first), then few-ratings and score-less ones."""
    return (row["few_ratings"] or row["score"] is None, -(row["score"] or 0), row["code"] or "")
