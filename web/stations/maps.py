"""The 红色驿站 layer of the city map: plain station rows in, a toggleable folium layer out;
never queries. Stations are drawn by static/js/stations/stationmap.js as circle markers in a
pane above the grids, with popups escaped by GridMap.esc; points embedded in the basemap's
datum. The station form's location picker draws the other stations with the same script and
config (`layer_config`)."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import folium

from gis import datum as datums
from layers.stations.store import KINDS
from web.core.map_setup import JsSetup

LAYER_NAME = "红色驿站"
STATION_JS = ("stationmap", "js/stations/stationmap.js")
# Kind → (fill colour, radius px): red stations red, the 暖蜂驿站 pilot sites amber and larger.
KIND_STYLE: dict[str, tuple[str, int]] = {"red_station": ("#d7191c", 5),
                                          "warm_bee": ("#f59f00", 8)}


def kind_legend() -> list[dict]:
    """Return the station kinds in display order: kind, Chinese label, colour, radius."""
    return [{"kind": k, "label": KINDS[k], "color": c, "radius": r}
            for k, (c, r) in KIND_STYLE.items()]


def points(stations: Sequence[dict], datum: str = "wgs84") -> list[list]:
    """Return stations (as from layers.stations.present) as compact rows [lon, lat, kind
    index, id, name, address, service labels, opening hours, grid code], lon/lat in `datum`."""
    index = {k: i for i, k in enumerate(KIND_STYLE)}
    lons, lats = datums.points_in([s["lon"] for s in stations], [s["lat"] for s in stations],
                                  datum)
    return [[x, y, index.get(s["kind"], 0), s["id"], s["name"], s["address"],
             s["service_labels"], s["opening_hours"], s["grid_code"]]
            for s, x, y in zip(stations, lons, lats, strict=True)]


def layer_config(stations: Sequence[dict], datum: str, grid_url: str) -> dict:
    """Return the config StationMap.setup takes: kinds, the stations' rows (lon/lat in
    `datum`), the grid page URL ('__code__' slot)."""
    return {"kinds": kind_legend(), "points": points(stations, datum), "gridUrl": grid_url}


def add_stations(m: folium.Map, stations: Sequence[dict], datum: str,
                 static: Callable[[str], str], grid_url: str) -> None:
    """Add the stations as one toggleable overlay named 红色驿站 (nothing when there are none)."""
    if not stations:
        return
    layer = folium.FeatureGroup(name=LAYER_NAME, show=True)
    layer.add_to(m)
    m.default_js = [*m.default_js, (STATION_JS[0], static(STATION_JS[1]))]
    m.add_child(JsSetup("StationMap", layer, layer_config(stations, datum, grid_url)))
