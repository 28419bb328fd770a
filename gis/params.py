"""Reading query parameters into checked values: BadInput / BadParameter (400) name them.

Shared by the domains' query contracts; no Flask here."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from gis.checks import is_whole, parse_lonlat, parse_number
from gis.contracts import Param
from gis.errors import BadInput, BadParameter
from gis.localtime import EARLIEST, LATEST, TZ

MAX_NUMBER_CHARS = 20  # "-180.123456789012345" — longer is garbage, not precision


def bbox(raw: str | None) -> tuple[float, float, float, float] | None:
    """Return bbox=minlon,minlat,maxlon,maxlat (WGS84) as floats, or None when absent."""
    if raw is None:
        return None
    parts = raw.split(",")
    if len(parts) != 4:
        raise BadInput("bbox 应为 minlon,minlat,maxlon,maxlat 四个数", "bad_bbox")
    x0, y0 = parse_lonlat(parts[0], parts[1])
    x1, y1 = parse_lonlat(parts[2], parts[3])
    if x0 >= x1 or y0 >= y1:
        raise BadInput("bbox 的最小值必须小于最大值（min must be below max）", "bad_bbox")
    return x0, y0, x1, y1


def required_bbox(raw: str | None, name: str = "bbox") -> tuple[float, float, float, float]:
    """Return the required `name`=minlon,minlat,maxlon,maxlat (WGS84) as `bbox` reads it;
    BadParameter (400, naming it) when missing, a number is longer than MAX_NUMBER_CHARS, or
    `bbox` refuses it."""
    if raw is None or not raw.strip():
        raise BadParameter(name, f"缺少参数 {name}（minlon,minlat,maxlon,maxlat）",
                           "missing_parameter")
    if any(len(part.strip()) > MAX_NUMBER_CHARS for part in raw.split(",")):
        raise BadParameter(
            name, f"参数 {name} 的数值位数过多（每个最多 {MAX_NUMBER_CHARS} 个字符）", "too_long")
    try:
        return bbox(raw)
    except BadInput as err:
        raise BadParameter(name, f"参数 {name}：{err}", err.code) from None


def count_limit(raw: str | None, default: int, high: int, name: str = "limit",
                low: int = 1) -> int:
    """Return `name` as an integer in low..high (`default` when absent); BadParameter (400,
    naming it) otherwise."""
    if raw is None:
        return default
    if not is_whole(raw) or not low <= int(raw) <= high:
        raise BadParameter(name, f"参数 {name} 应为 {low}–{high} 的整数", "out_of_range")
    return int(raw)


def simplify_metres(raw: str | None) -> float:
    """Return simplify=<metres> (0 when absent), between 0 and 1000."""
    if raw is None:
        return 0.0
    value = parse_number("simplify", raw)
    if not 0 <= value <= 1000:
        raise BadInput("simplify 应在 0 到 1000 米之间", "out_of_range")
    return value


def one_of(raw: str | None, name: str, choices) -> str | None:
    """Return parameter `name` when it is one of `choices` (None when absent)."""
    if raw is not None and raw not in choices:
        raise BadInput(f"参数 {name} 应为：{', '.join(choices)}", f"bad_{name}")
    return raw


def moment(raw: str | None, name: str) -> datetime | None:
    """Return parameter `name` as an ISO date or time (Asia/Shanghai when it has no offset)."""
    if raw is None:
        return None
    try:
        value = datetime.fromisoformat(raw.strip())
    except ValueError:
        raise BadInput(f"参数 {name} 应为 ISO 日期或时间，如 2026-11-01 或 "
                       f"2026-11-01T00:00:00+08:00（bad {name}）", "bad_date") from None
    if not EARLIEST <= value.date() <= LATEST:
        raise BadInput(f"参数 {name} 应在 {EARLIEST} 到 {LATEST} 之间（{name} out of range）",
                       "bad_date")
    return value if value.tzinfo else value.replace(tzinfo=TZ)


BBOX_SCHEMA = {"type": "array", "minItems": 4, "maxItems": 4, "style": "form", "explode": False,
               "items": {"type": "number", "minimum": -180, "maximum": 180},
               "description": "minlon,minlat,maxlon,maxlat (WGS84; lat within ±90, min below "
                              "max, each number ≤ 20 characters)"}


def Limit(name: str, default: int, high: int, description: str = "") -> Any:  # noqa: N802
    """Return the type of a whole-number parameter in 1..high (`default` when absent)."""
    schema = {"type": "integer", "minimum": 1, "maximum": high,
              "description": description or f"{name} (default {default})"}
    return Param(schema, lambda raw: count_limit(raw, default, high, name))


def Bbox(required: bool = False) -> Any:  # noqa: N802
    """Return the type of a bbox=minlon,minlat,maxlon,maxlat parameter."""
    return Param(BBOX_SCHEMA, required_bbox if required else bbox)


def OneOf(name: str, choices: Iterable[str], description: str = "",  # noqa: N802
          blank_is_absent: bool = False) -> Any:
    """Return the type of a parameter that takes one of `choices` (None when absent, or
    empty with `blank_is_absent`)."""
    allowed = tuple(choices)
    schema = {"type": "string", "enum": list(allowed), "description": description or name}
    return Param(schema, lambda raw: one_of((raw or None) if blank_is_absent else raw, name,
                                            allowed))


def Moment(name: str, description: str) -> Any:  # noqa: N802
    """Return the type of an ISO date or time parameter (Asia/Shanghai without an offset)."""
    return Param({"type": "string", "format": "date-time", "description": description},
                 lambda raw: moment(raw, name))
