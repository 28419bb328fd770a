"""Open311 GeoReport v2 at /open311/v2: thin views over layers.open311, as JSON or XML.

Errors here are the spec's `[{"code": status, "description": …}]` (or <errors><error>), not
the API's {"error": …} envelope: the blueprint's own handlers win over the app-wide ones, and
a catch-all route brings unknown paths and wrong methods inside the blueprint.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from flask import Blueprint, Response, current_app, jsonify, request, url_for
from werkzeug import exceptions as wz

from gis.errors import DomainError, Forbidden, NotFound, Unauthorized
from layers.open311 import post as open311_post
from layers.open311 import requests as open311
from web.access.auth import csrf
from web.access.guard import requires
from web.core.db import get_session

bp = Blueprint("open311", __name__, url_prefix="/open311/v2")
csrf.exempt(bp)  # clients authenticate with api_key, not a browser session

FMT = "<any(json, xml):fmt>"
ANY_METHOD = ["GET", "POST", "PUT", "PATCH", "DELETE"]
ITEMS = {
    "services": "service", "service_requests": "request", "errors": "error",
    "endpoints": "endpoint", "formats": "format", "attributes": "attribute",
    "values": "value", "status_mapping": "state",
}
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _fill(element: ET.Element, value: Any, name: str) -> None:
    """Write `value` into `element`: mappings as children, lists as repeated items."""
    if isinstance(value, Mapping):
        for key, item in value.items():
            _fill(ET.SubElement(element, key), item, key)
    elif isinstance(value, list):
        child = ITEMS.get(name, "item")
        for item in value:
            _fill(ET.SubElement(element, child), item, child)
    elif isinstance(value, bool):
        element.text = "true" if value else "false"
    elif value is not None:
        element.text = _NOT_XML.sub("", str(value))


def to_xml(root: str, value: Any) -> bytes:
    """Return `value` as a UTF-8 XML document under <root> (text escaped by ElementTree)."""
    element = ET.Element(root)
    _fill(element, value, root)
    return ET.tostring(element, encoding="utf-8", xml_declaration=True)


def _answer(value: Any, fmt: str, root: str, status: int = 200) -> Response:
    """Return `value` as JSON, or as XML under <root> when fmt is 'xml'."""
    if fmt == "xml":
        return Response(to_xml(root, value), status=status, mimetype="text/xml")
    resp = jsonify(value)
    resp.status_code = status
    return resp


def _errors(status: int, description: str) -> Response:
    """Return the spec's error list, in the format the path asked for."""
    fmt = "xml" if request.path.endswith(".xml") else "json"
    return _answer([{"code": status, "description": description}], fmt, "errors", status)


def _domain_error(exc: DomainError) -> Response:
    """Map our domain errors: Forbidden/Unauthorized 403, NotFound 404, the rest 400."""
    status = 400
    if isinstance(exc, Forbidden | Unauthorized):
        status = 403
    elif isinstance(exc, NotFound):
        status = 404
    fields = getattr(exc, "fields", None) or {}
    detail = "；".join(f"{name}: {why}" for name, why in fields.items())
    return _errors(status, f"{exc}：{detail}" if detail else str(exc))


def _http_error(exc: wz.HTTPException) -> Response:
    """Answer a werkzeug HTTP error as the spec's error list (Allow kept on 405)."""
    resp = _errors(exc.code or 500, exc.description or exc.name)
    if isinstance(exc, wz.MethodNotAllowed) and exc.valid_methods:
        resp.headers["Allow"] = ", ".join(exc.valid_methods)
    return resp


bp.register_error_handler(DomainError, _domain_error)
bp.register_error_handler(wz.HTTPException, _http_error)
for _code in (400, 401, 403, 404, 405, 413, 415, 429, 500):
    bp.register_error_handler(_code, _http_error)


@bp.before_request
def _jurisdiction() -> None:
    """Refuse (404) a jurisdiction_id other than ours."""
    open311.check_jurisdiction(request.values.get("jurisdiction_id"))


@bp.get(f"/discovery.{FMT}")
@requires("public")
def discovery(fmt: str) -> Response:
    """The discovery document, with our state → open/closed mapping."""
    endpoint = url_for(".discovery", fmt="json", _external=True).rsplit("/", 1)[0]
    return _answer(open311.discovery(endpoint), fmt, "discovery")


@bp.get(f"/services.{FMT}")
@requires("public")
def services(fmt: str) -> Response:
    """Every active small class as a service."""
    return _answer(open311.services(get_session()), fmt, "services")


@bp.get(f"/services/<code>.{FMT}")
@requires("public")
def service_definition(code: str, fmt: str) -> Response:
    """One service's definition (no extra attributes: metadata is false everywhere)."""
    return _answer(open311.service_definition(get_session(), code), fmt, "service_definition")


def _absolute_media(rows: list[dict]) -> list[dict]:
    """Turn site-relative media URLs into absolute ones."""
    for row in rows:
        if row.get("media_url", "") and row["media_url"].startswith("/"):
            row["media_url"] = request.host_url.rstrip("/") + row["media_url"]
    return rows


@bp.get(f"/requests.{FMT}")
@requires("public")
def service_requests(fmt: str) -> Response:
    """Service requests by id, service_code, start/end date and status (newest first)."""
    query = open311.parse_query(request.args, datetime.now(UTC))
    rows = open311.service_requests(get_session(), query)
    return _answer(_absolute_media(rows), fmt, "service_requests")


@bp.post(f"/requests.{FMT}")
@requires("public")
def create_request(fmt: str) -> Response:
    """Create a demand from a form-encoded GeoReport POST (api_key required)."""
    session = get_session()
    out = open311_post.create_request(session, request.values, current_app.config["RULES"])
    session.commit()
    return _answer(out, fmt, "service_requests")


@bp.get(f"/requests/<request_id>.{FMT}")
@requires("public")
def service_request(request_id: str, fmt: str) -> Response:
    """One service request, as an array of one."""
    rows = open311.service_request(get_session(), request_id)
    return _answer(_absolute_media(rows), fmt, "service_requests")


@bp.route("/", defaults={"rest": ""}, methods=ANY_METHOD)
@requires("public")
@bp.route("/<path:rest>", methods=ANY_METHOD)
def unknown(rest: str) -> Response:
    """Answer unknown paths (404) and wrong methods (405) in the spec's error format."""
    adapter = current_app.url_map.bind_to_environ(request.environ)
    allowed = []
    for method in ("GET", "POST"):
        try:
            endpoint, _ = adapter.match(method=method)
        except wz.HTTPException:
            continue
        if endpoint != "open311.unknown":
            allowed.append(method)
    if allowed:
        raise wz.MethodNotAllowed(valid_methods=allowed)
    raise NotFound(f"没有这个 Open311 地址 /{rest[:60]}（unknown Open311 path）", "no_such_path")
