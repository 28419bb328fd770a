"""GET /api/openapi.json: the OpenAPI 3 document of every /api/v1 route, written as data.

Paths live in `web/openapi/paths.py`, built from `web/openapi/schema.py`; a route added to
/api/v1 without an entry there fails tests/openapi/test_openapi.py.
"""

from __future__ import annotations

from functools import lru_cache

from flask import Blueprint, Response, jsonify

from grids.queries import city_extent
from layers.demands.taxonomy import small_class_codes
from web.access.guard import requires
from web.core.db import get_session
from web.openapi.paths import paths
from web.openapi.schema import ERROR, ERRORS, Facts

bp = Blueprint("openapi", __name__)


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
    """Return the OpenAPI 3.0 document (paths from web.openapi.paths) stating `facts`."""
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
@requires("public")
def openapi_json() -> Response:
    """The OpenAPI 3 document of the JSON API, with the city's extent and small classes."""
    session = get_session()
    return jsonify(document(Facts(city_extent(session), small_class_codes(session))))
