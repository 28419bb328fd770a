"""The dispatcher's map builder: folium sets the map up with empty district-outline and river
groups and hands static/js/dispatch/main.js the page's URLs. It never queries.

The outlines and rivers come from the map layer API; demands, grids and candidates from the
dispatch API (all WGS84), drawn in the basemap's datum (datum.js), every text escaped.
"""

from __future__ import annotations

import folium

from web.core import maps

ASSETS_CSS = (("dispatch_css", "css/dispatch.css"),)
NO_LINKS, NO_BASEMAP = maps.MapLinks(), maps.Basemap()


def dispatch_map(config: dict, links: maps.MapLinks = NO_LINKS,
                 basemap: maps.Basemap = NO_BASEMAP) -> folium.Map:
    """Return the dispatch map: groups for district outlines and rivers (filled from
    config["urls"]), handed to the page module with `config` (+ "datum", the basemap's)."""
    m = maps.base_map(links, basemap, zoom_start=12)
    m.default_css = [*m.default_css, *((n, links.static(p)) for n, p in ASSETS_CSS)]
    groups = maps.layer_groups(m, {"districts": "区县边界", "rivers": "河流"})
    return maps.hand_off(m, groups, config, basemap, control=False)
