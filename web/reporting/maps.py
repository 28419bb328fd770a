"""The leaders' hotspot map: folium sets it up with empty groups (热点, 新兴热点, 热力图,
分级设色) that static/js/leaders/*.js fill from the APIs. It never queries."""

from __future__ import annotations

import folium

from web.core.maps import Basemap, MapLinks, base_map, hand_off, layer_groups

GROUPS = {"hotspots": "热点（Gi*）", "emerging": "新兴热点", "heat": "热力图",
          "choropleth": "分级设色"}


def hotspot_map(urls: dict[str, str], links: MapLinks = MapLinks(),
                basemap: Basemap = Basemap()) -> folium.Map:
    """Return the hotspot map: the hot spot and heat layers shown, the emerging hot spots and
    the choropleth off until ticked; `urls` holds the APIs' URLs (hotspots, emerging, heat,
    choropleth, sidebar, categories) and the demand page's (with __code__)."""
    m = base_map(links, basemap, zoom_start=12)
    groups = layer_groups(m, GROUPS, hidden=("emerging", "choropleth"))
    return hand_off(m, groups, {"urls": urls}, basemap)
