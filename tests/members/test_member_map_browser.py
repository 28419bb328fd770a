"""The member map (网格力量) in a real browser (headless Chromium): members drawn per kind,
stale ones greyed, names escaped in popups, coverage gaps highlighted on the grids; above the
embed threshold, members fetched for the viewport after a pan (shifted over GCJ-02 tiles)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from io import BytesIO

import pytest
from flask import Response
from PIL import Image
from sqlalchemy import text
from sqlalchemy.orm import Session

from gis import coords
from layers.access import users
from tests import committed as committed_rows
from tests import factories
from tests.browser import log_in, needs_browser, served
from tests.conftest import TEST_URL
from web import create_app

USER, PASSWORD = "t_browser_members", "browser-pass-123"
EVIL = "<img src=x onerror=alert(1)>王<b>x</b>"

pytestmark = needs_browser


def _member(s: Session, kind: str, grids: list[str], name: str, minutes: float,
            department: str | None = None) -> int:
    return factories.member(s, kind, name, grids, (131.0031, 45.7711), phone="13700000000",
                            department_code=department, on_duty=True,
                            position_at=datetime.now(UTC) - timedelta(minutes=minutes))


@pytest.fixture
def committed(engine):
    """A supervisor, a fresh rider and a stale professional (heating) with an HTML name,
    committed to the test database (the browser reads through another connection)."""
    with Session(engine) as s:
        grids = list(s.execute(text("SELECT code FROM grids WHERE valid_to IS NULL "
                                    "ORDER BY code LIMIT 3")).scalars())
        users.create_user(s, USER, "supervisor", PASSWORD)
        ids = [_member(s, "rider", grids[:1], "骑手甲", 5),
               _member(s, "professional", grids[:2], EVIL, 45, "heating")]
        total = s.execute(text("SELECT count(*) FROM grids WHERE valid_to IS NULL")).scalar()
        s.commit()
    try:
        yield {"ids": ids, "uncovered": total - 2, "no_rider": total - 1}
    finally:
        committed_rows.remove(engine, member_ids=ids, user_names=[USER])


_FIND_MAP = """
var map = null;
for (var k in window) {
  if (k.indexOf('map_') === 0 && window[k] && window[k].eachLayer) map = window[k];
}
"""
_MARKERS = _FIND_MAP + """
var out = [];
if (!map) return out;
map.eachLayer(function (l) {
  if (!(l instanceof L.CircleMarker)) return;
  out.push({color: l.options.color, dash: l.options.dashArray,
            html: l.getPopup() ? l.getPopup().getContent()() : ''});
});
return out;
"""
_RED_CELLS = _FIND_MAP + """
var n = 0;
map.eachLayer(function (l) { if (l.feature && l.options.fillColor === '#d7191c') n++; });
return n;
"""


def test_member_map_draws_kinds_greys_stale_and_highlights_gaps(live_url, browser, committed):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select, WebDriverWait

    log_in(browser, live_url, USER, PASSWORD, "/members")
    # the script defines MemberMap before the page sets the map up: wait for what it draws
    markers = WebDriverWait(browser, 30).until(
        lambda d: len(d.execute_script(_MARKERS)) >= 2 and d.execute_script(_MARKERS))
    assert len(markers) == 2
    stale = [m for m in markers if m["dash"]]
    assert len(stale) == 1 and stale[0]["color"] == "#757575"
    box = browser.execute_script(
        "var b = document.createElement('div'); b.innerHTML = arguments[0]; "
        "return [b.querySelector('img, b') === null, b.textContent];", stale[0]["html"])
    assert box[0] and EVIL in box[1] and "13700000000" not in browser.page_source
    Select(browser.find_element(By.ID, "coverage-department")).select_by_value("heating")
    assert browser.execute_script(_RED_CELLS) == committed["uncovered"]
    browser.find_element(By.ID, "coverage-no-rider").click()
    assert str(committed["no_rider"]) in browser.find_element(By.ID, "coverage-count").text
    errors = [e for e in browser.get_log("browser") if e["level"] == "SEVERE"]
    assert errors == []


# Viewport loading: above the embed threshold the page fetches /api/v1/members/on-duty.
FETCH_USER = "t_browser_members_fetch"
NEAR, FAR = (131.0031, 45.7711), (130.9512, 45.8034)  # WGS84 lon, lat


def _blank_tile(z: int, x: int, y: int) -> Response:
    out = BytesIO()
    Image.new("RGB", (256, 256), (236, 236, 230)).save(out, "PNG")
    return Response(out.getvalue(), mimetype="image/png")


@pytest.fixture
def fetching_url(engine, tmp_path):
    """The app over (blank, local) GCJ-02 tiles that embeds no member (threshold 0) and
    fetches at most one per viewport."""
    app = create_app({"TESTING": True, "DATABASE_URL": TEST_URL,
                      "MEDIA_DIR": str(tmp_path / "media"), "MEMBER_MAP_EMBED_MAX": 0,
                      "MEMBER_MAP_FETCH_LIMIT": 1, "TILE_URL": "/tiles/{z}/{x}/{y}.png",
                      "TILE_CRS": "gcj02"})
    app.add_url_rule("/tiles/<int:z>/<int:x>/<int:y>.png", "blank_tile", _blank_tile)
    with served(app) as url:
        yield url


@pytest.fixture
def spread(engine):
    """A supervisor, two riders near city hall and one ~5 km away, committed."""
    with Session(engine) as s:
        grid = s.execute(text("SELECT code FROM grids WHERE valid_to IS NULL ORDER BY code "
                              "LIMIT 1")).scalar_one()
        users.create_user(s, FETCH_USER, "supervisor", PASSWORD)
        ids = [_member(s, "rider", [grid], f"近处骑手{i}", 5) for i in range(2)]
        far = _member(s, "rider", [grid], "远处骑手", 5)
        s.execute(text("UPDATE members SET position = ST_SetSRID(ST_MakePoint(:x, :y), 4326) "
                       "WHERE id = :m"), {"x": FAR[0], "y": FAR[1], "m": far})
        s.commit()
    try:
        yield {"near": ids, "far": far}
    finally:
        committed_rows.remove(engine, member_ids=[*ids, far], user_names=[FETCH_USER])


_SHOWN = _FIND_MAP + """
var out = [];
map.eachLayer(function (l) {
  if (l instanceof L.CircleMarker) out.push([l.point[4], l.getLatLng().lng, l.getLatLng().lat]);
});
return out;
"""
_GO = _FIND_MAP + "map.setView([arguments[1], arguments[0]], 17, {animate: false});"


def test_many_members_are_fetched_for_the_viewport_after_a_pan(fetching_url, browser, spread):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    log_in(browser, fetching_url, FETCH_USER, PASSWORD, "/members")
    WebDriverWait(browser, 30).until(lambda d: d.execute_script(
        "const m = document.querySelector('.folium-map');"
        "return !!(m && m.gridgov && m.gridgov.members)"))
    assert "远处骑手" not in browser.page_source  # nothing embedded
    wait = WebDriverWait(browser, 20)
    # the first fetch has answered: the map is set up and fitted, so a pan is the user's own
    wait.until(lambda d: d.find_element(By.ID, "member-fetch-note").text.startswith("已显示"))
    glon, glat = coords.wgs84_to_gcj02(*FAR)
    browser.execute_script(_GO, float(glon), float(glat))
    wait.until(lambda d: [m[0] for m in d.execute_script(_SHOWN)] == [spread["far"]])
    (_, lon, lat), = browser.execute_script(_SHOWN)
    assert abs(lon - glon) < 1e-6 and abs(lat - glat) < 1e-6  # shifted like the tiles
    note = browser.find_element(By.ID, "member-fetch-note")
    assert note.text == "可视范围内 1 人在岗"
    nlon, nlat = coords.wgs84_to_gcj02(*NEAR)
    browser.execute_script(_GO, float(nlon), float(nlat))
    wait.until(lambda d: [m[0] for m in d.execute_script(_SHOWN)] == spread["near"][:1])
    wait.until(lambda d: note.text == "已显示 1 / 共 2 人，请放大查看")
    fetched = browser.execute_script(
        "return performance.getEntriesByType('resource').map(e => e.name)"
        ".filter(n => n.indexOf('/api/v1/members/on-duty?bbox=') >= 0);")
    assert len(fetched) >= 2 and all("limit=1" in u for u in fetched)
    errors = [e for e in browser.get_log("browser") if e["level"] == "SEVERE"]
    assert errors == []
