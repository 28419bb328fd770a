"""Reading query parameters into checked values (errors become 400 JSON answers)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from gis.checks import is_whole, parse_lonlat, parse_number
from gis.errors import BadInput, BadParameter
from grids.hierarchy import level_of
from grids.queries import GridFilter
from layers.demands.fields import SOURCES
from layers.demands.queries import DemandFilter
from layers.workcal import TZ

STATES = ("received", "dispatched", "signed", "resolved", "verified", "closed", "merged")

_LEVEL_PARAMS = ("grid", "community", "street", "district")
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


def grid_filter(args: Mapping[str, str]) -> GridFilter:
    """Return the grid filter from district/street/community and bbox parameters."""
    return GridFilter(within=hierarchy_prefix(args), bbox=bbox(args.get("bbox")))


def hierarchy_prefix(args: Mapping[str, str]) -> str | None:
    """Return the most specific of grid/community/street/district codes given (they must nest)."""
    within = None
    for name in _LEVEL_PARAMS:
        value = args.get(name)
        if value is None:
            continue
        if level_of(value) != name:
            raise BadInput(f"参数 {name} 不是有效的{name}代码：{value[:20]!r}", "bad_code")
        if within is None or len(value) > len(within):
            if within is not None and not value.startswith(within):
                raise BadInput("区划参数互相矛盾（codes do not nest）", "bad_code")
            within = value
        elif not within.startswith(value):
            raise BadInput("区划参数互相矛盾（codes do not nest）", "bad_code")
    return within


def simplify_metres(raw: str | None) -> float:
    """Return simplify=<metres> (0 when absent), between 0 and 1000."""
    if raw is None:
        return 0.0
    value = parse_number("simplify", raw)
    if not 0 <= value <= 1000:
        raise BadInput("simplify 应在 0 到 1000 米之间", "out_of_range")
    return value


def _choice(args: Mapping[str, str], name: str, choices) -> str | None:
    value = args.get(name)
    if value is not None and value not in choices:
        raise BadInput(f"参数 {name} 应为：{', '.join(choices)}", f"bad_{name}")
    return value


def _moment(args: Mapping[str, str], name: str) -> datetime | None:
    raw = args.get(name)
    if raw is None:
        return None
    try:
        value = datetime.fromisoformat(raw)
    except ValueError:
        raise BadInput(f"参数 {name} 应为 ISO 日期或时间，如 2026-11-01", "bad_date") from None
    return value if value.tzinfo else value.replace(tzinfo=TZ)


def demand_filter(args: Mapping[str, str]) -> DemandFilter:
    """Return the demand filter from query parameters (dates read in Asia/Shanghai)."""
    category = args.get("category")
    if category is not None and not (is_whole(category) and len(category) <= 10):
        raise BadInput("参数 category 应为分类代码", "bad_category")
    overdue = _choice(args, "overdue", ("true", "false"))
    return DemandFilter(
        state=_choice(args, "state", STATES), within=hierarchy_prefix(args), category=category,
        source=_choice(args, "source", tuple(SOURCES)), bbox=bbox(args.get("bbox")),
        since=_moment(args, "from"), until=_moment(args, "to"),
        overdue=None if overdue is None else overdue == "true",
        page=count_limit(args.get("page"), 1, 100_000, "page"),
        per_page=count_limit(args.get("per_page"), 100, 500, "per_page"),
    )
