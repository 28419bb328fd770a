"""Checking a new demand's fields before anything is written."""

from __future__ import annotations

import re
from dataclasses import dataclass

from gis.checks import parse_crs, parse_number, unsafe_text
from gis.errors import BadInput, Invalid
from grids.hierarchy import level_of

SOURCES: dict[str, str] = {
    "online_group": "线上网格群",
    "grid_visit": "网格员走访",
    "rider_snapshot": "骑手随手拍",
    "hotline": "热线",
    "resident_meeting": "居民议事会",
    "supervision_line": "监督直通车",
    "other": "其他",
}
PHONE_PATTERN = r"^\+?[0-9][0-9 \-]{4,19}$"  # the OpenAPI document states it too
_PHONE = re.compile(PHONE_PATTERN)
_LIMITS = {"title": 200, "description": 5000, "address": 300, "reporter_name": 50}


@dataclass(frozen=True)
class DemandInput:
    """A checked new demand; location either (lon, lat, crs) or a grid code."""

    title: str
    description: str
    category_code: str
    source: str
    lon: float | None
    lat: float | None
    crs: str
    grid_code: str | None
    address: str
    reporter_name: str | None
    reporter_phone: str | None


def _text(body: dict, name: str, errors: dict, required: bool = False) -> str:
    value = body.get(name)
    if value is None or value == "":
        if required:
            errors[name] = "必填（required）"
        return ""
    if not isinstance(value, str):
        errors[name] = "应为文本（must be a string）"
        return ""
    value = value.strip()
    if required and not value:
        errors[name] = "必填（required）"
    if problem := unsafe_text(value):
        errors[name] = problem
    if len(value) > _LIMITS.get(name, 100):
        errors[name] = f"最多 {_LIMITS.get(name, 100)} 个字符"
    return value


def _location(body: dict, errors: dict) -> tuple[float | None, float | None, str, str | None]:
    grid = body.get("grid_code") or None
    if body.get("lon") in (None, "") and body.get("lat") in (None, ""):
        if grid is None:
            errors["location"] = "需要 lon/lat 或 grid_code（location required）"
        elif level_of(str(grid)) != "grid":
            errors["grid_code"] = "网格代码应为 15 位数字"
        return None, None, "grid", str(grid) if grid else None
    try:
        lon, lat = parse_number("lon", body.get("lon")), parse_number("lat", body.get("lat"))
        return lon, lat, parse_crs(body.get("crs")), None
    except BadInput as err:
        errors["location"] = str(err)
        return None, None, "wgs84", None


def check_new_demand(body: object) -> DemandInput:
    """Return the checked demand fields from a JSON/form body; Invalid lists every bad field."""
    if not isinstance(body, dict):
        raise Invalid({"body": "应为 JSON 对象（expected an object）"})
    errors: dict[str, str] = {}
    title = _text(body, "title", errors, required=True)
    category = _text(body, "category", errors, required=True)
    source = body.get("source") or "other"
    if not isinstance(source, str) or source not in SOURCES:
        errors["source"] = f"来源应为：{', '.join(SOURCES)}"
    phone = _text(body, "reporter_phone", errors) or None
    if phone and not _PHONE.match(phone):
        errors["reporter_phone"] = "电话号码格式不对（bad phone number）"
    lon, lat, crs, grid = _location(body, errors)
    fields = DemandInput(
        title=title, description=_text(body, "description", errors), category_code=category,
        source=str(source), lon=lon, lat=lat, crs=crs, grid_code=grid,
        address=_text(body, "address", errors),
        reporter_name=_text(body, "reporter_name", errors) or None, reporter_phone=phone,
    )
    if errors:
        raise Invalid(errors)
    return fields
