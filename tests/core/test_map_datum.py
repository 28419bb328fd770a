"""Map overlays follow the basemap's datum: over GCJ-02 tiles (GRIDGOV_TILE_CRS=gcj02 with a
tile URL) every map page hands its module the datum "gcj02" and the browser (datum.js) draws
the API's WGS84 data shifted (hundreds of metres at Qitaihe; tests/core/test_datum_browser.py);
over WGS84 tiles, or with no tiles at all, nothing moves. The data itself is always WGS84."""

from __future__ import annotations

import json
import re

import numpy as np
import pytest
import shapely
from shapely.geometry import shape
from sqlalchemy import text

from gis import coords, datum
from gis.project import to_metric
from gis.settings import SettingsError
from layers.access import users
from tests import factories
from tests.conftest import TEST_URL
from tests.grids.test_map_page import geojson_layers, handoff
from web import create_app
from web.core import maps
from web.members import maps as member_maps

TILES = "/tiles/{z}/{x}/{y}.png"
CITY_HALL = (131.0031, 45.7711)
PASSWORD = "secret-pass-123"
GCJ02_TILES = {"TILE_URL": TILES, "TILE_CRS": "gcj02"}


def _client(session_factory, **extra):
    return create_app({"TESTING": True, "SESSION_FACTORY": session_factory,
                       "DATABASE_URL": TEST_URL, **extra}).test_client()


def _positions(layer: dict) -> np.ndarray:
    """Return every (lon, lat) of a FeatureCollection's geometries, in order."""
    return shapely.get_coordinates([shape(f["geometry"]) for f in layer["features"]])


