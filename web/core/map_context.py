"""What every map page hands its builder from the request: app URLs and the basemap."""

from __future__ import annotations

from flask import current_app, url_for

from web.core import maps

CODE_SLOT = "__code__"


def map_links() -> maps.MapLinks:
    """Return the app's URLs for map builders (static files, grid detail with a code slot)."""
    return maps.MapLinks(
        static=lambda path: url_for("static", filename=path),
        grid_url=url_for("pages.grid_page", code=CODE_SLOT),
    )


def basemap() -> maps.Basemap:
    """Return the configured basemap (empty URL: no tile layer at all) with its datum
    (TILE_CRS); `.datum` is what every map page draws its overlays in."""
    return maps.Basemap(
        url=current_app.config.get("TILE_URL") or "",
        attribution=current_app.config.get("TILE_ATTRIBUTION") or "",
        crs=current_app.config.get("TILE_CRS") or "wgs84",
    )
