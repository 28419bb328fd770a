"""Map builders: plain features in, folium maps out. They never query.

Every asset is local (Leaflet vendored under static/vendor, our JS in static/js); the only
external URL a map may hold is the configured basemap tile URL. Text from data is escaped
in the browser by static/js/lib/gridmap.js before it becomes HTML (tooltips, popups).
Features come in WGS84; the builders draw them in the basemap's datum (`Basemap.datum`).
"""

from __future__ import annotations

import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import folium
import shapely
from branca.element import MacroElement
from folium.template import Template
from folium.utilities import JsCode
from markupsafe import escape
from shapely.geometry import shape

from gis import datum as datums
from grids.hierarchy import STREETS
from web.core.map_setup import JsSetup

CITY_CENTRE = (45.7711, 131.0031)  # lat, lon (Leaflet order): the municipal government
ASSETS_JS = (("leaflet", "vendor/leaflet/leaflet.js"), ("gridmap", "js/lib/gridmap.js"))
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


def shown(features: Sequence[dict], basemap: Basemap) -> list[dict]:
    """Return WGS84 features as drawn over the basemap (moved into its datum)."""
    return datums.features_in(features, basemap.datum)


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
    """Return a grid feature with only what the page needs (names of parents are looked up)."""
    p = feature["properties"]
    props = {k: p[k] for k in SLIM_KEYS}
    props["area_m2"] = round(p["area_m2"])
    props["color"] = street_colour(p["street_code"])
    return {"type": "Feature", "properties": props, "geometry": feature["geometry"]}


def _collection(features: Sequence[dict]) -> dict:
    return {"type": "FeatureCollection", "features": list(features)}


def bounds(features: Sequence[dict]) -> list[list[float]]:
    """Return [[south, west], [north, east]] (lat, lon) around the features' geometries."""
    x0, y0, x1, y1 = shapely.total_bounds([shape(f["geometry"]) for f in features])
    return [[float(y0), float(x0)], [float(y1), float(x1)]]


def base_map(links: MapLinks, basemap: Basemap, **kwargs) -> folium.Map:
    """Return an empty SVG-rendered map that loads only local assets (+ basemap if set)."""
    lon, lat = datums.point_in(CITY_CENTRE[1], CITY_CENTRE[0], basemap.datum)
    m = folium.Map(location=(lat, lon), tiles=None, prefer_canvas=False, **kwargs)
    m.add_child(MetricScale())
    m.default_js = [(name, links.static(path)) for name, path in ASSETS_JS]
    m.default_css = [(name, links.static(path)) for name, path in ASSETS_CSS]
    if basemap.url:
        folium.TileLayer(
            tiles=basemap.url, attr=basemap.attribution or "底图", name="底图", overlay=False
        ).add_to(m)
    return m


def add_grids(m: folium.Map, features: Sequence[dict], links: MapLinks,
              focus: str | None = None) -> folium.GeoJson:
    """Add the grid layer (paths of class 'grid-cell', coloured by street) with its lookups."""
    layer = folium.GeoJson(
        _collection([_slim(f) for f in features]), name="网格",
        style=JsCode("GridMap.gridStyle"), on_each_feature=JsCode("GridMap.bindGrid"),
        class_name="grid-cell",
    )
    layer.add_to(m)
    config = {**lookups(features), "gridUrl": links.grid_url, "focus": focus}
    m.add_child(JsSetup("GridMap", layer, config))
    return layer


def add_districts(m: folium.Map, features: Sequence[dict]) -> None:
    """Add the district outlines as a non-interactive overlay named 区县边界."""
    if features:
        folium.GeoJson(
            _collection(features), name="区县边界",
            style=JsCode("GridMap.districtStyle"), interactive=False,
        ).add_to(m)


def add_rivers(m: folium.Map, features: Sequence[dict]) -> None:
    """Add the river lines as one overlay named after them (e.g. 万宝河)."""
    if features:
        names = "、".join(dict.fromkeys(f["properties"]["name"] for f in features))
        folium.GeoJson(
            _collection(features), name=str(escape(names)),
            style=JsCode("GridMap.riverStyle"), on_each_feature=JsCode("GridMap.bindRiver"),
        ).add_to(m)


def render_parts(m: folium.Map) -> MapParts:
    """Return the map rendered as header HTML, body HTML and script text for a template."""
    root = m.get_root()
    root.render()
    return MapParts(root.header.render(), root.html.render(), root.script.render())
