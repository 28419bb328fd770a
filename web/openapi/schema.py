"""Pieces of the OpenAPI document: the error envelope and answers, and the facts stated from
the data (`Facts`: the city's extent, the active small classes)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Annotated

from pydantic import BaseModel, WithJsonSchema

from gis.contracts import LAT_SCHEMA, LON_SCHEMA

CITY_PAD = 0.05  # degrees around the grids' extent: GCJ-02/BD-09 input is up to ≈ 0.013° off


class ErrorDetail(BaseModel):
    """What went wrong."""

    code: Annotated[str, WithJsonSchema({"type": "string", "example": "invalid"})]
    message: str
    fields: Annotated[dict[str, str] | None, WithJsonSchema({
        "type": "object", "additionalProperties": {"type": "string"},
        "description": "每个有误字段的说明 what is wrong with each field"})] = None
    allowed: Annotated[list[str] | None, WithJsonSchema({
        "type": "array", "items": {"type": "string"},
        "description": "当前状态允许的操作 actions allowed in the current state"})] = None


class ErrorBody(BaseModel):
    """The error envelope of every API answer that is not a success (web.core.errors)."""

    error: ErrorDetail


def _inline(schema: dict) -> dict:
    """Return a model's schema with its one nested model written in place, no null defaults."""
    detail = schema.pop("$defs")["ErrorDetail"]
    for prop in detail["properties"].values():
        prop.pop("default", None)
    schema["properties"]["error"] = detail
    return schema


ERROR = _inline(ErrorBody.model_json_schema())
ERRORS = {
    "400": "请求有误 malformed input (bad parameter, unknown category, …)",
    "401": "需要登录或令牌 staff login or bearer token required",
    "403": "无权 role or scope does not allow it",
    "404": "不存在 not found",
    "409": "状态冲突 conflicts with the current state",
    "413": "内容过大 body too large",
    "422": "字段有误 body failed validation; `fields` says what is wrong",
}


@dataclass(frozen=True)
class Facts:
    """What the document states from the data: the current grids' lon/lat extent and the
    active small classes (None and (): unknown, the schemas stay general)."""

    extent: tuple[float, float, float, float] | None = None
    small_classes: tuple[str, ...] = ()


def city_point(facts: Facts) -> tuple[dict, dict]:
    """Return the lon and lat schemas of a point that must lie inside the city: the grids'
    extent padded by CITY_PAD, rounded outward to 0.01°."""
    if facts.extent is None:
        return LON_SCHEMA, LAT_SCHEMA
    x0, y0, x1, y1 = facts.extent
    note = "; 须在七台河市内 inside the city (422 location outside its grids)"

    def bounded(schema: dict, low: float, high: float) -> dict:
        return {**schema, "minimum": math.floor((low - CITY_PAD) * 100) / 100,
                "maximum": math.ceil((high + CITY_PAD) * 100) / 100,
                "description": schema["description"] + note}
    return bounded(LON_SCHEMA, x0, x1), bounded(LAT_SCHEMA, y0, y1)
