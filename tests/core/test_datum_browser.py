"""Maps over GCJ-02 tiles in a real browser (headless Chromium): static/js/lib/datum.js converts as
the server does (typed GCJ-02/BD-09 points too); on /report a tap on the shifted grid map is
filed in the grid under the finger; /dispatch draws the demand, its grid and the candidates
shifted like the tiles."""

from __future__ import annotations

from io import BytesIO
from urllib.parse import parse_qs, urlsplit

import numpy as np
import pytest
import shapely
from flask import Response
from PIL import Image
from shapely.geometry import shape
from sqlalchemy import text
from sqlalchemy.orm import Session

from gis import coords
from gis.project import to_metric
from layers.access import users
from layers.access.actors import RESIDENT
from layers.demands import store as demands
from layers.demands.fields import check_new_demand
from tests import committed as committed_rows
from tests import factories
from tests.browser import grid_point, log_in, needs_browser, served
from tests.conftest import TEST_URL
from web import create_app

pytestmark = needs_browser

USER, PASSWORD = "t_datum_dispatcher", "browser-pass-123"
# WGS84 (lon, lat): Qitaihe's corners and city hall, the published pairs' cities, Paris.
POINTS = [(131.0031, 45.7711), (130.4, 45.5), (131.4, 46.1), (121.5272106, 31.1774276),
          (113.912316, 22.543847), (116.377817, 39.911954), (2.35, 48.85)]
_LOAD_DATUM_JS = """
const done = arguments[arguments.length - 1];
import('/static/js/lib/datum.js').then((m) => { window.Datum = m; done(true); },
                                        () => done(false));
"""


def _blank_tile(z: int, x: int, y: int) -> Response:
    out = BytesIO()
    Image.new("RGB", (256, 256), (236, 236, 230)).save(out, "PNG")
    return Response(out.getvalue(), mimetype="image/png")


@pytest.fixture
def gcj_url(engine, tmp_path):
    """The app over GCJ-02 tiles served by itself (blank), on the committed test database."""
    app = create_app({"TESTING": True, "DATABASE_URL": TEST_URL,
                      "MEDIA_DIR": str(tmp_path / "media"),
                      "TILE_URL": "/tiles/{z}/{x}/{y}.png", "TILE_CRS": "gcj02"})
    app.add_url_rule("/tiles/<int:z>/<int:x>/<int:y>.png", "blank_tile", _blank_tile)
    with served(app) as url:
        yield url


def _metres(a, b) -> float:
    return to_metric(shapely.Point(a)).distance(to_metric(shapely.Point(b)))


def _severe(browser) -> list:
    return [e for e in browser.get_log("browser") if e["level"] == "SEVERE"]


