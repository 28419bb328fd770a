"""HTML pages (Chinese first): the city grid map and one grid's detail page."""

from __future__ import annotations

from datetime import datetime

from flask import Blueprint, redirect, render_template, url_for

from gis.errors import NotFound
from gis.localtime import TZ
from grids import mapdata
from layers.stations import store as stations
from web.access.guard import requires
from web.core import maps
from web.core.db import get_session
from web.core.errors import error_page
from web.core.map_context import basemap, map_links
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


@bp.get("/")
@requires("public")
def index():
    """Redirect to the grid map."""
    return redirect(url_for("pages.grid_map"))


@bp.get("/map")
@requires("public")
def grid_map():
    """The city map: every current grid coloured by street, outlines, river, red stations,
    search."""
    session = get_session()
    layers = city_maps.CityLayers(
        grids=mapdata.map_grids(session),
        districts=mapdata.district_outlines(session),
        rivers=mapdata.river_lines(session),
        stations=stations.all_active(session),
    )
    parts = maps.render_parts(city_maps.city_map(layers, map_links(), basemap()))
    return render_template(
        "grids/map.html", map=parts, legend=city_maps.street_legend(layers.grids),
        grid_count=len(layers.grids), station_kinds=station_maps.kind_legend(),
        station_count=len(layers.stations),
    )


@bp.get("/grids/<code>")
@requires("public")
def grid_page(code: str):
    """One grid: hierarchy, attributes, neighbours and a small map; Chinese 404 if unknown."""
    try:
        grid = mapdata.grid_page(get_session(), code)
    except NotFound:
        message = f"没有编码为“{code[:40]}”的现行网格。"
        return error_page(404, message)
    grid["valid_from"] = _local_date(grid["valid_from"])
    parts = maps.render_parts(city_maps.grid_map(grid["features"], code, map_links(), basemap()))
    return render_template("grids/grid.html", grid=grid, map=parts, area=_area(grid["area_m2"]))
