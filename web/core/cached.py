"""Cacheable JSON for map layers and other read-mostly data: a strong ETag over the body, 304
when the request's If-None-Match holds it, and Cache-Control (public for public layers, private
and revalidated for staff ones). flask-compress gzips the 200 and suffixes the ETag with the
encoding (`"<tag>:gzip"`); a revalidation with that suffixed tag is answered 304 here."""

from __future__ import annotations

import hashlib
from typing import Any

from flask import Response, current_app, request

from web.core.jsonout import GEOJSON

PUBLIC_MAX_AGE = 300  # seconds a shared cache may serve a public layer without asking


def _matching(etag: str) -> str | None:
    """Return the tag of If-None-Match that names `etag` (bare or with a ':<encoding>'
    suffix from flask-compress), None when none does."""
    for tag in request.if_none_match.as_set():
        if tag == etag or tag.split(":", 1)[0] == etag:
            return tag
    return None


def cached_json(data: Any, *, public: bool, max_age: int = PUBLIC_MAX_AGE,
                mimetype: str = "application/json") -> Response:
    """Return `data` as compact JSON with a strong ETag (blake2b of the body), or a bodiless
    304 when the client already holds it; public data may be cached `max_age` seconds,
    private (staff) data is revalidated on every use and never shared."""
    body = current_app.json.dumps(data, separators=(",", ":"))
    etag = hashlib.blake2b(body.encode(), digest_size=16).hexdigest()
    held = _matching(etag)
    resp = Response(status=304) if held else Response(body, mimetype=mimetype)
    resp.set_etag(held or etag)
    if public:
        resp.cache_control.public = True
        resp.cache_control.max_age = max_age
    else:
        resp.cache_control.private = True
        resp.cache_control.no_cache = True
        resp.vary.add("Cookie")
    return resp


def public_geojson(data: Any) -> Response:
    """Return a public map layer (a GeoJSON object) as cacheable application/geo+json."""
    return cached_json(data, public=True, mimetype=GEOJSON)
