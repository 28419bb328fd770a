"""Map builders' shared pieces: folium sets a map up, our ES modules draw its layers.

A builder makes the base map (local Leaflet, the configured tiles, the view, a metric scale),
adds EMPTY named layer groups (so the layer control lists them: 网格, 区县边界, 万宝河, 红色驿站…)
and hands the page's ES module the map, its groups by key and a plain config (data URLs,
lookups, the display datum) through `MapHandoff`: it sets `container.gridgov = {map, groups,
config}`, which static/js/lib/foliummap.js returns. Nothing is inlined: the modules fetch the
layers' GeoJSON (WGS84) from the API and draw them in the basemap's datum (datum.js); text
from data is escaped in the browser (text.js esc) before it becomes HTML.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass

import folium
from branca.element import MacroElement
from folium.template import Template

from gis import datum as datums
from grids.hierarchy import STREETS

CITY_CENTRE = (45.7711, 131.0031)  # lat, lon (Leaflet order, WGS84): the municipal government
ASSETS_JS = (("leaflet", "vendor/leaflet/leaflet.js"),)
ASSETS_CSS = (("leaflet_css", "vendor/leaflet/leaflet.css"), ("gridmap_css", "css/map.css"))
# 28 distinguishable colours; known streets take them in code order, so neighbours differ.
PALETTE = (
    "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2",
    "#bcbd22", "#17becf", "#aec7e8", "#ffbb78", "#98df8a", "#ff9896", "#c5b0d5",
    "#c49c94", "#f7b6d2", "#dbdb8d", "#9edae5", "#393b79", "#637939", "#8c6d31",
    "#843c39", "#7b4173", "#3182bd", "#e6550d", "#31a354", "#756bb1", "#636363",
)
_KNOWN_STREETS = sorted(STREETS)
SLIM_KEYS = ("code", "name", "kind", "households", "population")


def _static(path: str) -> str:
    return "/static/" + path


@dataclass(frozen=True)
class MapLinks:
    """How a map links to the app: static files and a grid's detail page ('__code__')."""

    static: Callable[[str], str] = _static
    grid_url: str = "/grids/__code__"


@dataclass(frozen=True)
class Basemap:
    """A configured tile layer (URL template, attribution HTML, the tiles' datum wgs84|gcj02),
    or none when url is empty."""

    url: str = ""
    attribution: str = ""
    crs: str = "wgs84"

    @property
    def datum(self) -> str:
        """Return the datum overlays are drawn in ('gcj02' only over GCJ-02 tiles)."""
        return datums.overlay_datum(self.url, self.crs)


@dataclass(frozen=True)
class MapParts:
    """A rendered map in three pieces for a page: header HTML, body HTML, script (no tags)."""

    header: str
    body: str
    script: str


def street_colour(code: str) -> str:
    """Return the stable fill colour of a street (9-digit code), '#rrggbb'."""
    if code in STREETS:
        return PALETTE[_KNOWN_STREETS.index(code) % len(PALETTE)]
    return PALETTE[zlib.crc32(code.encode()) % len(PALETTE)]


class MetricScale(MacroElement):
    """A metric-only scale bar (folium's control_scale also shows miles)."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        L.control.scale({imperial: false}).addTo({{ this._parent.get_name() }});
        {% endmacro %}
        """
    )


class MapHandoff(MacroElement):
    """Hands the page's ES module the map, its named layer groups (by key) and a plain-data
    config: sets `<map container>.gridgov` (read by static/js/lib/foliummap.js)."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        {{ this._parent.get_name() }}.getContainer().gridgov = {
            map: {{ this._parent.get_name() }},
            groups: { {%- for key, group in this.groups.items() %}
                {{ key|tojson }}: {{ group.get_name() }},{% endfor %}
            },
            config: {{ this.config|tojson }}
        };
        {% endmacro %}
        """
    )

    def __init__(self, groups: Mapping[str, folium.FeatureGroup], config: dict) -> None:
        super().__init__()
        self._name = "MapHandoff"
        self.groups, self.config = dict(groups), config


def lookups(features: Sequence[dict]) -> dict:
    """Return the code → name tables of the features' communities, streets and districts."""
    out: dict[str, dict] = {"communities": {}, "streets": {}, "districts": {}}
    for f in features:
        p = f["properties"]
        out["communities"][p["community_code"]] = p["community_name"]
        out["streets"][p["street_code"]] = {
            "name": p["street_name"], "color": street_colour(p["street_code"])
        }
        out["districts"][p["district_code"]] = p["district_name"]
    return out


def _slim(feature: dict) -> dict:
    """Return a grid feature with only what the map needs (names of parents are looked up)."""
    p = feature["properties"]
    props = {k: p[k] for k in SLIM_KEYS}
    props["area_m2"] = round(p["area_m2"])
    props["color"] = street_colour(p["street_code"])
    return {"type": "Feature", "properties": props, "geometry": feature["geometry"]}


def collection(features: Sequence[dict]) -> dict:
    """Return features as a GeoJSON FeatureCollection dict."""
    return {"type": "FeatureCollection", "features": list(features)}


def grid_layer(features: Sequence[dict]) -> dict:
    """Return the grid layer's data: a FeatureCollection of slim grid features (code, name,
    kind, households, population, area_m2, street colour; lon/lat WGS84) with `lookups` (the
    code → name tables of their communities, streets and districts)."""
    return {**collection([_slim(f) for f in features]), "lookups": lookups(features)}


def base_map(links: MapLinks, basemap: Basemap, **kwargs) -> folium.Map:
    """Return an empty SVG-rendered map at the city centre (WGS84; the page module recentres
    it in the basemap's datum) that loads only local assets (+ basemap tiles if set)."""
    m = folium.Map(location=CITY_CENTRE, tiles=None, prefer_canvas=False, **kwargs)
    m.add_child(MetricScale())
    m.default_js = [(name, links.static(path)) for name, path in ASSETS_JS]
    m.default_css = [(name, links.static(path)) for name, path in ASSETS_CSS]
    if basemap.url:
        folium.TileLayer(
            tiles=basemap.url, attr=basemap.attribution or "底图", name="底图", overlay=False
        ).add_to(m)
    return m


def layer_groups(m: folium.Map, names: Mapping[str, str],
                 hidden: Collection[str] = ()) -> dict[str, folium.FeatureGroup]:
    """Add one empty overlay per (key → layer control name), shown unless its key is in
    `hidden` (then off until ticked in the layer control); return them by key."""
    groups = {key: folium.FeatureGroup(name=name, show=key not in hidden)
              for key, name in names.items()}
    for group in groups.values():
        group.add_to(m)
    return groups


def hand_off(m: folium.Map, groups: Mapping[str, folium.FeatureGroup], config: dict,
             basemap: Basemap, control: bool = True) -> folium.Map:
    """Finish a map: a layer control (collapsed on narrow screens by the page's CSS) listing
    the groups, and the hand-off of map, groups and config (+ "datum") to the page module."""
    if control and groups:
        folium.LayerControl(collapsed=False).add_to(m)
    m.add_child(MapHandoff(groups, {**config, "datum": basemap.datum}))
    return m


def render_parts(m: folium.Map) -> MapParts:
    """Return the map rendered as header HTML, body HTML and script text for a template."""
    root = m.get_root()
    root.render()
    return MapParts(root.header.render(), root.html.render(), root.script.render())
