"""Map overlays follow the basemap's datum: over GCJ-02 tiles (GRIDGOV_TILE_CRS=gcj02 with a
tile URL) every map page embeds its WGS84 data shifted into GCJ-02 (hundreds of metres at
Qitaihe); over WGS84 tiles, or with no tiles at all, nothing moves."""

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
from tests.grids.test_map_page import geojson_layers
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


def test_features_move_together_so_shared_vertices_stay_shared():
    left = {"type": "Polygon", "coordinates": [[[131.0, 45.7], [131.01, 45.7],
                                                [131.01, 45.71], [131.0, 45.7]]]}
    right = {"type": "Polygon", "coordinates": [[[131.01, 45.7], [131.02, 45.7],
                                                 [131.01, 45.71], [131.01, 45.7]]]}
    features = [{"type": "Feature", "properties": {"n": i}, "geometry": g}
                for i, g in enumerate((left, right))]
    moved = datum.features_in(features, "gcj02")
    assert [f["properties"] for f in moved] == [{"n": 0}, {"n": 1}]
    a, b = (shape(f["geometry"]) for f in moved)
    edge = a.intersection(b)  # the shared edge is still shared: no gap, no overlap
    assert edge.geom_type == "LineString" and edge.length > 0.0099
    assert features[0]["geometry"] is left  # the input is not changed
    assert datum.features_in(features, "wgs84") == features
    point = {"type": "Feature", "properties": {}, "geometry": {
        "type": "Point", "coordinates": [131.0, 45.7, 250.0]}}
    empty = {"type": "Feature", "properties": {}, "geometry": None}
    moved_point, moved_empty = datum.features_in([point, empty], "gcj02")
    assert moved_point["geometry"]["coordinates"] == [*datum.point_in(131.0, 45.7, "gcj02"), 250.0]
    assert moved_empty["geometry"] is None
    assert datum.points_in([131.0], [45.7], "wgs84") == ([131.0], [45.7])


def test_city_map_embeds_grids_outlines_and_river_shifted_over_gcj02_tiles(session_factory):
    plain = geojson_layers(_client(session_factory).get("/map").get_data(as_text=True))
    gcj = geojson_layers(_client(session_factory, **GCJ02_TILES)
                         .get("/map").get_data(as_text=True))
    assert len(plain[0]["features"]) == len(gcj[0]["features"]) == 824
    assert [f["properties"] for f in gcj[0]["features"]] == [
        f["properties"] for f in plain[0]["features"]]
    for shown, wgs in zip(gcj, plain, strict=True):  # grids, districts, river
        _assert_gcj02_of(_positions(shown), _positions(wgs))


@pytest.mark.parametrize("extra", [{"TILE_URL": TILES, "TILE_CRS": "wgs84"},
                                   {"TILE_CRS": "gcj02"}])
def test_city_map_is_unchanged_over_wgs84_tiles_or_without_tiles(session_factory, extra):
    plain = geojson_layers(_client(session_factory).get("/map").get_data(as_text=True))
    other = geojson_layers(_client(session_factory, **extra).get("/map").get_data(as_text=True))
    assert other == plain


def test_grid_page_map_is_shifted_over_gcj02_tiles(session_factory, session):
    code = session.execute(text("SELECT code FROM grids WHERE valid_to IS NULL ORDER BY code "
                                "OFFSET 100 LIMIT 1")).scalar_one()
    plain = geojson_layers(_client(session_factory).get(f"/grids/{code}").get_data(as_text=True))
    html = _client(session_factory, **GCJ02_TILES).get(
        f"/grids/{code}").get_data(as_text=True)
    gcj = geojson_layers(html)
    assert gcj[0]["features"][0]["properties"]["code"] == code and f'"focus": "{code}"' in html
    _assert_gcj02_of(_positions(gcj[0]), _positions(plain[0]))


def test_member_map_embeds_grids_and_positions_shifted_over_gcj02_tiles(session_factory,
                                                                         session):
    grid = session.execute(text("SELECT min(code) FROM grids WHERE valid_to IS NULL")).scalar()
    mid = factories.member(session, "rider", "骑手", [grid], CITY_HALL, on_duty=True)
    pages = [_page(session_factory, session, "supervisor", "/members", **extra)
             for extra in ({}, GCJ02_TILES)]
    (plain, gcj) = [geojson_layers(p)[0] for p in pages]
    _assert_gcj02_of(_positions(gcj), _positions(plain))
    points = [{p[4]: p[:2] for p in _setup_config(h, "MemberMap.setup(")["points"]}[mid]
              for h in pages]
    assert points[0] == list(CITY_HALL)
    _assert_gcj02_of(np.array([points[1]]), np.array([points[0]]))


def test_member_points_are_moved_in_one_pass_and_kept_as_given_for_wgs84():
    rows = [{"id": i, "kind": "rider", "lon": 131.0 + i / 100, "lat": 45.7, "age_min": 1,
             "stale": False} for i in range(3)]
    assert [p[:2] for p in member_maps.points(rows)] == [[r["lon"], r["lat"]] for r in rows]
    moved = np.array([p[:2] for p in member_maps.points(rows, "gcj02")])
    _assert_gcj02_of(moved, np.array([[r["lon"], r["lat"]] for r in rows]))


def test_dispatch_page_hands_its_script_the_datum_and_draws_outlines_shifted(session_factory,
                                                                             session):
    pages = [_page(session_factory, session, "dispatcher", "/dispatch", **extra)
             for extra in ({}, GCJ02_TILES)]
    assert [_setup_config(h, "Dispatch.setup(")["datum"] for h in pages] == ["wgs84", "gcj02"]
    for h in pages:
        assert h.index("/static/js/lib/datum.js") < h.index("/static/js/dispatch/dispatch.js")
    (plain, gcj) = [geojson_layers(p)[0] for p in pages]  # the district outlines
    _assert_gcj02_of(_positions(gcj), _positions(plain))


def test_report_page_tells_its_map_the_datum(session_factory):
    def attr(client, name: str) -> str:
        html = client.get("/report").get_data(as_text=True)
        return re.search(rf'data-{name}="([^"]*)"', html).group(1)

    assert attr(_client(session_factory), "datum") == "wgs84"
    assert attr(_client(session_factory, TILE_CRS="gcj02"), "datum") == "wgs84"
    assert attr(_client(session_factory, **GCJ02_TILES), "datum") == "gcj02"
    assert attr(_client(session_factory), "datum-js") == "/static/js/lib/datum.js"


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