def test_datum_js_converts_as_the_server_does(gcj_url, browser):
    browser.get(gcj_url + "/login")
    assert browser.execute_async_script(_LOAD_DATUM_JS) is True
    got = browser.execute_script(
        "return arguments[0].map(p => [Datum.toGcj02(p[0], p[1]), "
        "Datum.toWgs84(...Datum.toGcj02(p[0], p[1])), Datum.create('gcj02').latLng(p[1], p[0]),"
        " Datum.create('wgs84').latLng(p[1], p[0])]);", POINTS)
    for (lon, lat), (gcj, back, shown, plain) in zip(POINTS, got, strict=True):
        glon, glat = coords.wgs84_to_gcj02(lon, lat)
        np.testing.assert_allclose(gcj, [glon, glat], rtol=0, atol=1e-9)
        np.testing.assert_allclose(back, coords.gcj02_to_wgs84(glon, glat), rtol=0, atol=1e-9)
        np.testing.assert_allclose(shown, [glat, glon], rtol=0, atol=1e-9)
        assert plain == [lat, lon]
    typed = browser.execute_script(
        "return arguments[0].map(p => ['wgs84', 'gcj02', 'bd09', 'utm'].map("
        "c => Datum.fromCrs(p[0], p[1], c)));", POINTS)
    for (lon, lat), (wgs, gcj, bd, unknown) in zip(POINTS, typed, strict=True):
        assert wgs == [lon, lat] and unknown is None
        np.testing.assert_allclose(gcj, coords.to_wgs84(lon, lat, "gcj02"), rtol=0, atol=1e-9)
        np.testing.assert_allclose(bd, coords.to_wgs84(lon, lat, "bd09"), rtol=0, atol=1e-9)
    square = {"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {
        "name": "<b>x</b>"}, "geometry": {"type": "MultiPolygon", "coordinates": [[[
            [131.0, 45.7], [131.01, 45.7], [131.01, 45.71], [131.0, 45.7]]]]}}]}
    moved = browser.execute_script("return Datum.create('gcj02').geojson(arguments[0]);", square)
    assert moved["features"][0]["properties"] == {"name": "<b>x</b>"}
    ring = np.array(moved["features"][0]["geometry"]["coordinates"][0][0])
    wgs = np.array(square["features"][0]["geometry"]["coordinates"][0][0])
    x, y = coords.wgs84_to_gcj02(wgs[:, 0], wgs[:, 1])
    np.testing.assert_allclose(ring, np.column_stack([x, y]), rtol=0, atol=1e-9)
    assert _severe(browser) == []


def _target(engine) -> tuple[str, str, float, float]:
    """A grid and the centre of its largest inscribed circle (WGS84), ≥ 20 m from its edge,
    where reading the GCJ-02 point as WGS84 would land in another grid."""
    with engine.connect() as conn:
        code, name, lon, lat, radius = conn.execute(text(
            "SELECT code, name, ST_X(c), ST_Y(c), ST_Distance(c::geography, "
            "ST_Boundary(geom)::geography) FROM (SELECT code, name, geom, "
            "(ST_MaximumInscribedCircle(geom)).center AS c FROM grids WHERE valid_to IS NULL "
            "ORDER BY code OFFSET 400 LIMIT 1) g")).one()
        glon, glat = coords.wgs84_to_gcj02(lon, lat)
        misread = conn.execute(text(
            "SELECT code FROM grids WHERE valid_to IS NULL AND ST_Covers(geom, "
            "ST_SetSRID(ST_MakePoint(:x, :y), 4326))"), {"x": glon, "y": glat}).scalar()
    assert radius > 20 and misread != code
    return code, name, lon, lat


def test_a_tap_on_the_report_map_over_gcj02_tiles_lands_in_the_grid_under_it(
        gcj_url, browser, engine):
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    code, name, lon, lat = _target(engine)
    browser.execute_cdp_cmd("Browser.grantPermissions",
                            {"origin": gcj_url, "permissions": ["geolocation"]})
    browser.execute_cdp_cmd("Emulation.setGeolocationOverride",
                            {"latitude": lat, "longitude": lon, "accuracy": 5})
    browser.get(gcj_url + "/report")
    wait = WebDriverWait(browser, 30)
    wait.until(lambda d: name in d.find_element(By.ID, "loc-grid").text)
    browser.find_element(By.ID, "loc-map").click()  # opens centred on the GPS mark (shifted)
    wait.until(lambda d: len(d.find_elements(
        By.CSS_SELECTOR, "#tap-map path.leaflet-interactive")) >= 824)
    tap_map = browser.find_element(By.ID, "tap-map")
    browser.execute_script("arguments[0].scrollIntoView({block: 'center'});"
                           "document.getElementById('loc-grid').textContent = '';", tap_map)
    ActionChains(browser).move_to_element(tap_map).perform()
    tooltip = wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, ".leaflet-tooltip"))
    assert name in tooltip[0].text  # the outline drawn under the finger
    ActionChains(browser).click().perform()
    wait.until(lambda d: d.find_element(By.ID, "loc-grid").text)
    assert browser.find_element(By.ID, "loc-status").text == "已在地图上选点"
    assert browser.find_element(By.ID, "loc-grid").text.startswith("所在网格：" + name)

    sent = [parse_qs(urlsplit(u).query) for u in browser.execute_script(
        "return performance.getEntriesByType('resource').map(e => e.name)")
        if "/api/v1/locate?" in u]
    tap = sent[-1]
    assert tap["crs"] == ["gcj02"]
    tapped = (float(tap["lon"][0]), float(tap["lat"][0]))
    assert _metres(tapped, coords.wgs84_to_gcj02(lon, lat)) < 5
    assert _metres(coords.gcj02_to_wgs84(*tapped), (lon, lat)) < 5
    assert _severe(browser) == []


