"""Handing a folium layer and its plain-data config to one of our map scripts."""

from __future__ import annotations

import folium
from branca.element import MacroElement
from folium.template import Template


class JsSetup(MacroElement):
    """Calls `<script_object>.setup(map, layer, config)` of one of our scripts in static/js
    (GridMap, MemberMap, StationMap): hands it its layer and plain-data config."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        {{ this.script_object }}.setup({{ this._parent.get_name() }},
            {{ this.layer.get_name() }}, {{ this.config|tojson }});
        {% endmacro %}
        """
    )

    def __init__(self, script_object: str, layer: folium.Layer, config: dict) -> None:
        super().__init__()
        self._name = f"{script_object}Setup"
        self.script_object, self.layer, self.config = script_object, layer, config
