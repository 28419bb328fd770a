"""The leaders' hotspot map: folium sets it up with two empty groups (热点, 新兴热点) that
static/js/leaders/hotspots.js fills from the hotspot APIs. It never queries."""

from __future__ import annotations

import folium

from web.core.maps import Basemap, MapLinks, base_map, hand_off, layer_groups

GROUPS = {"hotspots": "热点（Gi*）", "emerging": "新兴热点"}


def hotspot_map(urls: dict[str, str], links: MapLinks = MapLinks(),
                basemap: Basemap = Basemap()) -> folium.Map:
    """Return the hotspot map: the hot spot layer shown, the emerging one off until ticked;
    `urls` holds the two APIs' URLs (hotspots, emerging) and the categories'."""
    m = base_map(links, basemap, zoom_start=12)
    groups = layer_groups(m, GROUPS, hidden=("emerging",))
    return hand_off(m, groups, {"urls": urls}, basemap)
