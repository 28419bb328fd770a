"""The staff demand layer on /map in a real browser (headless Chromium): a community's staff
open the map on their scope with its figures, see their demands as dots whose popups link to
the demand, filter by state; residents get the public map without it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text, update
from sqlalchemy.orm import Session

from layers.access import users
from layers.demands.tables import DEMANDS
from tests import committed as committed_rows
from tests import factories
from tests.browser import log_in, needs_browser

USER, PASSWORD = "t_browser_demand_map", "browser-pass-123"
pytestmark = needs_browser

_DOTS = """
var ctx = document.querySelector('.folium-map').gridgov, out = [];
var layer = ctx.layers.demands;
if (!layer) return out;
layer.eachLayer(function (l) {
  if (l instanceof L.CircleMarker) out.push({late: l.options.weight === 3,
    html: l.getPopup() ? l.getPopup().getContent()() : ''});
});
return out;
"""


@pytest.fixture
def committed(engine):
    """Community staff of one community; two demands in it (one dispatched and overdue) and
    one in another street, committed (the browser reads through another connection)."""
    with Session(engine) as s:
        grid, other = s.execute(text(
            "SELECT min(code) FILTER (WHERE code LIKE '230903016%'), "
            "min(code) FILTER (WHERE code LIKE '230902031%') FROM grids "
            "WHERE valid_to IS NULL")).one()
        codes = [factories.demand(s, grid, "0102")["code"],
                 factories.demand(s, grid, "0103")["code"],
                 factories.demand(s, other, "0102")["code"]]
        s.execute(update(DEMANDS).where(DEMANDS.c.code == codes[1]).values(
            state="dispatched", deadline=datetime.now(UTC) - timedelta(hours=3)))
        users.create_user(s, USER, "community_staff", PASSWORD, scope_code=grid[:12])
        s.commit()
    try:
        yield codes
    finally:
        committed_rows.remove(engine, codes=codes, user_names=[USER])


def _figures(browser) -> str:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(browser, 30).until(
        lambda d: "未结案" in d.find_element(By.ID, "demand-figures").text
        and d.find_element(By.ID, "demand-figures").text)


def _dots(browser, count: int) -> list[dict]:
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(browser, 30).until(
        lambda d: len(d.execute_script(_DOTS)) == count and d.execute_script(_DOTS))


def test_staff_open_the_map_on_their_scope_with_figures_and_dots(live_url, browser, committed):
    log_in(browser, live_url, USER, PASSWORD, "/map")
    figures = _figures(browser).split()
    assert figures[1:3] == ["2", "未结案"] and figures[3:5] == ["1", "超期"]
    dots = _dots(browser, 2)
    late = [d for d in dots if d["late"]]
    assert len(late) == 1 and committed[1] in late[0]["html"] and "超期" in late[0]["html"]
    assert f'href="/staff/demands/{committed[0]}"' in "".join(d["html"] for d in dots)
    assert committed[2] not in browser.page_source + "".join(d["html"] for d in dots)
    zoom = browser.execute_script("return document.querySelector('.folium-map')"
                                  ".gridgov.map.getZoom()")
    assert zoom >= 14  # opened on the community, not the city
    errors = [e for e in browser.get_log("browser") if e["level"] == "SEVERE"]
    assert errors == []


def test_the_state_filter_redraws_the_layer(live_url, browser, committed):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    log_in(browser, live_url, USER, PASSWORD, "/map")
    _figures(browser)
    _dots(browser, 2)
    Select(browser.find_element(By.NAME, "state")).select_by_value("in_hand")
    dots = _dots(browser, 1)
    assert committed[1] in dots[0]["html"]


def test_residents_get_the_public_map_without_demands(live_url, browser):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    browser.get(live_url + "/map")
    WebDriverWait(browser, 30).until(lambda d: d.execute_script(
        "var c = document.querySelector('.folium-map'); return c && c.gridgov "
        "&& Object.keys(c.gridgov.layers).length > 0"))
    assert not browser.find_elements(By.ID, "map-demands")
    assert "/api/v1/demands/map" not in browser.page_source
