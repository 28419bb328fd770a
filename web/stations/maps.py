"""The 红色驿站 layer of the maps: its name in the layer control and the kinds' styles. The
stations themselves come from GET /api/v1/stations (GeoJSON, WGS84) and are drawn by
static/js/stations/stationlayer.js as circle markers in a pane above the grids, popups escaped
— on the city map and, for the other stations, on the station form's location picker."""

from __future__ import annotations

from flask import url_for

from layers.stations.store import KINDS, MAX_PER_PAGE

LAYER_NAME = "红色驿站"
# Kind → (fill colour, radius px): red stations red, the 暖蜂驿站 pilot sites amber and larger.
KIND_STYLE: dict[str, tuple[str, int]] = {"red_station": ("#d7191c", 5),
                                          "warm_bee": ("#f59f00", 8)}


def kind_legend() -> list[dict]:
    """Return the station kinds in display order: kind, Chinese label, colour, radius."""
    return [{"kind": k, "label": KINDS[k], "color": c, "radius": r}
            for k, (c, r) in KIND_STYLE.items()]


def layer_url() -> str:
    """Return the URL of the active stations' layer data (the public list, largest pages)."""
    return url_for("api.stations.station_list", per_page=MAX_PER_PAGE)
