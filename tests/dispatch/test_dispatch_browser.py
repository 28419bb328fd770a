"""The dispatcher's page in a real browser (headless Chromium): log in, pick a demand with the
keyboard, see candidate lines, assign with a click and with a reason; the queue empties."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from layers.access import users
from layers.access.actors import RESIDENT
from layers.demands import store as demands
from layers.demands.fields import check_new_demand
from tests import committed as committed_rows
from tests import factories
from tests.browser import grid_point, log_in, needs_browser

USER, PASSWORD = "t_browser_dispatcher", "browser-pass-123"
EVIL = "<img src=x onerror=alert(1)>暖气<script>alert(2)</script>"
REASON = "责任人员均在抢修，就近支援"
# degrees east of the demand (≈ 233, 467, 700 m): three members responsible for its grid
OFFSETS = (0.0030, 0.0060, 0.0090)

pytestmark = needs_browser


def _member(s: Session, lon: float, lat: float, grid: str | None) -> int:
    return factories.member(s, "professional", f"测试供热{lon:.4f}", [grid] if grid else [],
                            (lon, lat), department_code="heating", on_duty=True)


@pytest.fixture
def committed(engine):
    """A dispatcher, two waiting heating demands in one grid, three responsible members
    nearby and one far away (not responsible); all removed afterwards."""
    codes: list[str] = []
    member_ids: list[int] = []
    try:
        with Session(engine) as s:
            users.create_user(s, USER, "dispatcher", PASSWORD)
            lon, lat, grid = grid_point(s)
            for category, title in (("1001", EVIL), ("1002", "暖气漏水")):
                body = {"title": title, "category": category, "lon": lon, "lat": lat}
                codes.append(demands.create_demand(s, check_new_demand(body), RESIDENT)["code"])
            member_ids += [_member(s, lon + dx, lat, grid) for dx in OFFSETS]
            member_ids.append(_member(s, lon + 0.04, lat + 0.01, None))
            s.commit()
        yield codes, member_ids
    finally:
        committed_rows.remove(engine, codes, member_ids, [USER])


def _state(engine, code: str) -> tuple:
    with engine.connect() as conn:
        return conn.execute(text(
            "SELECT d.state, d.assignee_member_id, e.note, e.payload->>'override' FROM demands d "
            "LEFT JOIN demand_events e ON e.demand_id = d.id AND e.action = 'dispatch' "
            "WHERE d.code = :c"), {"c": code}).one()


def _login(browser, live_url: str) -> None:
    log_in(browser, live_url, USER, PASSWORD, "/dispatch")


def _press(browser, *keys: str) -> None:
    from selenium.webdriver.common.action_chains import ActionChains

    ActionChains(browser).send_keys(*keys).perform()


def _focused_code(browser) -> str | None:
    return browser.execute_script(
        "return document.activeElement && document.activeElement.getAttribute('data-code')")


def _select_with_keyboard(browser, code: str) -> None:
    """Move down the queue with j until `code` has the focus, then open it with Enter."""
    from selenium.webdriver.common.keys import Keys

    for _ in range(20):
        _press(browser, "j")
        if _focused_code(browser) == code:
            break
    assert _focused_code(browser) == code
    _press(browser, Keys.ENTER)


def _queue_codes(browser) -> list[str]:
    return browser.execute_script(
        "return [...document.querySelectorAll('.queue-item')].map(b => b.dataset.code)")


def _candidates_drawn_and_escaped(browser, wait) -> None:
    """Four candidates are drawn with lines and distances in metres, the grid is outlined,
    and the demand's text (EVIL) is shown as text in the detail and the queue."""
    from selenium.webdriver.common.by import By

    wait.until(lambda d: len(d.find_elements(By.CSS_SELECTOR, "path.cand-line")) == 4)
    labels = [e.get_attribute("textContent")
              for e in browser.find_elements(By.CSS_SELECTOR, ".distance-label")]
    assert len(labels) == 4 and all(t.endswith("米") for t in labels)
    assert browser.find_elements(By.CSS_SELECTOR, "path.selected-grid")
    detail = browser.find_element(By.ID, "demand-detail")
    assert EVIL in detail.text and not detail.find_elements(By.CSS_SELECTOR, "img, script")
    assert not browser.find_elements(By.CSS_SELECTOR, "#queue-list img, #queue-list script")


def test_dispatcher_assigns_from_the_queue_with_keyboard_and_click(
        live_url, browser, engine, committed):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support.ui import WebDriverWait

    (first, second), members = committed
    _login(browser, live_url)
    wait = WebDriverWait(browser, 30)
    wait.until(lambda d: d.current_url.endswith("/dispatch"))
    wait.until(lambda d: first in _queue_codes(d) and second in _queue_codes(d))
    assert browser.title == "七台河市网格化治理 · 派单调度"

    _select_with_keyboard(browser, first)
    _candidates_drawn_and_escaped(browser, wait)

    browser.find_element(By.CSS_SELECTOR, "#candidate-1 .candidate-assign").click()
    wait.until(lambda d: first not in _queue_codes(d))
    assert _state(engine, first)[:2] == ("dispatched", members[0])
    assert "已派单" in browser.find_element(By.ID, "dispatch-message").text

    # the second demand, to the far member (not responsible): 4, a, reason, Enter
    _select_with_keyboard(browser, second)
    wait.until(lambda d: len(d.find_elements(By.CSS_SELECTOR, "path.cand-line")) == 4)
    _press(browser, "4")
    _press(browser, "a")
    note = wait.until(lambda d: d.find_element(By.ID, "note-input"))
    wait.until(lambda d: note.is_displayed())
    note.send_keys(REASON, Keys.ENTER)
    wait.until(lambda d: second not in _queue_codes(d))
    assert _state(engine, second) == ("dispatched", members[3], REASON, "true")

    _press(browser, "?")
    assert browser.find_element(By.ID, "help-dialog").is_displayed()
    resources = browser.execute_script(
        "return performance.getEntriesByType('resource').map(e => e.name)")
    assert all(r.startswith(live_url + "/") for r in resources), resources
    errors = [e for e in browser.get_log("browser") if e["level"] == "SEVERE"]
    assert errors == []
