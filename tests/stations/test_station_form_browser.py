"""The 驿站管理 form's location picker in a real browser (headless Chromium): community staff
click a point inside a grid of their scope — the lon/lat fields and 坐标系 are filled in the
map's datum (wgs84, or gcj02 over GCJ-02 tiles) — and the saved station lies in that grid at
that point; typing lon/lat (BD-09 too) moves the pin, dragging it fills the fields, and the
other stations' names are escaped in their popups."""

from __future__ import annotations

import numpy as np
import pytest
import shapely
from sqlalchemy import text
from sqlalchemy.orm import Session

from gis import coords
from gis.project import to_metric
from layers.access import users
from tests import committed as committed_rows
from tests.browser import log_in, needs_browser, served
from tests.conftest import TEST_URL
from tests.core.test_datum_browser import _blank_tile
from web import create_app

pytestmark = needs_browser

USER, PASSWORD = "t_pick_staff", "browser-pass-123"
NAME = "测试选点驿站"
EVIL = "<img src=x onerror=alert(1)>驿站"
NEIGHBOUR = EVIL + "（邻）"
_TARGET = text("""
SELECT code, name, community_code, ST_X(c), ST_Y(c) FROM (
  SELECT code, name, community_code, geom, (ST_MaximumInscribedCircle(geom)).center AS c
    FROM grids WHERE valid_to IS NULL ORDER BY code OFFSET 300) g
 WHERE ST_Distance(c::geography, ST_Boundary(geom)::geography) > 25
   AND NOT EXISTS (SELECT 1 FROM stations s
                    WHERE ST_DWithin(s.geom::geography, c::geography, 400))
 ORDER BY code LIMIT 1""")
_MARKER = """
let at = null;
const picker = document.getElementById('station-map').picker;
picker.map.eachLayer(l => { if (l instanceof L.Marker) at = l.getLatLng(); });
return at && [at.lng, at.lat];
"""


@pytest.fixture
def target(engine):
    """(grid code, grid name, community, lon, lat): the centre of a grid's largest inscribed
    circle (WGS84), ≥ 25 m from its edges and 400 m from any station; a community-staff login
    for that community, committed. The login, its audit rows and the stations named here are
    removed afterwards."""
    with engine.begin() as conn:
        row = conn.execute(_TARGET).one()
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM stations WHERE name = ANY(:n)"),
                     {"n": [NAME, EVIL, NEIGHBOUR]})
    with Session(engine) as s:
        users.create_user(s, USER, "community_staff", PASSWORD, scope_code=row[2])
        s.commit()
    try:
        yield tuple(row)
    finally:
        with engine.begin() as conn:
            conn.execute(text("DELETE FROM stations WHERE name = ANY(:n)"),
                         {"n": [NAME, EVIL, NEIGHBOUR]})
        committed_rows.remove(engine, user_names=[USER])


@pytest.fixture(params=["wgs84", "gcj02"])
def site(request, engine, tmp_path):
    """(base URL, datum): the app on the committed test database, without tiles (the map is
    drawn in WGS84) or over GCJ-02 tiles it serves itself (blank)."""
    config = {"TESTING": True, "DATABASE_URL": TEST_URL, "MEDIA_DIR": str(tmp_path / "media")}
    if request.param == "gcj02":
        config.update({"TILE_URL": "/tiles/{z}/{x}/{y}.png", "TILE_CRS": "gcj02"})
    app = create_app(config)
    if request.param == "gcj02":
        app.add_url_rule("/tiles/<int:z>/<int:x>/<int:y>.png", "blank_tile", _blank_tile)
    with served(app) as url:
        yield url, request.param


def _metres(a, b) -> float:
    return to_metric(shapely.Point(a)).distance(to_metric(shapely.Point(b)))


def _log_in(browser, url: str, path: str):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    log_in(browser, url, USER, PASSWORD, path)
    wait = WebDriverWait(browser, 30)
    wait.until(lambda d: len(d.find_elements(By.CSS_SELECTOR, "#station-map path.pick-grid"))
               >= 824)
    return wait


def _scroll_to(browser, element) -> None:
    """Scroll `element` to the middle of the window at once (Bootstrap makes scrolling smooth,
    and a pointer moved mid-scroll lands off target)."""
    browser.execute_script(
        "arguments[0].scrollIntoView({block: 'center', behavior: 'instant'});", element)


