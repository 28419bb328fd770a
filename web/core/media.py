"""Serving demand photos from the media folder (never from web/static) by unguessable token."""

from __future__ import annotations

import re

from flask import Blueprint, Response, abort, current_app, send_file

from layers.demands import photos
from layers.demands.photo_files import photo_path
from web.access.guard import requires
from web.core.db import get_session

bp = Blueprint("media", __name__)
_NAME = re.compile(r"([A-Za-z0-9_-]{43})(_thumb)?\.jpg")
ONE_YEAR = 365 * 24 * 3600


def media_dir() -> str:
    """Return the folder that holds uploaded photos (config MEDIA_DIR, else the settings)."""
    return str(current_app.config.get("MEDIA_DIR") or current_app.config["GRIDGOV"].media_dir)


@bp.get(f"{photos.URL_PREFIX}<name>")
@requires("public")
def photo(name: str) -> Response:
    """A stored photo or its thumbnail as JPEG, cached for a year; 404 for unknown tokens."""
    match = _NAME.fullmatch(name)
    if match is None or not photos.token_exists(get_session(), match.group(1)):
        abort(404)
    path = photo_path(media_dir(), match.group(1), thumb=bool(match.group(2)))
    if not path.is_file():
        abort(404)
    resp = send_file(path, mimetype="image/jpeg", max_age=ONE_YEAR, conditional=True,
                     etag=True)
    resp.cache_control.public = True
    resp.cache_control.immutable = True
    resp.headers["X-Content-Type-Options"] = "nosniff"
    return resp
