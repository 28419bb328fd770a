"""What a map draws over its basemap tiles, moved into the tiles' datum — for display only.

Storage and every API stay WGS84 (EPSG:4326, lon/lat). When the tiles are GCJ-02 (Amap,
Tencent) the overlays are shifted with gis.coords so they line up with the tiles: here for data
a page embeds, in the browser by static/js/lib/datum.js (the same formulas) for data it fetches.
A point picked on such a map is sent back with crs=gcj02 and converted by the server.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import numpy as np

from gis import coords
from gis.settings import check_tile_crs

WGS84 = "wgs84"
DECIMALS = 6  # ≈ 0.1 m at Qitaihe, as grids.mapdata


def overlay_datum(tile_url: str | None, tile_crs: str | None) -> str:
    """Return the datum map overlays are drawn in: the tiles' ('wgs84' or 'gcj02') when a tile
    URL is configured, else 'wgs84' (no basemap, nothing to line up with)."""
    crs = check_tile_crs(tile_crs)
    return crs if (tile_url or "").strip() else WGS84


def _move(xy: np.ndarray, datum: str, decimals: int) -> np.ndarray:
    """Return an (n, 2) array of WGS84 lon/lat moved into `datum` and rounded."""
    x, y = coords.from_wgs84(xy[:, 0], xy[:, 1], datum)
    return np.round(np.column_stack([x, y]), decimals)


def points_in(lons: Sequence[float], lats: Sequence[float], datum: str,
              decimals: int = DECIMALS) -> tuple[list[float], list[float]]:
    """Return WGS84 lon and lat lists moved into `datum` (vectorised, rounded); as given for
    wgs84."""
    if datum == WGS84:
        return list(lons), list(lats)
    moved = _move(np.column_stack([np.asarray(lons, float), np.asarray(lats, float)]),
                  datum, decimals)
    return moved[:, 0].tolist(), moved[:, 1].tolist()


def point_in(lon: float, lat: float, datum: str) -> tuple[float, float]:
    """Return one WGS84 (lon, lat) moved into `datum`."""
    (x,), (y,) = points_in([lon], [lat], datum)
    return x, y


def _positions(nested: Sequence, out: list) -> None:
    """Append every position (lon, lat) of nested GeoJSON coordinates to `out`, in order."""
    if nested and isinstance(nested[0], (int, float)):
        out.append(nested[:2])
        return
    for c in nested:
        _positions(c, out)


def _rebuilt(nested: Sequence, moved: Iterator[list[float]]) -> list:
    """Return nested coordinates shaped like `nested`, positions taken from `moved` in order."""
    if nested and isinstance(nested[0], (int, float)):
        return next(moved) + list(nested[2:])
    return [_rebuilt(c, moved) for c in nested]


def features_in(features: Sequence[dict], datum: str, decimals: int = DECIMALS) -> list[dict]:
    """Return GeoJSON Feature dicts (WGS84 lon/lat; geometries with coordinates, or null) moved
    into `datum`, all positions in one vectorised pass, rounded; as given for wgs84."""
    if datum == WGS84 or not features:
        return list(features)
    found: list = []
    for f in features:
        if f["geometry"]:
            _positions(f["geometry"]["coordinates"], found)
    moved = iter(_move(np.asarray(found, float).reshape(-1, 2), datum, decimals).tolist())
    return [{**f, "geometry": f["geometry"] and {
        **f["geometry"], "coordinates": _rebuilt(f["geometry"]["coordinates"], moved)}}
        for f in features]
