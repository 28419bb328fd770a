"""Simplifying grids as a coverage, so that neighbours stay gap-free and overlap-free."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import shapely

from gis.project import round_coords, to_metric, to_storage


def simplify_coverage(geoms: Sequence, metres: float, decimals: int = 6) -> np.ndarray:
    """Return EPSG:4326 geometries simplified together by `metres` (EPSG:4553), rounded."""
    arr = np.asarray(geoms, dtype=object)
    if len(arr) == 0:
        return arr
    if metres > 0:
        arr = to_storage(shapely.coverage_simplify(to_metric(arr), metres))
    return round_coords(arr, decimals)
