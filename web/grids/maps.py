"""The city map and one grid's map: plain features in, folium maps out; they never query."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import folium

from web.core.maps import (
    Basemap,
    MapLinks,
    add_districts,
    add_grids,
    add_rivers,
    base_map,
    bounds,
    shown,
    street_colour,
)
from web.stations import maps as station_maps


@dataclass(frozen=True)
class CityLayers:
    """Plain data for the city map: grid, district and river features (lon/lat), station
    rows (as from layers.stations.all_active)."""

    grids: Sequence[dict]
    districts: Sequence[dict] = ()
    rivers: Sequence[dict] = field(default_factory=tuple)
    stations: Sequence[dict] = ()


def street_legend(features: Sequence[dict]) -> list[dict]:
    """Return legend rows by district then street: code, name, colour, grid count."""
    rows: dict[str, dict] = {}
    for f in features:
        p = f["properties"]
        row = rows.setdefault(p["street_code"], {
            "code": p["street_code"], "name": p["street_name"],
            "district_name": p["district_name"], "color": street_colour(p["street_code"]),
            "grids": 0,
        })
        row["grids"] += 1
    return [rows[c] for c in sorted(rows)]


def city_map(layers: CityLayers, links: MapLinks = MapLinks(),
             basemap: Basemap = Basemap()) -> folium.Map:
    """Return the city map: grids by street, district outlines, rivers, red stations, a layer
    control."""
    m = base_map(links, basemap, zoom_start=12)
    grids = shown(layers.grids, basemap)
    add_grids(m, grids, links)
    add_districts(m, shown(layers.districts, basemap))
    add_rivers(m, shown(layers.rivers, basemap))
    station_maps.add_stations(m, layers.stations, basemap.datum, links.static, links.grid_url)
    folium.LayerControl(collapsed=False).add_to(m)
    if grids:
        m.fit_bounds(bounds(grids))
    return m


def grid_map(features: Sequence[dict], focus: str, links: MapLinks = MapLinks(),
             basemap: Basemap = Basemap()) -> folium.Map:
    """Return a small map of one grid (`focus`, outlined) among its neighbours."""
    m = base_map(links, basemap, zoom_start=15, height=360)
    features = shown(features, basemap)
    add_grids(m, features, links, focus=focus)
    focused = [f for f in features if f["properties"]["code"] == focus] or list(features)
    if focused:
        m.fit_bounds(bounds(focused), padding=(30, 30))
    return m