def _centre_on(browser, lon: float, lat: float, zoom: int = 17):
    """Centre the picker on a WGS84 point (drawn in the map's datum); return the map element."""
    from selenium.webdriver.common.by import By

    browser.execute_script(
        "const p = document.getElementById('station-map').picker;"
        "p.map.setView(p.shown.latLng(arguments[1], arguments[0]),"
        " arguments[2], {animate: false});", lon, lat, zoom)
    el = browser.find_element(By.ID, "station-map")
    _scroll_to(browser, el)
    return el


def _field(browser, name: str) -> str:
    from selenium.webdriver.common.by import By

    return browser.find_element(By.ID, name).get_attribute("value")


def _local_and_quiet(browser, url: str) -> None:
    """Every resource came from the app; no errors but the locate look-ups answered 404
    (half-typed coordinates outside every grid, shown on the page)."""
    resources = browser.execute_script(
        "return performance.getEntriesByType('resource').map(e => e.name)")
    assert resources and all(r.startswith(url + "/") for r in resources), resources
    assert [e for e in browser.get_log("browser") if e["level"] == "SEVERE" and not (
        e["source"] == "network" and "/api/v1/locate?" in e["message"]
        and "404" in e["message"])] == []


def test_staff_click_a_point_in_a_grid_and_the_station_is_saved_there(site, browser, target,
                                                                      engine):
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By

    url, datum = site
    code, grid_name, community, lon, lat = target
    wait = _log_in(browser, url, "/stations/new")
    with engine.connect() as conn:
        outside = conn.execute(text("SELECT count(*) FROM grids WHERE valid_to IS NULL AND "
                                    "community_code <> :c"), {"c": community}).scalar_one()
    assert len(browser.find_elements(By.CSS_SELECTOR, "path.pick-grid-out")) == outside
    assert browser.find_element(By.ID, "pick-hint").is_displayed()
    assert (_field(browser, "lon"), _field(browser, "lat")) == ("", "")
    browser.find_element(By.ID, "name").send_keys(NAME)
    rest = browser.find_element(By.ID, "services-rest")
    _scroll_to(browser, rest)
    rest.click()

    el = _centre_on(browser, lon, lat)
    ActionChains(browser).move_to_element(el).perform()
    tooltip = wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, ".leaflet-tooltip"))
    assert grid_name in tooltip[0].text  # the grid drawn under the pointer
    ActionChains(browser).click().perform()
    wait.until(lambda d: _field(d, "lon") and "选定位置所在网格" in d.find_element(
        By.ID, "pick-status").text)
    assert _field(browser, "crs") == datum
    picked = (float(_field(browser, "lon")), float(_field(browser, "lat")))
    assert _metres(picked, coords.from_wgs84(lon, lat, datum)) < 2
    assert _metres(coords.to_wgs84(*picked, datum), (lon, lat)) < 2
    status = browser.find_element(By.ID, "pick-status").text
    assert grid_name in status and code in status and "管辖范围" not in status
    np.testing.assert_allclose(browser.execute_script(_MARKER), picked, rtol=0, atol=1e-6)

    _save_and_check(browser, wait, url, engine, code, (lon, lat))


def _save_and_check(browser, wait, url: str, engine, code: str,
                    point: tuple[float, float]) -> None:
    """Submit the form; the list says it was added, and the station is stored in `code` at
    `point` (WGS84) with its service."""
    from selenium.webdriver.common.by import By

    submit = browser.find_element(By.ID, "submit")
    _scroll_to(browser, submit)
    submit.click()
    wait.until(lambda d: d.current_url == url + "/stations")
    assert f"已新增驿站：{NAME}" in browser.find_element(By.TAG_NAME, "body").text
    with engine.connect() as conn:
        stored = conn.execute(text(
            "SELECT grid_code, ST_X(geom), ST_Y(geom), services FROM stations WHERE name = :n"),
            {"n": NAME}).one()
    assert stored[0] == code and stored[3] == ["rest"]
    assert _metres(stored[1:3], point) < 2
    assert f"所在网格 {code}" in browser.find_element(By.TAG_NAME, "body").text
    _local_and_quiet(browser, url)


