"""The leaders' hotspot map (/leaders): set up by folium with the two hotspot layers and
their URLs, filled in the browser from the hotspot APIs; leaders only."""

from __future__ import annotations

from sqlalchemy import text

from layers.access import roles
from tests.browser import log_in, needs_browser
from tests.pages import log_in as page_log_in


def test_the_page_sets_up_both_layers_with_their_urls(client, session):
    page_log_in(client, session, roles.LEADER)
    html = client.get("/leaders/").get_data(as_text=True)
    assert '"\\u70ed\\u70b9\\uff08Gi*\\uff09"' in html  # 热点（Gi*） in the layer control
    assert "/api/v1/hotspots" in html and "/api/v1/hotspots/emerging" in html
    assert 'src="/static/js/leaders/hotspots.js"' in html


def test_grid_workers_are_refused(client, session):
    page_log_in(client, session, roles.GRID_WORKER, "230903011001")
    assert client.get("/leaders/").status_code == 403


@needs_browser
def test_the_browser_draws_every_grid_and_the_legend(live_url, browser, browser_leader,
                                                     engine):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    log_in(browser, live_url, *browser_leader, "/leaders/")
    count = "var n = 0; document.querySelector('.folium-map').gridgov.groups.hotspots" \
            ".eachLayer(function (g) { g.eachLayer(function () { n++; }); }); return n;"
    wait = WebDriverWait(browser, 40)
    wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, "#hotspot-legend div"))
    with engine.connect() as conn:
        grids = conn.execute(text("SELECT count(*) FROM grids WHERE valid_to IS NULL")).scalar()
    assert browser.execute_script(count) == grids
    assert "无显著聚集" in browser.find_element(By.ID, "hotspot-legend").text
    assert [e for e in browser.get_log("browser") if e["level"] == "SEVERE"] == []
