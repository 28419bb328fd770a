"""Reading request bodies that may carry photos: JSON, a form, or multipart with `photos`."""

from __future__ import annotations

import hashlib
import json

from flask import request

from gis.errors import Invalid
from layers.demands.photo_files import MAX_BYTES
from layers.demands.photos import MAX_PHOTOS, check_count

FIELD = "photos"
UPLOAD_LIMIT = MAX_PHOTOS * (MAX_BYTES + 1) + 2 * 1024 * 1024  # photos + the other fields


def request_body() -> object:
    """Return the body from JSON or a (multipart) form; Invalid when JSON is malformed.

    A form body may be as large as MAX_PHOTOS photos allow; beyond that 413. A multipart part
    without a name (werkzeug's key None) is dropped: it names no field.
    """
    if request.is_json:
        body = request.get_json(silent=True)
        if body is None:
            raise Invalid({"body": "JSON 无法解析（malformed JSON）"})
        return body
    request.max_content_length = UPLOAD_LIMIT  # before the form is parsed
    return {k: v for k, v in request.form.to_dict().items()
            if k is not None and k != "csrf_token"}


def photo_bytes() -> list[bytes]:
    """Return the files sent under `photos` (empty file inputs skipped), each read only up to
    one byte over the size limit; Invalid when there are too many."""
    files = [f for f in request.files.getlist(FIELD) if f.filename]
    check_count(len(files))
    return [f.stream.read(MAX_BYTES + 1) for f in files]


def fingerprint(body: object, raws: list[bytes]) -> bytes:
    """Return the bytes that identify this request for Idempotency-Key (fields + photo digests)."""
    if request.is_json:
        return request.get_data()
    digests = [hashlib.sha256(raw).hexdigest() for raw in raws]
    return json.dumps([body, digests], sort_keys=True, ensure_ascii=False).encode()