@pytest.fixture
def waiting(engine):
    """A dispatcher, one waiting heating demand and one responsible member 230 m east of it,
    committed (the browser reads through another connection); removed afterwards."""
    codes: list[str] = []
    member_ids: list[int] = []
    try:
        with Session(engine) as s:
            users.create_user(s, USER, "dispatcher", PASSWORD)
            lon, lat, grid = grid_point(s)
            body = {"title": "暖气不热", "category": "1001", "lon": lon, "lat": lat}
            codes.append(demands.create_demand(s, check_new_demand(body), RESIDENT)["code"])
            member_ids.append(factories.member(
                s, "professional", "测试供热", [grid], (lon + 0.003, lat),
                department_code="heating", on_duty=True))
            s.commit()
        yield codes[0], grid, (lon, lat), (lon + 0.003, lat)
    finally:
        committed_rows.remove(engine, codes, member_ids, [USER])


_DRAWN = """
const s = document.querySelector('.folium-map').gridgov.dispatch;
const out = {queue: [], dot: null, lines: [], icons: [], grid: null};
const ll = p => [p.lng, p.lat];
s.queueLayer.eachLayer(l => out.queue.push(ll(l.getLatLng())));
s.overlay.eachLayer(l => {
  if (l instanceof L.CircleMarker) out.dot = ll(l.getLatLng());
  else if (l instanceof L.Polyline) out.lines.push(l.getLatLngs().map(ll));
  else if (l instanceof L.Marker) out.icons.push(ll(l.getLatLng()));
  else if (l instanceof L.GeoJSON) l.eachLayer(g => { out.grid = g.toGeoJSON(9).geometry; });
});
return out;
"""
_API_GRID = """
const done = arguments[arguments.length - 1];
fetch('/api/v1/grids/' + arguments[0]).then(r => r.json()).then(f => done(f.geometry));
"""


def test_dispatch_over_gcj02_tiles_draws_demand_grid_and_candidates_shifted(
        gcj_url, browser, waiting):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    code, grid, demand, member = waiting
    log_in(browser, gcj_url, USER, PASSWORD, "/dispatch")
    wait = WebDriverWait(browser, 30)
    item = wait.until(lambda d: d.find_elements(By.CSS_SELECTOR,
                                                f'.queue-item[data-code="{code}"]'))
    item[0].click()
    wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, "path.cand-line")
               and d.find_elements(By.CSS_SELECTOR, "path.selected-grid"))
    drawn = browser.execute_script(_DRAWN)
    shown_demand, shown_member = (coords.wgs84_to_gcj02(*p) for p in (demand, member))
    assert any(np.allclose(q, shown_demand, rtol=0, atol=1e-9) for q in drawn["queue"])
    np.testing.assert_allclose(drawn["dot"], shown_demand, rtol=0, atol=1e-9)
    np.testing.assert_allclose(drawn["lines"][0], [shown_demand, shown_member], rtol=0,
                               atol=1e-9)
    np.testing.assert_allclose(drawn["icons"][0], shown_member, rtol=0, atol=1e-9)
    wgs = shapely.get_coordinates(shape(browser.execute_async_script(_API_GRID, grid)))
    x, y = coords.wgs84_to_gcj02(wgs[:, 0], wgs[:, 1])
    np.testing.assert_allclose(shapely.get_coordinates(shape(drawn["grid"])),
                               np.column_stack([x, y]), rtol=0, atol=1e-8)
    assert shape(drawn["grid"]).contains(shapely.Point(shown_demand))
    resources = browser.execute_script(
        "return performance.getEntriesByType('resource').map(e => e.name)")
    assert any("/tiles/" in r for r in resources)
    assert all(r.startswith(gcj_url + "/") for r in resources), resources
    assert _severe(browser) == []


