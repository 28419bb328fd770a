"""Checking a new demand's fields before anything is written."""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import ConfigDict, Field, PlainValidator, WithJsonSchema
from pydantic_core import PydanticCustomError

from gis.checks import parse_crs, parse_number
from gis.contracts import (
    Choice,
    PointBody,
    Raw,
    UserText,
    check,
    clean_text,
    fail,
)
from gis.errors import BadInput
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


LOCATION_REQUIRED = "需要 lon/lat 或 grid_code（location required）"


def _phone(value: object) -> str | None:
    phone = clean_text(value, 100) or None
    if phone and not _PHONE.match(phone):
        raise fail("电话号码格式不对（bad phone number）")
    return phone


def _schema(schema: dict) -> None:
    """State what the location check below says in words: a point or a grid."""
    schema["anyOf"] = [{"required": ["lon", "lat"]}, {"required": ["grid_code"]}]


class DemandInput(PointBody):
    """A new demand (制单), as the API, /report, the staff form and Open311 send it: location
    either (lon, lat, crs) or a grid code. The OpenAPI document states this model."""

    model_config = ConfigDict(populate_by_name=True, json_schema_extra=_schema)

    title: UserText(_LIMITS["title"], required=True, description="标题 (not blank)")
    description: UserText(_LIMITS["description"]) = ""
    category_code: UserText(100, required=True) = Field(
        alias="category", description="小类代码 active small class code, e.g. 1001")
    source: Choice(SOURCES, f"来源应为：{', '.join(SOURCES)}", "other") = "other"
    grid_code: Raw({"type": "string", "pattern": "^[0-9]{15}$",
                    "description": "instead of lon/lat: a current grid"}) = None
    address: UserText(_LIMITS["address"]) = ""
    reporter_name: UserText(_LIMITS["reporter_name"], blank=None) = None
    reporter_phone: Annotated[str | None, PlainValidator(_phone),
                              WithJsonSchema({"type": "string", "pattern": PHONE_PATTERN})] = None

    @classmethod
    def read_location(cls, body: dict) -> tuple | PydanticCustomError:
        """Return (lon, lat, crs, grid_code): the point as sent (its range is the grids'
        question) or, when neither lon nor lat is given, crs 'grid' and the grid code."""
        if body.get("lon") in (None, "") and body.get("lat") in (None, ""):
            grid = body.get("grid_code") or None
            if grid is None:
                return fail(LOCATION_REQUIRED, "location")
            if level_of(str(grid)) != "grid":
                return fail("网格代码应为 15 位数字", "grid_code")
            return None, None, "grid", str(grid)
        try:
            lon, lat = parse_number("lon", body.get("lon")), parse_number("lat", body.get("lat"))
            return lon, lat, parse_crs(body.get("crs")), None
        except BadInput as err:
            return fail(str(err), "location")

    def _located(self, grid_code: object = None) -> None:
        self.grid_code = grid_code


def check_new_demand(body: object) -> DemandInput:
    """Return the checked demand fields from a JSON/form body; Invalid lists every bad field."""
    return check(DemandInput, body)
