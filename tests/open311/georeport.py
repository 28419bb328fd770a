"""Shared pieces of the test_open311 tests."""

from __future__ import annotations

import urllib.error
import urllib.parse
import urllib.request
from datetime import UTC, datetime

from layers.access.actors import RESIDENT
from layers.demands import store as demands
from layers.demands.fields import check_new_demand

CITY_HALL = {"lon": 131.0031, "lat": 45.7711}
GRID = "230902031001002"
NOW = datetime.now(UTC)


def _demand(session, category: str, when: datetime = NOW, **fields) -> dict:
    body = {"title": "测试诉求", "category": category, **CITY_HALL, **fields}
    return demands.create_demand(session, check_new_demand(body), RESIDENT, now=when)


def _ids(rows: list[dict]) -> set[str]:
    return {r["service_request_id"] for r in rows}


def _form_post(url: str, fields: dict) -> tuple[int, bytes]:
    """POST a form the way a plain HTTP client does; return (status, body)."""
    data = urllib.parse.urlencode(fields).encode()
    req = urllib.request.Request(url, data=data, method="POST", headers={
        "Content-Type": "application/x-www-form-urlencoded"})
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            return resp.status, resp.read()
    except urllib.error.HTTPError as err:
        return err.code, err.read()


def _new(api_key: str, **fields) -> dict:
    return {"api_key": api_key, "service_code": "1001", "lat": CITY_HALL["lat"],
            "long": CITY_HALL["lon"], "description": "五楼暖气片不热，已持续两天", **fields}