_DRAWN_LAYERS = """
const done = arguments[arguments.length - 1];
const wait = () => {
  const ctx = document.querySelector('.folium-map').gridgov;
  const keys = Object.keys(ctx.config.urls).filter((k) => k !== 'stations');
  if (!ctx.layers || keys.some((k) => !ctx.layers[k])) { setTimeout(wait, 100); return; }
  Promise.all(keys.map((k) => fetch(ctx.config.urls[k]).then((r) => r.json()))).then((api) =>
    done(keys.map((k, i) => [k, ctx.layers[k].toGeoJSON(9), api[i]])));
};
wait();
"""


def test_maps_over_gcj02_tiles_draw_the_wgs84_layers_shifted(gcj_url, browser, engine):
    with engine.connect() as conn:
        code = conn.execute(text("SELECT code FROM grids WHERE valid_to IS NULL ORDER BY code "
                                 "OFFSET 100 LIMIT 1")).scalar_one()
    browser.set_script_timeout(60)
    for path, layers in (("/map", {"grids", "districts", "rivers"}), (f"/grids/{code}",
                                                                       {"grids"})):
        browser.get(gcj_url + path)
        drawn = browser.execute_async_script(_DRAWN_LAYERS)
        assert {key for key, *_ in drawn} == layers
        for _key, shown, api in drawn:  # every position moved as the server would move it
            wgs = shapely.get_coordinates([shape(f["geometry"]) for f in api["features"]])
            got = shapely.get_coordinates([shape(f["geometry"]) for f in shown["features"]])
            x, y = coords.wgs84_to_gcj02(wgs[:, 0], wgs[:, 1])
            np.testing.assert_allclose(got, np.column_stack([x, y]), rtol=0, atol=1e-8)
            assert 300 < min(_metres(a, b) for a, b in zip(got[:50], wgs[:50], strict=True))
    assert _severe(browser) == []


_SHARED_EDGE = """
const done = arguments[arguments.length - 1];
import('/static/js/lib/datum.js').then((d) => done([d.create('gcj02').geojson(arguments[0]),
                                                     arguments[0]]));
"""


def test_features_move_together_so_shared_vertices_stay_shared(gcj_url, browser):
    left = {"type": "Polygon", "coordinates": [[[131.0, 45.7], [131.01, 45.7],
                                                [131.01, 45.71], [131.0, 45.7]]]}
    right = {"type": "Polygon", "coordinates": [[[131.01, 45.7], [131.02, 45.7],
                                                 [131.01, 45.71], [131.01, 45.7]]]}
    point = {"type": "Point", "coordinates": [131.0, 45.7, 250.0]}
    features = [{"type": "Feature", "properties": {"n": i}, "geometry": g}
                for i, g in enumerate((left, right, point, None))]
    browser.get(gcj_url + "/login")
    moved, given = browser.execute_async_script(
        _SHARED_EDGE, {"type": "FeatureCollection", "features": features})
    assert given["features"] == features  # the input is not changed
    assert [f["properties"] for f in moved["features"]] == [{"n": i} for i in range(4)]
    a, b = (shape(f["geometry"]) for f in moved["features"][:2])
    edge = a.intersection(b)  # the shared edge is still shared: no gap, no overlap
    assert edge.geom_type == "LineString" and edge.length > 0.0099
    assert moved["features"][2]["geometry"]["coordinates"] == [
        *coords.wgs84_to_gcj02(131.0, 45.7), 250.0]
    assert moved["features"][3]["geometry"] is None
