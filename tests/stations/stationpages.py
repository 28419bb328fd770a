"""Shared pieces of the test_station_pages tests."""

from __future__ import annotations

import json
import re

from sqlalchemy import text

from layers.access import users
from tests.stations.test_stations import add_station

EVIL = "<img src=x onerror=alert(1)>驿站"
CITY_HALL = (131.0031, 45.7711)
_SETUP = re.compile(r"StationMap\.setup\([^,]+,\s*(feature_group_[0-9a-f]+),\s*")


def station_setup(html: str) -> tuple[str, dict]:
    """Return the layer variable and the config handed to StationMap.setup."""
    m = _SETUP.search(html)
    assert m, "no StationMap.setup in the page"
    return m.group(1), json.JSONDecoder().raw_decode(html, m.end())[0]


PASSWORD = "secret-pass-123"
SCRIPT = "<script>alert(1)</script>驿站"


def inside(session, grid: str) -> tuple[float, float]:
    """Return a WGS84 point inside the current grid `grid`."""
    return tuple(session.execute(text(
        "SELECT ST_X(p), ST_Y(p) FROM (SELECT ST_PointOnSurface(geom) AS p FROM grids "
        "WHERE code = :g AND valid_to IS NULL) q"), {"g": grid}).one())


def put_station(session, name: str, grid: str, point: tuple[float, float],
                kind: str = "red_station", active: bool = True) -> int:
    """Insert a station with its grid (committed to the test's savepoint); return its id."""
    sid = add_station(session, name, *point, kind=kind, active=active)
    session.execute(text("UPDATE stations SET grid_code = :g WHERE id = :i"),
                    {"g": grid, "i": sid})
    session.commit()
    return sid


def stored(session, sid: int) -> dict:
    return dict(session.execute(text(
        "SELECT kind, name, address, services, opening_hours, grid_code, active, "
        "ST_X(geom) AS lon, ST_Y(geom) AS lat FROM stations WHERE id = :i"), {"i": sid}
    ).mappings().one())


def audit(session, user) -> list[tuple[str, str]]:
    return [tuple(r) for r in session.execute(text(
        "SELECT action, subject FROM audit_log WHERE user_id = :u ORDER BY id"),
        {"u": user.id})]


def csrf(client, path: str = "/login") -> str:
    html = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf-token" content="([^"]+)"', html).group(1)


def log_in(client, session, role: str, scope: str | None = None, department=None):
    """Create a login with `role` and log the client in with it; return the user."""
    user = users.create_user(session, f"t_st_{role}_{scope or 'city'}", role, PASSWORD,
                             scope_code=scope, department_code=department)
    session.commit()
    r = client.post("/login", data={"name": user.name, "password": PASSWORD,
                                    "csrf_token": csrf(client)})
    assert r.status_code == 302
    return user


def form(point: tuple[float, float], **changes) -> dict:
    """Return a valid station form (a red station at `point`, WGS84) with `changes`."""
    data = {"kind": "red_station", "name": "测试社区红色驿站", "address": "测试路 1 号",
            "services": ["rest", "water"], "opening_hours": "每日 08:00–20:00",
            "lon": repr(point[0]), "lat": repr(point[1]), "crs": "wgs84", "active": "y"}
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def public_ids(client) -> set[int]:
    body = client.get("/api/v1/stations?per_page=1000").get_json()
    return {f["id"] for f in body["features"]}


_PICKER_STATIONS = re.compile(
    r'<script type="application/json" id="station-map-stations">(.*?)</script>', re.S)
PICKER_JS = ["/static/vendor/leaflet/leaflet.js", "/static/js/lib/datum.js",
             "/static/js/lib/gridmap.js", "/static/js/stations/stationmap.js",
             "/static/js/lib/pickmap.js", "/static/js/stations/form.js"]


def picker(html: str) -> tuple[dict, dict]:
    """Return the picker map's data attributes and the StationMap config of the other
    stations embedded in a station form page."""
    tag = re.search(r'<div id="station-map"[^>]*>', html).group(0)
    attrs = {k: v for k, v in re.findall(r'data-([a-z-]+)="([^"]*)"', tag)}
    return attrs, json.loads(_PICKER_STATIONS.search(html).group(1))
