"""The grid map drawn by a real browser (headless Chromium), served from the committed demo city."""

from __future__ import annotations

from tests.browser import needs_browser

pytestmark = needs_browser


EVIL = "<img src=x onerror=alert(1)><script>alert(2)</script>"
_RENDER_EVIL_POPUP = """
const [evil, done] = arguments;
import('/static/js/lib/gridmap.js').then((GridMap) => {
  const p = {code: "230903011999001", name: evil, kind: evil};
  const box = document.createElement("div");
  box.innerHTML = GridMap.popupHtml(p) + GridMap.tooltipHtml(p);
  done([box.querySelector("img, script") === null,
        box.querySelector(".grid-popup-title").textContent,
        box.querySelector("strong").textContent]);
});
"""


def _count_cells(driver) -> int:
    return driver.execute_script("return document.querySelectorAll('path.grid-cell').length")


def _search(browser, code: str):
    """Type a grid code into the search box, take the first result, return its popup."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    browser.find_element(By.ID, "grid-search").send_keys(code)
    results = WebDriverWait(browser, 10).until(
        lambda d: d.find_elements(By.CSS_SELECTOR, "#grid-search-results button"))
    assert code in results[0].text
    results[0].click()
    return WebDriverWait(browser, 10).until(
        lambda d: [p for p in d.find_elements(By.CSS_SELECTOR,
                                              ".leaflet-popup-content .grid-popup")
                   if code in p.text])[0]


def test_map_draws_every_grid_and_finds_one_by_code(live_url, browser, engine):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    with engine.connect() as conn:
        expected = conn.exec_driver_sql(
            "SELECT count(*) FROM grids WHERE valid_to IS NULL").scalar_one()
        code, name = conn.exec_driver_sql(
            "SELECT code, name FROM grids WHERE valid_to IS NULL ORDER BY code LIMIT 1 OFFSET 400"
        ).one()
    browser.get(live_url + "/map")
    WebDriverWait(browser, 30).until(lambda d: _count_cells(d) >= expected)
    assert expected == 824
    assert _count_cells(browser) == expected
    assert browser.title == "七台河市网格化治理 · 网格地图"

    popup = _search(browser, code)
    assert name in popup.text
    link = popup.find_element(By.TAG_NAME, "a").get_attribute("href")
    assert link == f"{live_url}/grids/{code}"

    assert browser.execute_async_script(_RENDER_EVIL_POPUP, EVIL) == [True, EVIL, EVIL]
    resources = browser.execute_script(
        "return performance.getEntriesByType('resource').map(e => e.name)")
    assert resources and all(r.startswith(live_url + "/") for r in resources), resources
    errors = [e for e in browser.get_log("browser") if e["level"] == "SEVERE"]
    assert errors == []

    browser.get(link)
    WebDriverWait(browser, 30).until(lambda d: _count_cells(d) > 1)
    assert browser.find_element(By.TAG_NAME, "h1").text.startswith(name)
    neighbours = browser.find_elements(By.CSS_SELECTOR, "ul.neighbours li")
    assert _count_cells(browser) == 1 + len(neighbours)
