"""Pieces of the OpenAPI document: common schemas, the error envelope, the facts stated from
the data (`Facts`), and builders of parameters, bodies and operations."""

from __future__ import annotations

import math
from dataclasses import dataclass

from gis.contracts import CRS_SCHEMA, LAT_SCHEMA, LON_SCHEMA, text_schema

CRS, LON, LAT = CRS_SCHEMA, LON_SCHEMA, LAT_SCHEMA
CITY_PAD = 0.05  # degrees around the grids' extent: GCJ-02/BD-09 input is up to ≈ 0.013° off
ANY_OBJECT = {"type": "object", "additionalProperties": True}
ERROR = {
    "type": "object", "required": ["error"],
    "properties": {"error": {
        "type": "object", "required": ["code", "message"],
        "properties": {
            "code": {"type": "string", "example": "invalid"},
            "message": {"type": "string"},
            "fields": {"type": "object", "additionalProperties": {"type": "string"},
                       "description": "每个有误字段的说明 what is wrong with each field"},
            "allowed": {"type": "array", "items": {"type": "string"},
                        "description": "当前状态允许的操作 actions allowed in the current state"},
        }}},
}
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
        return LON, LAT
    x0, y0, x1, y1 = facts.extent
    note = "; 须在七台河市内 inside the city (422 location outside its grids)"

    def bounded(schema: dict, low: float, high: float) -> dict:
        return {**schema, "minimum": math.floor((low - CITY_PAD) * 100) / 100,
                "maximum": math.ceil((high + CITY_PAD) * 100) / 100,
                "description": schema["description"] + note}
    return bounded(LON, x0, x1), bounded(LAT, y0, y1)


user_text = text_schema


def q(name: str, schema: dict, description: str, required: bool = False) -> dict:
    """Return a query parameter."""
    return {"name": name, "in": "query", "required": required, "schema": schema,
            "description": description}


def path_param(name: str, integer: bool = False, description: str = "") -> dict:
    """Return a path parameter (text, or integer for <int:…> rules)."""
    schema = {"type": "integer", "minimum": 1} if integer else {"type": "string"}
    return {"name": name, "in": "path", "required": True, "schema": schema,
            "description": description or name}


def obj(properties: dict, required: tuple[str, ...] = ()) -> dict:
    """Return an object schema (extra properties allowed and ignored)."""
    out = {"type": "object", "properties": properties}
    if required:
        out["required"] = list(required)
    return out


def json_body(schema: dict, multipart: dict | None = None, form: bool = False) -> dict:
    """Return a request body: JSON, optionally multipart (with photos) or a plain form."""
    content = {"application/json": {"schema": schema}}
    if multipart is not None:
        content["multipart/form-data"] = {"schema": multipart}
    if form:
        content["application/x-www-form-urlencoded"] = {"schema": schema}
    return {"required": True, "content": content}


def op(summary: str, *, tag: str, params: tuple = (), body: dict | None = None,
       ok: str = "200", ok_type: str = "application/json", ok_schema: dict | None = None,
       errors: str = "400", auth: bool = False, description: str = "") -> dict:
    """Return one operation with its parameters, body, success answer and error answers."""
    out: dict = {"summary": summary, "tags": [tag], "operationId": "", "responses": {
        ok: {"description": "成功 success",
             "content": {ok_type: {"schema": ok_schema or ANY_OBJECT}}}}}
    if description:
        out["description"] = description
    if params:
        out["parameters"] = list(params)
    if body is not None:
        out["requestBody"] = body
        errors += " 422"
    if auth:
        out["security"] = [{"bearer": []}, {"session": []}]
        errors += " 401 403"
    for status in sorted(set(errors.split())):
        out["responses"][status] = {"$ref": f"#/components/responses/E{status}"}
    return out
