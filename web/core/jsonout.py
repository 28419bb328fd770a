"""JSON output: ISO 8601 times (UTC), Chinese unescaped."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from flask import Response, jsonify
from flask.json.provider import DefaultJSONProvider


class JSONProvider(DefaultJSONProvider):
    """Flask's JSON with ISO 8601 dates and times instead of HTTP dates."""

    ensure_ascii = False

    @staticmethod
    def default(o: Any) -> Any:
        """Return a JSON-able value for dates, times and decimals."""
        if isinstance(o, datetime | date):
            return o.isoformat()
        if isinstance(o, Decimal):
            return float(o)
        return DefaultJSONProvider.default(o)


GEOJSON = "application/geo+json"


def geojson(data: Any) -> Response:
    """Return a GeoJSON object (WGS84) as an application/geo+json response."""
    resp = jsonify(data)
    resp.mimetype = GEOJSON
    return resp