@pytest.fixture
def two_stations(engine, target):
    """The station being edited (named EVIL) at the target and another 200 m east of it."""
    code, _name, _community, lon, lat = target
    with engine.begin() as conn:
        ids = [conn.execute(text(
            "INSERT INTO stations (kind, name, services, grid_code, geom) VALUES ('red_station', "
            ":n, CAST(ARRAY['rest'] AS varchar[]), :g, ST_SetSRID(ST_MakePoint(:x, :y), 4326)) "
            "RETURNING id"), {"n": n, "g": code, "x": x, "y": lat}).scalar_one()
            for n, x in ((EVIL, lon), (NEIGHBOUR, lon + 200 / 77_800))]
    return ids


def test_typing_moves_the_pin_dragging_fills_the_fields_and_popups_are_escaped(
        live_url, browser, target, two_stations):
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By

    code, _name, _community, lon, lat = target
    wait = _log_in(browser, live_url, f"/stations/{two_stations[0]}/edit")
    np.testing.assert_allclose(browser.execute_script(_MARKER), (lon, lat), rtol=0, atol=1e-9)
    pin = browser.find_element(By.CSS_SELECTOR, "#station-map .leaflet-marker-icon")
    _scroll_to(browser, pin)
    ActionChains(browser).move_to_element(pin).perform()
    tip = wait.until(lambda d: [t for t in d.find_elements(By.CSS_SELECTOR, ".leaflet-tooltip")
                                if t.text == EVIL])
    assert tip[0].find_elements(By.TAG_NAME, "img") == []

    moved = (lon + 0.0003, lat - 0.0002)
    _type_point(browser, [repr(v) for v in moved])
    wait.until(lambda d: np.allclose(d.execute_script(_MARKER), moved, rtol=0, atol=1e-9))
    _type_point(browser, [f"{v:.7f}" for v in coords.from_wgs84(lon, lat, "bd09")], "bd09")
    wait.until(lambda d: _metres(d.execute_script(_MARKER), (lon, lat)) < 0.5)
    wait.until(lambda d: code in d.find_element(By.ID, "pick-status").text)

    _centre_on(browser, lon, lat, 16)
    pin = browser.find_element(By.CSS_SELECTOR, "#station-map .leaflet-marker-icon")
    ActionChains(browser).drag_and_drop_by_offset(pin, 40, 30).perform()
    wait.until(lambda d: _field(d, "crs") == "wgs84")
    dropped = (float(_field(browser, "lon")), float(_field(browser, "lat")))
    assert 20 < _metres(dropped, (lon, lat)) < 200
    np.testing.assert_allclose(browser.execute_script(_MARKER), dropped, rtol=0, atol=1e-6)

    popup = _open_the_neighbour(browser, wait, lon + 200 / 77_800, lat)
    assert popup.find_element(By.CLASS_NAME, "station-popup-title").text == NEIGHBOUR
    assert popup.find_elements(By.TAG_NAME, "img") == []
    assert (float(_field(browser, "lon")), float(_field(browser, "lat"))) == dropped  # no pick
    _local_and_quiet(browser, live_url)


def _type_point(browser, lonlat: list[str], crs: str | None = None) -> None:
    """Type lon and lat into the form (and choose their coordinate system)."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    for name, value in zip(("lon", "lat"), lonlat, strict=True):
        browser.find_element(By.ID, name).clear()
        browser.find_element(By.ID, name).send_keys(value)
    if crs is not None:
        Select(browser.find_element(By.ID, "crs")).select_by_value(crs)


def _open_the_neighbour(browser, wait, lon: float, lat: float):
    """Zoom onto the other station at (lon, lat), click it, return its shown popup."""
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By

    _centre_on(browser, lon, lat, 18)
    neighbour = wait.until(lambda d: [p for p in d.find_elements(
        By.CSS_SELECTOR, "#station-map path.station-marker") if p.is_displayed()])
    ActionChains(browser).move_to_element(neighbour[0]).click().perform()
    return wait.until(lambda d: [  # shown (a popup still panning into view reads as '')
        p for p in d.find_elements(By.CSS_SELECTOR, ".station-popup")
        if p.find_element(By.CLASS_NAME, "station-popup-title").text])[0]
