"""Shared pieces of the test_station_pages tests."""

from __future__ import annotations

import json
import re
from html import unescape as html_unescape

from sqlalchemy import text

from tests import pages
from tests.stations.test_stations import add_station

EVIL = "<img src=x onerror=alert(1)>驿站"
CITY_HALL = (131.0031, 45.7711)
_GROUP = re.compile(r'"stations": (feature_group_[0-9a-f]+),')


def station_setup(html: str) -> tuple[str, dict]:
    """Return the station group's variable and the config folium hands the map's module."""
    from tests.grids.test_map_page import handoff

    m = _GROUP.search(html)
    assert m, "no station group handed to the map's module"
    return m.group(1), handoff(html)


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


def log_in(client, session, role: str, scope: str | None = None, department=None):
    """Create a login with `role` and log the client in with it; return the user."""
    return pages.log_in(client, session, role, scope, department, prefix="t_st")


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


PICKER_JS = ["/static/vendor/leaflet/leaflet.js", "/static/js/stations/form.js"]


def picker(html: str) -> tuple[dict, dict]:
    """Return the picker map's data attributes and what it draws the other stations with:
    their kinds, the grid page URL and the stations' layer URL (the station edited left out)."""
    tag = re.search(r'<div id="station-map"[^>]*>', html).group(0)
    attrs = {k: html_unescape(v) for k, v in re.findall(r'data-([a-z-]+)="([^"]*)"', tag)}
    config = {"kinds": json.loads(attrs.pop("kinds")), "gridUrl": attrs.pop("grid-url"),
              "stations": attrs.pop("stations"), "exclude": attrs.pop("exclude")}
    return attrs, config
