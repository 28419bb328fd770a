"""Checking coordinates that come from callers before anything uses them."""

from __future__ import annotations

import math
import re

from gis.coords import CRS_NAMES
from gis.errors import BadInput
from gis.srid import LAT_RANGE, LON_RANGE

_WHOLE = re.compile(r"[0-9]{1,18}")
# What user text may not hold: control characters other than tab, newline and carriage return
# (NUL included), and the bidirectional embeddings, overrides and isolates that make text read
# otherwise than it is written (Trojan Source). One pattern for Python's re and Arrow's RE2
# (pandas), so the characters stand as themselves: RE2 reads no \u escapes.
UNSAFE_RANGES = ((0x00, 0x08), (0x0B, 0x0C), (0x0E, 0x1F), (0x7F, 0x9F), (0x202A, 0x202E),
                 (0x2066, 0x2069))
UNSAFE_TEXT = "[" + "".join(f"{chr(low)}-{chr(high)}" for low, high in UNSAFE_RANGES) + "]"
_UNSAFE = re.compile(UNSAFE_TEXT)


def unsafe_text(value: str) -> str | None:
    """Return why `value` may not be stored as user text (naming its first control or
    direction-override character), or None when it may."""
    found = _UNSAFE.search(value)
    if found is None:
        return None
    char = ord(found.group())
    what = "空字符（NUL）" if char == 0 else f"控制字符 U+{char:04X}（control character）"
    return f"不能含有{what}"


def is_whole(raw: object) -> bool:
    """Return True when `raw` is 1–18 ASCII digits: str.isdigit also takes '²' and '٣', which
    int() refuses or reads as another number."""
    return isinstance(raw, str) and _WHOLE.fullmatch(raw) is not None

def parse_number(name: str, raw: object) -> float:
    """Return `raw` as a finite float, or raise BadInput naming the parameter."""
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        raise BadInput(f"缺少参数 {name}（missing parameter {name}）", "missing_parameter")
    if isinstance(raw, bool):
        raise BadInput(f"参数 {name} 不是数字（{name} is not a number）", "not_a_number")
    try:
        value = float(raw)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise BadInput(
            f"参数 {name} 不是数字：{str(raw)[:40]!r}（{name} is not a number）", "not_a_number"
        ) from None
    if not math.isfinite(value):
        raise BadInput(f"参数 {name} 必须是有限数（{name} must be finite）", "not_finite")
    return value


def parse_lonlat(lon_raw: object, lat_raw: object) -> tuple[float, float]:
    """Return (lon, lat) as floats in range, or raise BadInput saying what is wrong."""
    lon, lat = parse_number("lon", lon_raw), parse_number("lat", lat_raw)
    check_range(lon, lat)
    return lon, lat


def coordinate_at_fault(lon_raw: object, lat_raw: object, crs_raw: object) -> str:
    """Return which input of a refused point is wrong: 'lon', 'lat' or 'crs' (the first that
    does not read; 'lon' when each reads alone, e.g. a point outside the city)."""
    for name, read in (("lon", lambda: parse_number("lon", lon_raw)),
                       ("lat", lambda: parse_number("lat", lat_raw)),
                       ("crs", lambda: parse_crs(crs_raw))):
        try:
            read()
        except BadInput:
            return name
    lat = parse_number("lat", lat_raw)
    return "lat" if not LAT_RANGE[0] <= lat <= LAT_RANGE[1] else "lon"


def in_range(lon: float, lat: float) -> bool:
    """Return True when lon is in [-180, 180] and lat in [-90, 90]."""
    return LON_RANGE[0] <= lon <= LON_RANGE[1] and LAT_RANGE[0] <= lat <= LAT_RANGE[1]


def check_range(lon: float, lat: float) -> None:
    """Raise BadInput when lon or lat is outside the range of real coordinates."""
    if not LON_RANGE[0] <= lon <= LON_RANGE[1]:
        raise BadInput(f"经度 lon={lon} 超出范围 [-180, 180]", "out_of_range")
    if not LAT_RANGE[0] <= lat <= LAT_RANGE[1]:
        raise BadInput(f"纬度 lat={lat} 超出范围 [-90, 90]", "out_of_range")


def parse_crs(raw: object) -> str:
    """Return the coordinate system name (default wgs84), or raise BadInput."""
    if raw is None or raw == "":
        return "wgs84"
    crs = str(raw).strip().lower()
    if crs not in CRS_NAMES:
        raise BadInput(
            f"不支持的坐标系 {str(raw)[:20]!r}，可用：{', '.join(CRS_NAMES)}", "bad_crs"
        )
    return crs
