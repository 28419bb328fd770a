"""Moving shapely geometries between storage (EPSG:4326) and metric (EPSG:4553) coordinates."""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import shapely
from pyproj import Transformer

from gis.srid import METRIC, STORAGE


@lru_cache(maxsize=16)
def transformer(src: int | str, dst: int | str) -> Transformer:
    """Return a cached always-xy transformer from `src` to `dst` (EPSG codes or CRS strings)."""
    return Transformer.from_crs(src, dst, always_xy=True)


def reproject(geoms, src: int | str, dst: int | str):
    """Return geometries (one or an array) moved from CRS `src` to CRS `dst`, x/y order."""
    t = transformer(src, dst)
    return shapely.transform(geoms, lambda xy: np.column_stack(t.transform(xy[:, 0], xy[:, 1])))


def to_metric(geoms):
    """Return EPSG:4326 geometries in EPSG:4553 metres."""
    return reproject(geoms, STORAGE, METRIC)


def to_storage(geoms):
    """Return EPSG:4553 geometries in EPSG:4326 (lon, lat)."""
    return reproject(geoms, METRIC, STORAGE)


def round_coords(geoms, decimals: int = 6):
    """Return geometries with coordinates rounded to `decimals` (6 ≈ 0.1 m at Qitaihe)."""
    return shapely.transform(geoms, lambda xy: np.round(xy, decimals))
