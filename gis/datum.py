"""The datum map overlays are drawn in, chosen once from the settings.

Storage and every API stay WGS84 (EPSG:4326, lon/lat). When the basemap tiles are GCJ-02
(Amap, Tencent) the browser shifts what it draws (static/js/lib/datum.js, the same formulas as
gis.coords) so it lines up with the tiles; a point picked on such a map is sent back with
crs=gcj02 and converted by the server (gis.coords).
"""

from __future__ import annotations

from gis.settings import check_tile_crs

WGS84 = "wgs84"


def overlay_datum(tile_url: str | None, tile_crs: str | None) -> str:
    """Return the datum map overlays are drawn in: the tiles' ('wgs84' or 'gcj02') when a tile
    URL is configured, else 'wgs84' (no basemap, nothing to line up with)."""
    crs = check_tile_crs(tile_crs)
    return crs if (tile_url or "").strip() else WGS84
