"""GET /api/openapi.json: the OpenAPI 3 document of every /api/v1 route.

Routes declared with `web.openapi.spec.contract` are generated from their models and the url
map (spectree); the others are still written as data in `web/openapi/paths.py` until their
domain declares them. A route in neither fails tests/openapi/test_openapi.py.
"""

from __future__ import annotations

from functools import lru_cache

from flask import Blueprint, Flask, Response, current_app, jsonify

from grids.queries import city_extent
from layers.demands.taxonomy import small_class_codes
from web.access.guard import requires
from web.core.db import get_session
from web.openapi.paths import paths
from web.openapi.schema import ERROR, ERRORS, Facts, city_point
from web.openapi.spec import declared_paths

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
def document(app: Flask, facts: Facts = Facts()) -> dict:
    """Return the OpenAPI 3.0 document of `app`'s /api/v1 routes stating `facts`: the routes
    declared with `contract` generated from their models, the others from web.openapi.paths."""
    table = paths(facts)
    declared, schemas = declared_paths(app)
    for path, methods in declared.items():
        table.setdefault(path, {}).update(methods)
    for path, methods in table.items():
        for method, operation in methods.items():
            if not operation["operationId"]:
                operation["operationId"] = method + "".join(
                    part.strip("{}").replace("-", "_").title() for part in path.split("/")[3:])
    components = _components()
    components["schemas"].update(_stated(schemas, facts))
    return {
        "openapi": "3.0.3",
        "info": {"title": "gridgov 七台河市网格化基层治理平台 API", "version": "1.0.0",
                 "description": "Errors answer {\"error\": {\"code\", \"message\", \"fields\"?}}. "
                                "Coordinates are lon/lat; storage is WGS84 (EPSG:4326)."},
        "servers": [{"url": "/"}],
        "paths": table,
        "components": components,
    }


def _stated(schemas: dict, facts: Facts) -> dict:
    """Return the models' schemas with what the data says: a point given as lon/lat lies
    inside the city, a category is one of the active small classes."""
    lon, lat = city_point(facts)
    for schema in schemas.values():
        props = schema.get("properties", {})
        if "lon" in props and "lat" in props:
            props["lon"], props["lat"] = lon, lat
        if "category" in props and facts.small_classes:
            props["category"] = {**props["category"], "enum": list(facts.small_classes)}
    return schemas


@bp.get("/api/openapi.json")
@requires("public")
def openapi_json() -> Response:
    """The OpenAPI 3 document of the JSON API, with the city's extent and small classes."""
    session = get_session()
    facts = Facts(city_extent(session), small_class_codes(session))
    return jsonify(document(current_app._get_current_object(), facts))
