"""Map builder for the staff member map (网格力量): folium sets the map up (one canvas for
grids and members, an empty 网格 group) and hands static/js/members/membermap.js the URLs of
the grid layer and of the members' layer data (GET /api/v1/members/map: coverage gaps and, up
to the embed threshold, every on-duty member in scope; above it the module loads the
viewport's members from /api/v1/members/on-duty). Never queries; all data WGS84."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import folium
from flask import current_app

from layers.members.store import KINDS
from web.core import maps

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
# Up to this many on-duty members in scope the members' layer data holds them all; above, the
# page loads the viewport's (app config MEMBER_MAP_EMBED_MAX overrides; the page's limit per
# fetch: MEMBER_MAP_FETCH_LIMIT).
EMBED_MAX = 5000
_LINKS, _BASEMAP = maps.MapLinks(), maps.Basemap()


@dataclass(frozen=True)
class MemberLayers:
    """Where the member map's data comes from: the grid layer, the members' layer data and
    (when members are fetched by viewport, `fetch_limit` at a time) the on-duty API."""

    grids_url: str
    data_url: str
    fetch_url: str = ""
    fetch_limit: int = 0


def kind_legend() -> list[dict]:
    """Return the member kinds in display order: kind, Chinese label, colour, radius."""
    return [{"kind": k, "label": KINDS[k], "color": c, "radius": r}
            for k, (c, r) in KIND_STYLE.items()]


def embeds(counts: Mapping[str, dict]) -> bool:
    """Return True when the on-duty members of `counts` (per kind, as from
    layers.members.map_data.on_duty_counts) are few enough to send all at once."""
    limit = current_app.config.get("MEMBER_MAP_EMBED_MAX", EMBED_MAX)
    return sum(c["on_duty"] for c in counts.values()) <= limit


def points(members: Sequence[dict]) -> list[list]:
    """Return members as compact rows [lon, lat, kind index, stale 0/1, id, age_min, name],
    lon/lat WGS84."""
    index = {k: i for i, k in enumerate(KIND_STYLE)}
    return [[m["lon"], m["lat"], index[m["kind"]], int(m["stale"]), m["id"], m["age_min"],
             m.get("name", "")] for m in members]


def member_map(layers: MemberLayers, links: maps.MapLinks = _LINKS,
               basemap: maps.Basemap = _BASEMAP) -> folium.Map:
    """Return the member map: grids and members on one canvas, handed to membermap.js with
    the kinds, the data URLs and whether members are fetched by viewport."""
    m = maps.base_map(links, basemap, zoom_start=12, height="70vh")
    m.options["prefer_canvas"] = True  # thousands of markers: one canvas, not SVG nodes
    groups = maps.layer_groups(m, {"grids": "网格"})
    config = {"kinds": kind_legend(), "gridUrl": links.grid_url, "focus": None,
              "urls": {"grids": layers.grids_url, "data": layers.data_url,
                       "onDuty": layers.fetch_url},
              "fetchUrl": layers.fetch_url, "fetchLimit": layers.fetch_limit}
    return maps.hand_off(m, groups, config, basemap, control=False)
