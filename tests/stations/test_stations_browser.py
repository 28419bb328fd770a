"""红色驿站 in a real browser (headless Chromium): the nearest stations on the rider's /report
page at 360 px, and the toggleable station layer of /map with escaped popups."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from tests.browser import needs_browser, phone_chromium
from tests.report.test_report_browser import CITY_HALL, _grant_location

pytestmark = needs_browser

EVIL = "<img src=x onerror=alert(1)>驿站"
# (name, metres east of the city hall, kind, services), nearest first.
OURS = (("测试红色驿站甲", 20, "red_station", ["rest", "charging", "water", "hot_meal"]),
        (EVIL, 60, "red_station", ["rest", "legal_advice"]),
        ("暖蜂驿站·工会驿站（测试）", 120, "warm_bee", ["rest", "charging", "toilet"]),
        ("测试红色驿站丁", 200, "red_station", ["rest"]))
_EAST_DEG_PER_M = 1 / 77_800  # ≈ one metre of longitude at 45.77° N, in degrees


@pytest.fixture
def committed_stations(engine):
    """OURS committed to the test database (the served app reads it); removed afterwards."""
    with engine.begin() as conn:
        ids = [conn.execute(text(
            "INSERT INTO stations (kind, name, address, services, opening_hours, geom) VALUES "
            "(:k, :n, '桃山区测试地址', CAST(:s AS varchar[]), '每日 08:00–20:00', "
            "ST_SetSRID(ST_MakePoint(:x, :y), 4326)) RETURNING id"),
            {"k": kind, "n": name, "s": services, "y": CITY_HALL["latitude"],
             "x": CITY_HALL["longitude"] + east * _EAST_DEG_PER_M}).scalar()
            for name, east, kind, services in OURS]
    yield ids
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM stations WHERE id = ANY(:ids)"), {"ids": ids})


@pytest.fixture
def phone(tmp_path):
    """A headless Chromium the size of a small phone (360 CSS px wide)."""
    with phone_chromium(tmp_path / "profile") as driver:
        yield driver


def _no_errors(driver) -> None:
    assert [e for e in driver.get_log("browser") if e["level"] == "SEVERE"] == []


def test_report_page_lists_the_nearest_stations_after_gps(live_url, phone, committed_stations):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    _grant_location(phone, live_url)
    phone.get(live_url + "/report")
    items = WebDriverWait(phone, 30).until(
        lambda d: d.find_elements(By.CSS_SELECTOR, "#station-list > li.station"))
    assert phone.find_element(By.ID, "h-stations").text == "最近的红色驿站"
    names = [li.find_element(By.CLASS_NAME, "station-name").text for li in items]
    assert names == [name for name, *_ in OURS[:3]]
    assert phone.execute_script("return document.querySelector('#station-list img')") is None
    first, evil, bee = items
    dist = first.find_element(By.CLASS_NAME, "station-dist").text
    assert dist.startswith("约 ") and dist.endswith(" 米") and 15 <= int(dist[2:-2]) <= 25
    chips = [c.text for c in first.find_elements(By.CSS_SELECTOR, ".station-services .chip")]
    assert chips == ["临时休息", "手机充电", "饮水", "热饭"]
    assert "法律咨询" in evil.text and "开放时间：每日 08:00–20:00" in evil.text
    assert "暖蜂驿站·工会驿站" in bee.find_element(By.CLASS_NAME, "station-kind").text
    link = first.find_element(By.CLASS_NAME, "station-go")
    assert link.get_attribute("href").startswith("geo:45.771100,131.003")
    layout = phone.execute_script(
        "const d = document.documentElement; return {width: d.clientWidth, "
        "scroll: d.scrollWidth, go: Math.min(...[...document.querySelectorAll('.station-go')]"
        ".map(e => e.getBoundingClientRect().height))};")
    assert layout["width"] <= 360 and layout["scroll"] <= layout["width"], layout
    assert layout["go"] >= 48, layout
    _no_errors(phone)


def _markers(driver) -> int:
    return driver.execute_script("return document.querySelectorAll('path.station-marker').length")


def _toggle_the_station_layer(browser, wait, total: int) -> None:
    """Switch 红色驿站 off (no marker left) and on again (all of them back)."""
    from selenium.webdriver.common.by import By

    toggle = next(label for label in browser.find_elements(
        By.CSS_SELECTOR, ".leaflet-control-layers-overlays label") if label.text == "红色驿站")
    toggle.find_element(By.TAG_NAME, "input").click()
    wait.until(lambda d: _markers(d) == 0)
    toggle.find_element(By.TAG_NAME, "input").click()
    wait.until(lambda d: _markers(d) == total)


def _open_a_red_station(browser, wait) -> str:
    """Zoom next to the city hall, click a red station, return its popup's title."""
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By

    browser.execute_script(
        "const s = arguments[0];"
        "document.querySelector('.folium-map').gridgov.map.setView([s[1], s[0]], 18);",
        [CITY_HALL["longitude"] + 60 * _EAST_DEG_PER_M, CITY_HALL["latitude"]])
    target = wait.until(lambda d: [p for p in d.find_elements(By.CSS_SELECTOR,
                                                              "path.station-red_station")
                                   if p.is_displayed()])
    ActionChains(browser).move_to_element(target[0]).click().perform()
    titles = wait.until(lambda d: [  # shown (a popup still panning into view reads as '')
        t.text for t in d.find_elements(By.CSS_SELECTOR, ".station-popup .station-popup-title")
        if t.text])
    return titles[0]


def test_city_map_toggles_the_station_layer_and_escapes_popups(live_url, browser,
                                                               committed_stations, engine):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    with engine.connect() as conn:
        total = conn.execute(text("SELECT count(*) FROM stations WHERE active")).scalar()
    browser.get(live_url + "/map")
    wait = WebDriverWait(browser, 30)
    wait.until(lambda d: _markers(d) == total)
    assert browser.find_elements(By.CSS_SELECTOR, "path.station-warm_bee")
    _toggle_the_station_layer(browser, wait, total)
    assert _open_a_red_station(browser, wait) in {name for name, *_ in OURS}
    assert browser.execute_script("return document.querySelector('.station-popup img')") is None
    evil_popup = browser.execute_async_script(
        "const [evil, done] = arguments;"
        "import('/static/js/stations/stationlayer.js').then((S) => {"
        "const box = document.createElement('div');"
        "box.innerHTML = S.popupHtml(S.station({id: 1, geometry: {coordinates: [131, 45.77]},"
        " properties: {id: 1, kind: 'red_station', name: evil, address: evil,"
        " service_labels: [evil], opening_hours: evil, grid_code: '230903016002006'}}, []));"
        "done([box.querySelector('img, script') === null, "
        "box.querySelector('.station-popup-title').textContent]); });", EVIL)
    assert evil_popup == [True, EVIL]
    resources = browser.execute_script(
        "return performance.getEntriesByType('resource').map(e => e.name)")
    assert all(r.startswith(live_url + "/") for r in resources), resources
    _no_errors(browser)