def _metres(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return shapely.distance(to_metric(shapely.points(a)), to_metric(shapely.points(b)))


def _assert_gcj02_of(shown: np.ndarray, plain: np.ndarray) -> None:
    """Assert `shown` is `plain` (WGS84) moved into GCJ-02: 300–900 m away at Qitaihe."""
    lon, lat = coords.wgs84_to_gcj02(plain[:, 0], plain[:, 1])
    np.testing.assert_allclose(shown, np.column_stack([lon, lat]), rtol=0, atol=1.5e-6)
    moved = _metres(shown, plain)
    assert 300 < moved.min() and moved.max() < 900


def _page(session_factory, session, role: str, path: str, **extra) -> str:
    """Return `path` as seen by a logged-in staff user of `role` (made once per test)."""
    name = f"t_datum_{role}"
    if users.get_user(session, name) is None:
        users.create_user(session, name, role, PASSWORD)
        session.commit()
    client = _client(session_factory, **extra)
    form = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', form).group(1)
    client.post("/login", data={"name": name, "password": PASSWORD, "csrf_token": token})
    return client.get(path).get_data(as_text=True)


def _setup_config(html: str, call: str) -> dict:
    """Return the JSON config handed to `call` (e.g. 'MemberMap.setup(') in a folium page."""
    start = html.index("{", html.index(call))
    return json.JSONDecoder().raw_decode(html, start)[0]


def test_overlays_follow_gcj02_tiles_only_when_tiles_are_shown():
    assert datum.overlay_datum(TILES, "gcj02") == "gcj02"
    assert datum.overlay_datum(TILES, " GCJ02 ") == "gcj02"
    assert datum.overlay_datum("", "gcj02") == "wgs84"  # no basemap: nothing to line up with
    assert datum.overlay_datum(TILES, "wgs84") == datum.overlay_datum(TILES, None) == "wgs84"
    assert maps.Basemap(url=TILES, crs="gcj02").datum == "gcj02"
    assert maps.Basemap(crs="gcj02").datum == maps.Basemap().datum == "wgs84"
    with pytest.raises(SettingsError):
        datum.overlay_datum(TILES, "bd09")


def test_city_map_hands_its_module_the_gcj02_datum_and_serves_wgs84_layers(session_factory):
    plain_client, gcj_client = _client(session_factory), _client(session_factory, **GCJ02_TILES)
    plain_html, gcj_html = (c.get("/map").get_data(as_text=True)
                            for c in (plain_client, gcj_client))
    assert handoff(plain_html)["datum"] == "wgs84" and handoff(gcj_html)["datum"] == "gcj02"
    plain = geojson_layers(plain_client, plain_html)
    gcj = geojson_layers(gcj_client, gcj_html)
    assert len(plain[0]["features"]) == 824
    assert gcj == plain  # the data stays WGS84; the browser shifts what it draws (datum.js)


@pytest.mark.parametrize("extra", [{"TILE_URL": TILES, "TILE_CRS": "wgs84"},
                                   {"TILE_CRS": "gcj02"}])
def test_city_map_is_unchanged_over_wgs84_tiles_or_without_tiles(session_factory, extra):
    client = _client(session_factory, **extra)
    html = client.get("/map").get_data(as_text=True)
    assert handoff(html)["datum"] == "wgs84"
    plain_client = _client(session_factory)
    assert geojson_layers(client, html) == geojson_layers(
        plain_client, plain_client.get("/map").get_data(as_text=True))


def test_grid_page_hands_its_module_the_focus_and_datum(session_factory, session):
    code = session.execute(text("SELECT code FROM grids WHERE valid_to IS NULL ORDER BY code "
                                "OFFSET 100 LIMIT 1")).scalar_one()
    client = _client(session_factory, **GCJ02_TILES)
    html = client.get(f"/grids/{code}").get_data(as_text=True)
    config = handoff(html)
    assert config["focus"] == code and config["datum"] == "gcj02"
    assert geojson_layers(client, html)[0]["features"][0]["properties"]["code"] == code


def test_member_map_data_is_wgs84_and_the_module_gets_the_datum(session_factory, session):
    grid = session.execute(text("SELECT min(code) FROM grids WHERE valid_to IS NULL")).scalar()
    mid = factories.member(session, "rider", "骑手", [grid], CITY_HALL, on_duty=True)
    pages = [_page(session_factory, session, "supervisor", "/members", **extra)
             for extra in ({}, GCJ02_TILES)]
    assert [handoff(h)["datum"] for h in pages] == ["wgs84", "gcj02"]
    data = _page(session_factory, session, "supervisor", "/api/v1/members/map", **GCJ02_TILES)
    points = {p[4]: p[:2] for p in json.loads(data)["members"]}
    assert points[mid] == list(CITY_HALL)


def test_member_points_are_wgs84_rows():
    rows = [{"id": i, "kind": "rider", "lon": 131.0 + i / 100, "lat": 45.7, "age_min": 1,
             "stale": False} for i in range(3)]
    assert [p[:2] for p in member_maps.points(rows)] == [[r["lon"], r["lat"]] for r in rows]


def test_dispatch_page_hands_its_module_the_datum_and_the_outline_urls(session_factory,
                                                                       session):
    pages = [_page(session_factory, session, "dispatcher", "/dispatch", **extra)
             for extra in ({}, GCJ02_TILES)]
    assert [handoff(h)["datum"] for h in pages] == ["wgs84", "gcj02"]
    for h in pages:
        assert '<script type="module" src="/static/js/dispatch/main.js">' in h
        assert handoff(h)["urls"] == {"districts": "/api/v1/map/districts",
                                      "rivers": "/api/v1/map/rivers"}


def test_report_page_tells_its_map_the_datum(session_factory):
    def attr(client, name: str) -> str:
        html = client.get("/report").get_data(as_text=True)
        return re.search(rf'data-{name}="([^"]*)"', html).group(1)

    assert attr(_client(session_factory), "datum") == "wgs84"
    assert attr(_client(session_factory, TILE_CRS="gcj02"), "datum") == "wgs84"
    assert attr(_client(session_factory, **GCJ02_TILES), "datum") == "gcj02"
    assert attr(_client(session_factory), "leaflet-js") == "/static/vendor/leaflet/leaflet.js"


def test_a_tap_sent_in_gcj02_is_filed_in_the_grid_under_it(client, session):
    code, lon, lat = session.execute(text(
        "SELECT code, ST_X(c), ST_Y(c) FROM (SELECT code, (ST_MaximumInscribedCircle(geom))"
        ".center AS c FROM grids WHERE valid_to IS NULL ORDER BY code OFFSET 400 LIMIT 1) g"
    )).one()
    glon, glat = coords.wgs84_to_gcj02(lon, lat)
    wrong = client.get(f"/api/v1/locate?lon={glon}&lat={glat}").get_json()
    assert wrong.get("grid_code") != code  # the shift matters here
    body = {"title": "随手拍·路灯", "category": "1403", "lon": glon, "lat": glat, "crs": "gcj02",
            "source": "rider_snapshot"}
    resp = client.post("/api/v1/demands", json=body)
    assert resp.status_code == 201, resp.get_json()
    assert resp.get_json()["grid_code"] == code
