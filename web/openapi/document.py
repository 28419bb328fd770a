"""GET /api/openapi.json: the OpenAPI 3 document of every /api/v1 route, written as data.

Paths live in `web/openapi_paths.py`; a route added to /api/v1 without an entry there fails
tests/test_openapi.py.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

from flask import Blueprint, Response, jsonify

from gis.checks import UNSAFE_RANGES
from grids.queries import city_extent
from layers.demands.taxonomy import small_class_codes
from web.core.db import get_session

bp = Blueprint("openapi", __name__)

CRS = {"type": "string", "enum": ["wgs84", "gcj02", "bd09"], "default": "wgs84",
       "description": "坐标系 coordinate system of lon/lat (Amap/WeChat: gcj02, Baidu: bd09)"}
LON = {"type": "number", "minimum": -180, "maximum": 180, "description": "经度 longitude"}
LAT = {"type": "number", "minimum": -90, "maximum": 90, "description": "纬度 latitude"}
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


SAFE_TEXT = "[^" + "".join(f"\\u{low:04x}-\\u{high:04x}" for low, high in UNSAFE_RANGES) + "]*"
NOT_BLANK = r"(?=[\s\S]*\S)"


def user_text(max_length: int, not_blank: bool = False, description: str = "") -> dict:
    """Return the schema of user text: at most `max_length` characters and none that
    gis.checks.unsafe_text refuses (ECMA and Python regex alike); `not_blank`: one visible."""
    out = {"type": "string", "maxLength": max_length,
           "pattern": f"^{NOT_BLANK if not_blank else ''}{SAFE_TEXT}$"}
    if not_blank:
        out["minLength"] = 1
    if description:
        out["description"] = description
    return out


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


def _components() -> dict:
    return {
        "schemas": {"Error": ERROR},
        "responses": {f"E{status}": {"description": text, "content": {"application/json": {
            "schema": {"$ref": "#/components/schemas/Error"}}}} for status, text in ERRORS.items()},
        "securitySchemes": {
            "bearer": {"type": "http", "scheme": "bearer",
                       "description": "工作人员或骑手的 API 令牌 staff or rider API token "
                                      "(`flask users token`); riders (role rider) are "
                                      "refused 403 on staff operations"},
            "session": {"type": "apiKey", "in": "cookie", "name": "session",
                        "description": "登录后的会话 a logged-in staff or rider session"},
        },
    }


@lru_cache(maxsize=8)
def document(facts: Facts = Facts()) -> dict:
    """Return the OpenAPI 3.0 document (paths from web.openapi_paths) stating `facts`."""
    from web.openapi.paths import paths

    table = paths(facts)
    for path, methods in table.items():
        for method, operation in methods.items():
            if not operation["operationId"]:
                operation["operationId"] = method + "".join(
                    part.strip("{}").replace("-", "_").title() for part in path.split("/")[3:])
    return {
        "openapi": "3.0.3",
        "info": {"title": "gridgov 七台河市网格化基层治理平台 API", "version": "1.0.0",
                 "description": "Errors answer {\"error\": {\"code\", \"message\", \"fields\"?}}. "
                                "Coordinates are lon/lat; storage is WGS84 (EPSG:4326)."},
        "servers": [{"url": "/"}],
        "paths": table,
        "components": _components(),
    }


@bp.get("/api/openapi.json")
def openapi_json() -> Response:
    """The OpenAPI 3 document of the JSON API, with the city's extent and small classes."""
    session = get_session()
    return jsonify(document(Facts(city_extent(session), small_class_codes(session))))
