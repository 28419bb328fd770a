"""Chinese map datums: GCJ-02 (Amap, Tencent, WeChat) and BD-09 (Baidu) to and from WGS84.

All functions take and return (lon, lat) in degrees and accept scalars or numpy arrays.
Outside China the offset is not applied (GCJ-02 equals WGS84 there).
"""

from __future__ import annotations

from typing import Literal

import numpy as np

Crs = Literal["wgs84", "gcj02", "bd09"]
CRS_NAMES: tuple[str, ...] = ("wgs84", "gcj02", "bd09")

_A = 6378245.0
_EE = 0.00669342162296594323
_X_PI = np.pi * 3000.0 / 180.0


def _in_china(lon, lat):
    return (lon > 72.004) & (lon < 137.8347) & (lat > 0.8293) & (lat < 55.8271)


def _transform_lat(x, y):
    ret = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * np.sqrt(np.abs(x))
    ret += (20.0 * np.sin(6.0 * x * np.pi) + 20.0 * np.sin(2.0 * x * np.pi)) * 2.0 / 3.0
    ret += (20.0 * np.sin(y * np.pi) + 40.0 * np.sin(y / 3.0 * np.pi)) * 2.0 / 3.0
    ret += (160.0 * np.sin(y / 12.0 * np.pi) + 320 * np.sin(y * np.pi / 30.0)) * 2.0 / 3.0
    return ret


def _transform_lon(x, y):
    ret = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * np.sqrt(np.abs(x))
    ret += (20.0 * np.sin(6.0 * x * np.pi) + 20.0 * np.sin(2.0 * x * np.pi)) * 2.0 / 3.0
    ret += (20.0 * np.sin(x * np.pi) + 40.0 * np.sin(x / 3.0 * np.pi)) * 2.0 / 3.0
    ret += (150.0 * np.sin(x / 12.0 * np.pi) + 300.0 * np.sin(x / 30.0 * np.pi)) * 2.0 / 3.0
    return ret


def _offset(lon, lat):
    dlat = _transform_lat(lon - 105.0, lat - 35.0)
    dlon = _transform_lon(lon - 105.0, lat - 35.0)
    radlat = lat / 180.0 * np.pi
    magic = 1 - _EE * np.sin(radlat) ** 2
    sqrtmagic = np.sqrt(magic)
    dlat = (dlat * 180.0) / ((_A * (1 - _EE)) / (magic * sqrtmagic) * np.pi)
    dlon = (dlon * 180.0) / (_A / sqrtmagic * np.cos(radlat) * np.pi)
    inside = _in_china(lon, lat)
    return np.where(inside, dlon, 0.0), np.where(inside, dlat, 0.0)


def wgs84_to_gcj02(lon, lat):
    """Return GCJ-02 (lon, lat) for WGS84 (lon, lat)."""
    lon, lat = np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
    dlon, dlat = _offset(lon, lat)
    return _out(lon + dlon, lat + dlat)


def gcj02_to_wgs84(lon, lat):
    """Return WGS84 (lon, lat) for GCJ-02 (lon, lat); iterative, error well under 1 cm."""
    glon, glat = np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
    wlon, wlat = glon.copy(), glat.copy()
    for _ in range(8):
        dlon, dlat = _offset(wlon, wlat)
        wlon, wlat = glon - dlon, glat - dlat
    return _out(wlon, wlat)


def bd09_to_gcj02(lon, lat):
    """Return GCJ-02 (lon, lat) for BD-09 (lon, lat)."""
    x, y = np.asarray(lon, dtype=float) - 0.0065, np.asarray(lat, dtype=float) - 0.006
    z = np.sqrt(x * x + y * y) - 0.00002 * np.sin(y * _X_PI)
    theta = np.arctan2(y, x) - 0.000003 * np.cos(x * _X_PI)
    return _out(z * np.cos(theta), z * np.sin(theta))


def gcj02_to_bd09(lon, lat):
    """Return BD-09 (lon, lat) for GCJ-02 (lon, lat)."""
    x, y = np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
    z = np.sqrt(x * x + y * y) + 0.00002 * np.sin(y * _X_PI)
    theta = np.arctan2(y, x) + 0.000003 * np.cos(x * _X_PI)
    return _out(z * np.cos(theta) + 0.0065, z * np.sin(theta) + 0.006)


def bd09_to_wgs84(lon, lat):
    """Return WGS84 (lon, lat) for BD-09 (lon, lat)."""
    return gcj02_to_wgs84(*bd09_to_gcj02(lon, lat))


def wgs84_to_bd09(lon, lat):
    """Return BD-09 (lon, lat) for WGS84 (lon, lat)."""
    return gcj02_to_bd09(*wgs84_to_gcj02(lon, lat))


def _convert(conversions: dict, lon, lat, crs: str):
    """Apply the conversion for `crs` (none for wgs84); ValueError for an unknown crs."""
    if crs == "wgs84":
        return _out(np.asarray(lon, dtype=float), np.asarray(lat, dtype=float))
    if crs not in conversions:
        raise ValueError(f"unknown coordinate system {crs!r}; use one of {', '.join(CRS_NAMES)}")
    return conversions[crs](lon, lat)


def to_wgs84(lon, lat, crs: str = "wgs84"):
    """Return WGS84 (lon, lat) for a point reported in `crs` (wgs84, gcj02 or bd09)."""
    return _convert({"gcj02": gcj02_to_wgs84, "bd09": bd09_to_wgs84}, lon, lat, crs)


def from_wgs84(lon, lat, crs: str = "wgs84"):
    """Return (lon, lat) in `crs` (wgs84, gcj02 or bd09) for a WGS84 point; scalars or arrays."""
    return _convert({"gcj02": wgs84_to_gcj02, "bd09": wgs84_to_bd09}, lon, lat, crs)


def _out(lon, lat):
    if np.ndim(lon) == 0:
        return float(lon), float(lat)
    return lon, lat
