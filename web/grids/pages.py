"""HTML pages (Chinese first): the city grid map and one grid's detail page."""

from __future__ import annotations

from datetime import datetime

from flask import Blueprint, render_template, url_for

from gis.errors import NotFound
from gis.localtime import TZ
from grids import mapdata, queries
from layers.access import policy
from layers.stations import store as stations
from web.access import actor as acting
from web.access.guard import requires
from web.core import maps
from web.core.db import get_session
from web.core.errors import error_page
from web.core.map_context import CODE_SLOT, basemap, map_links
from web.grids import maps as city_maps
from web.stations import maps as station_maps

bp = Blueprint("pages", __name__)



def _area(m2: float | None) -> str:
    """Return an area for people: square metres, or square kilometres when large."""
    if m2 is None:
        return "—"
    return f"{m2 / 1e6:.2f} 平方千米" if m2 >= 100_000 else f"{m2:,.0f} 平方米"


def _local_date(iso: str) -> str:
    """Return the Asia/Shanghai date of an ISO timestamp."""
    return datetime.fromisoformat(iso).astimezone(TZ).date().isoformat()


@bp.get("/map")
@requires("public")
def grid_map():
    """The city map: every current grid coloured by street, outlines, river, red stations,
    search, and for staff the demands of their scope with its figures and filters — set up
    here, its layers loaded by URL."""
    session = get_session()
    rivers = mapdata.river_names(session)
    station_count = stations.active(session, per_page=1)[1]
    layers = city_maps.CityLayers(
        grids_url=url_for("api.grids.map_grids"),
        districts_url=url_for("api.grids.map_districts")
        if mapdata.has_district_boundaries(session) else "",
        rivers_url=url_for("api.grids.map_rivers"), river_names=rivers,
        stations_url=station_maps.layer_url() if station_count else "",
        demands=_demand_urls() if policy.may(acting.current(), "demands.map") else None,
    )
    legend = city_maps.street_legend(mapdata.street_counts(session))
    parts = maps.render_parts(city_maps.city_map(layers, map_links(), basemap()))
    return render_template(
        "grids/map.html", map=parts, legend=legend, grid_count=sum(r["grids"] for r in legend),
        station_kinds=station_maps.kind_legend(), station_count=station_count,
        demands=layers.demands is not None,
    )


def _demand_urls() -> dict[str, str]:
    """Return the staff demand layer's URLs (its data, the scope, the categories, a demand's
    page with a '__code__' slot)."""
    return {"data": url_for("api.demand_map.demand_map"),
            "scope": url_for("api.demand_map.demand_map_scope"),
            "categories": url_for("api.demands.categories"),
            "demandPage": url_for("staff.demand_page", code=CODE_SLOT)}


@bp.get("/grids/<code>")
@requires("public")
def grid_page(code: str):
    """One grid: hierarchy, attributes, neighbours and a small map; Chinese 404 if unknown."""
    try:
        grid = queries.grid_detail(get_session(), code)
    except NotFound:
        message = f"没有编码为“{code[:40]}”的现行网格。"
        return error_page(404, message)
    grid.pop("geom", None)
    grid["valid_from"] = _local_date(grid["valid_from"])
    m = city_maps.grid_map(code, url_for("api.grids.map_grid_neighbourhood", code=code),
                           map_links(), basemap())
    return render_template("grids/grid.html", grid=grid, map=maps.render_parts(m),
                           area=_area(grid["area_m2"]))
