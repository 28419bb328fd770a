"""Map builder for the staff member map (网格力量): plain data in, a folium map out; never
queries. Reuses web.core.maps for the base map, local assets and the grid layer; members are
drawn by static/js/members/membermap.js as circle markers on the map's one canvas renderer.
Grids and member positions are embedded in the basemap's datum (moved here, vectorised);
above the page's threshold no member is embedded and membermap.js fetches the viewport's from
the API (WGS84), moving them into config "datum" with static/js/lib/datum.js."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import folium

from gis import datum as datums
from layers.members.store import KINDS
from web.core import maps
from web.core.map_setup import JsSetup

# Kind → (colour, radius px): leaders and workers warm, professionals blue, riders orange,
# part-time green, volunteers pink; stale positions are greyed by membermap.js.
KIND_STYLE: dict[str, tuple[str, int]] = {
    "grid_leader": ("#b2182b", 7),
    "grid_worker": ("#f46d43", 6),
    "professional": ("#2166ac", 6),
    "rider": ("#ff7f00", 5),
    "part_time": ("#1a9850", 4),
    "volunteer": ("#c51b7d", 4),
}
MEMBER_JS = (("datum", "js/lib/datum.js"), ("membermap", "js/members/membermap.js"))
_LINKS, _BASEMAP = maps.MapLinks(), maps.Basemap()


@dataclass(frozen=True)
class MemberLayers:
    """Plain data for the member map: grid features (lon/lat), on-duty member rows (as from
    layers.member_map.on_duty), uncovered grid codes per department, grids without a rider;
    `fetch_url` (with `fetch_limit`) instead of rows: the page loads them by viewport."""

    grids: Sequence[dict]
    members: Sequence[dict] = ()
    coverage: dict[str, list[str]] = field(default_factory=dict)
    no_rider: Sequence[str] = ()
    fetch_url: str = ""
    fetch_limit: int = 0


def kind_legend() -> list[dict]:
    """Return the member kinds in display order: kind, Chinese label, colour, radius."""
    return [{"kind": k, "label": KINDS[k], "color": c, "radius": r}
            for k, (c, r) in KIND_STYLE.items()]


def points(members: Sequence[dict], datum: str = "wgs84") -> list[list]:
    """Return members as compact rows [lon, lat, kind index, stale 0/1, id, age_min, name],
    lon/lat in `datum` (the basemap's)."""
    index = {k: i for i, k in enumerate(KIND_STYLE)}
    lons, lats = datums.points_in([m["lon"] for m in members], [m["lat"] for m in members],
                                  datum)
    return [[x, y, index[m["kind"]], int(m["stale"]), m["id"], m["age_min"], m.get("name", "")]
            for m, x, y in zip(members, lons, lats, strict=True)]


def member_map(layers: MemberLayers, links: maps.MapLinks = _LINKS,
               basemap: maps.Basemap = _BASEMAP) -> folium.Map:
    """Return the member map: grids (canvas), members per kind (embedded, or fetched by
    viewport when `layers.fetch_url`), coverage gaps for the department select and rider
    toggle."""
    m = maps.base_map(links, basemap, zoom_start=12, height="70vh")
    m.options["prefer_canvas"] = True  # thousands of markers: one canvas, not SVG nodes
    m.default_js = [*m.default_js, *((n, links.static(p)) for n, p in MEMBER_JS)]
    grids = maps.shown(layers.grids, basemap)
    grid_layer = maps.add_grids(m, grids, links)
    config = {"kinds": kind_legend(), "points": points(layers.members, basemap.datum),
              "coverage": dict(layers.coverage), "noRider": list(layers.no_rider),
              "datum": basemap.datum, "fetchUrl": layers.fetch_url,
              "fetchLimit": layers.fetch_limit}
    m.add_child(JsSetup("MemberMap", grid_layer, config))
    if grids:
        m.fit_bounds(maps.bounds(grids))
    return m
