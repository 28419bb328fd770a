"""The dispatcher's map builder: district outlines and rivers, handed to
static/js/dispatch/dispatch.js.

Plain features in, a folium map out; it never queries. Demands, grids and candidates are
drawn by dispatch.js from the JSON API (WGS84), escaping every text from data, moved into the
basemap's datum (config "datum") by static/js/lib/datum.js.
"""

from __future__ import annotations

from collections.abc import Sequence

import folium
from branca.element import MacroElement
from folium.template import Template

from web.core import maps

ASSETS_JS = (("datum", "js/lib/datum.js"), ("dispatch", "js/dispatch/dispatch.js"))
ASSETS_CSS = (("dispatch_css", "css/dispatch.css"),)
NO_LINKS, NO_BASEMAP = maps.MapLinks(), maps.Basemap()


class DispatchSetup(MacroElement):
    """Hands the map and the page's URLs to Dispatch.setup (static/js/dispatch/dispatch.js)."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        Dispatch.setup({{ this._parent.get_name() }}, {{ this.config|tojson }});
        {% endmacro %}
        """
    )

    def __init__(self, config: dict) -> None:
        super().__init__()
        self._name = "DispatchSetup"
        self.config = config


def dispatch_map(districts: Sequence[dict], rivers: Sequence[dict], config: dict,
                 links: maps.MapLinks = NO_LINKS,
                 basemap: maps.Basemap = NO_BASEMAP) -> folium.Map:
    """Return the dispatch map: district outlines, rivers, and the Dispatch setup call (its
    config gains "datum", the basemap's)."""
    m = maps.base_map(links, basemap, zoom_start=12)
    m.default_js = [*m.default_js, *((n, links.static(p)) for n, p in ASSETS_JS)]
    m.default_css = [*m.default_css, *((n, links.static(p)) for n, p in ASSETS_CSS)]
    maps.add_districts(m, maps.shown(districts, basemap))
    maps.add_rivers(m, maps.shown(rivers, basemap))
    m.add_child(DispatchSetup({**config, "datum": basemap.datum}))
    return m
