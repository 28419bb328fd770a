"""The member map (网格力量) in a real browser (headless Chromium): members drawn per kind,
stale ones greyed, names escaped in popups, coverage gaps highlighted on the grids."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from layers import users
from tests import committed as committed_rows
from tests.browser import needs_browser

USER, PASSWORD = "t_browser_members", "browser-pass-123"
EVIL = "<img src=x onerror=alert(1)>王<b>x</b>"

pytestmark = needs_browser


def _member(s: Session, kind: str, grids: list[str], name: str, minutes: float,
            department: str | None = None) -> int:
    mid = s.execute(text(
        "INSERT INTO members (kind, name, phone, department_code, on_duty, position, "
        "position_at) VALUES (:k, :n, '13700000000', :d, true, "
        "ST_SetSRID(ST_MakePoint(131.0031, 45.7711), 4326), :at) RETURNING id"),
        {"k": kind, "n": name, "d": department,
         "at": datetime.now(UTC) - timedelta(minutes=minutes)}).scalar_one()
    s.execute(text("INSERT INTO member_grids VALUES (:m, :g)"), [{"m": mid, "g": g}
                                                                  for g in grids])
    return mid


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

    browser.get(live_url + "/login?next=/members")
    browser.find_element(By.ID, "name").send_keys(USER)
    browser.find_element(By.ID, "password").send_keys(PASSWORD)
    browser.find_element(By.CSS_SELECTOR, "form [type=submit]").click()
    WebDriverWait(browser, 30).until(lambda d: d.execute_script("return !!window.MemberMap"))
    markers = browser.execute_script(_MARKERS)
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
