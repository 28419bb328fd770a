"""The city map and one grid's map: folium sets them up with empty named layer groups; the
page modules (static/js/grids/) fill them from the layer URLs. They never query."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import folium
from markupsafe import escape

from web.core.maps import Basemap, MapLinks, base_map, hand_off, layer_groups, street_colour
from web.stations import maps as station_maps


@dataclass(frozen=True)
class CityLayers:
    """Where the city map's layers come from: the grid layer's URL, and the district outlines'
    (when any are stored), the rivers' (with their names) and the stations' (when any) — an
    empty URL leaves that layer out."""

    grids_url: str
    districts_url: str = ""
    rivers_url: str = ""
    river_names: Sequence[str] = ()
    stations_url: str = ""
    demands: Mapping[str, str] | None = None
    """For staff: the demand layer's URLs (data, scope, categories, demandPage with a
    '__code__' slot) — static/js/demands/demandlayer.js; None on the public map."""


def street_legend(streets: Sequence[dict]) -> list[dict]:
    """Return legend rows by street code (as from grids.mapdata.street_counts): code, name,
    district name, colour, grid count."""
    return [{"code": s["street_code"], "name": s["street_name"],
             "district_name": s["district_name"], "color": street_colour(s["street_code"]),
             "grids": s["grids"]} for s in streets]


def _city_groups(layers: CityLayers) -> tuple[dict[str, str], dict[str, str]]:
    """Return (layer control names by group key, data URLs by group key) of the shown layers."""
    rivers = "、".join(dict.fromkeys(layers.river_names))
    wanted = {"grids": ("网格", layers.grids_url),
              "districts": ("区县边界", layers.districts_url),
              "rivers": (str(escape(rivers)), layers.rivers_url if rivers else ""),
              "stations": (station_maps.LAYER_NAME, layers.stations_url),
              "demands": ("诉求", (layers.demands or {}).get("data", ""))}
    shown = {k: v for k, v in wanted.items() if v[1]}
    return {k: v[0] for k, v in shown.items()}, {k: v[1] for k, v in shown.items()}


def city_map(layers: CityLayers, links: MapLinks = MapLinks(),
             basemap: Basemap = Basemap()) -> folium.Map:
    """Return the city map: groups for grids by street, district outlines, rivers, red
    stations and (for staff) demands in a layer control, handed to static/js/grids/map.js
    with their URLs."""
    m = base_map(links, basemap, zoom_start=12)
    names, urls = _city_groups(layers)
    config = {"urls": urls, "gridUrl": links.grid_url, "focus": None,
              "stationKinds": station_maps.kind_legend(), "demands": layers.demands}
    hidden = ("stations",) if layers.demands else ()  # staff: the demands stand out
    return hand_off(m, layer_groups(m, names, hidden), config, basemap)


def grid_map(focus: str, grids_url: str, links: MapLinks = MapLinks(),
             basemap: Basemap = Basemap()) -> folium.Map:
    """Return a small map of one grid (`focus`, outlined) among its neighbours (from
    `grids_url`), handed to static/js/grids/gridpage.js."""
    m = base_map(links, basemap, zoom_start=15, height=360)
    groups = layer_groups(m, {"grids": "网格"})
    config = {"urls": {"grids": grids_url}, "gridUrl": links.grid_url, "focus": focus}
    return hand_off(m, groups, config, basemap, control=False)
