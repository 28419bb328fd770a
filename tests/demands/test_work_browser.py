"""The closed loop on a 360×740 phone (headless Chromium): a grid worker signs and resolves
with a photo (and their location), heating staff return an order with a reason, a community
coordinator verifies and closes, the resident rates on the follow page, and the public board
shows the before and after photos."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from gis import settings
from layers.access import users
from layers.access.actors import RESIDENT, for_user
from layers.demands import photo_files, photos, transitions
from tests import committed as committed_rows
from tests.browser import log_in, needs_browser, phone_chromium, served
from tests.demands.loop import jpeg, places
from web import create_app

PASSWORD = "browser-pass-123"
WORKER, HEATING, COORD, DISPATCHER = ("t_wb_worker", "t_wb_heating", "t_wb_coord",
                                      "t_wb_dispatcher")
REASON = "不属本公司管网，应由物业处理"

pytestmark = needs_browser


@pytest.fixture
def live(engine, tmp_path):
    """The app served on loopback over the committed test database, photos under tmp_path."""
    media = tmp_path / "media"
    app = create_app({"TESTING": True, "DATABASE_URL": settings.load().test_database_url,
                      "MEDIA_DIR": str(media)})
    with served(app) as url:
        yield url, media


@pytest.fixture
def phone(tmp_path):
    """A headless Chromium the size of a small phone."""
    with phone_chromium(tmp_path / "profile") as driver:
        yield driver


def _file(s: Session, media: Path, grid: str, category: str, title: str) -> dict:
    """File a resident's demand with a 'before' photo; return it (with follow_token)."""
    with photo_files.staged(media) as store:
        body = {"title": title, "category": category, "grid_code": grid}
        return photos.create_demand_with_photos(s, store, body, [jpeg()], RESIDENT)


@pytest.fixture
def loop(engine, live):
    """Four logins; a rubbish demand sent to the grid worker, a heating one to the heating
    company, both with a before photo; all removed afterwards."""
    codes: list[str] = []
    try:
        with Session(engine) as s:
            community, grids, _ = places(s)
            worker = users.create_user(s, WORKER, "grid_worker", PASSWORD, scope_code=grids[0])
            users.create_user(s, HEATING, "department_staff", PASSWORD, department_code="heating")
            users.create_user(s, COORD, "community_staff", PASSWORD, scope_code=community)
            disp = for_user(users.create_user(s, DISPATCHER, "dispatcher", PASSWORD))
            rubbish = _file(s, live[1], grids[0], "0103", "楼道口垃圾堆放")
            heat = _file(s, live[1], grids[1], "1001", "暖气不热")
            codes += [rubbish["code"], heat["code"]]
            for d, to in ((rubbish, {"user": worker.id}), (heat, {"department": "heating"})):
                transitions.apply(s, d["code"], "dispatch", disp, {"to": to, "note": "派单"})
            s.commit()
        yield {"rubbish": rubbish, "heat": heat, "community": community, "grid": grids[0]}
    finally:
        committed_rows.remove(engine, codes, (), [WORKER, HEATING, COORD, DISPATCHER])


def _row(engine, code: str) -> dict:
    with engine.connect() as conn:
        return dict(conn.execute(text(
            "SELECT d.state, d.rating_satisfaction, d.rating_solved, "
            "(SELECT e.note FROM demand_events e WHERE e.demand_id = d.id ORDER BY e.id DESC "
            "LIMIT 1) AS note, (SELECT ST_AsText(e.geom) FROM demand_events e WHERE "
            "e.demand_id = d.id AND e.action = 'resolve') AS resolved_at_point "
            "FROM demands d WHERE d.code = :c"), {"c": code}).mappings().one())


def _wait(driver, until, seconds: float = 30):
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(driver, seconds).until(until)


def _card(driver, code: str):
    from selenium.webdriver.common.by import By

    return _wait(driver, lambda d: d.find_element(By.ID, f"card-{code}"))


def _tap(element) -> None:
    """Scroll `element` to the middle of the phone's screen and tap it; near the foot of a
    short page the emulated 740 px viewport cannot scroll it into Chromium's 900 px window's
    reach, and it is then clicked through the DOM."""
    from selenium.common.exceptions import ElementClickInterceptedException

    driver = element.parent
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", element)
    try:
        element.click()
    except ElementClickInterceptedException:
        driver.execute_script("arguments[0].click()", element)


def _open_panel(card, action: str):
    """Open the <details> of an action on a card; return its form."""
    from selenium.webdriver.common.by import By

    _tap(card.find_element(By.CSS_SELECTOR, f'[data-panel="{action}"] > summary'))
    return card.find_element(By.CSS_SELECTOR, f'form[data-action="{action}"]')


def _as(driver, base: str, name: str, page: str) -> None:
    driver.delete_all_cookies()
    log_in(driver, base, name, PASSWORD, page)
    _wait(driver, lambda d: d.current_url.endswith(page))


def _worker_signs_and_resolves(driver, base, engine, loop, photo: str) -> None:
    from selenium.webdriver.common.by import By

    code = loop["rubbish"]["code"]
    _as(driver, base, WORKER, "/work")
    _tap(_card(driver, code).find_element(By.CSS_SELECTOR, 'form[data-action="sign"] button'))
    _wait(driver, lambda d: _row(engine, code)["state"] == "signed")
    form = _open_panel(_card(driver, code), "resolve")
    form.find_element(By.NAME, "photos").send_keys(photo)
    _tap(form.find_element(By.CSS_SELECTOR, "button[type=submit]"))  # no note yet
    error = form.find_element(By.CSS_SELECTOR, '[data-error-for="note"]')
    _wait(driver, lambda d: error.is_displayed() and "说明" in error.text)
    assert _row(engine, code)["state"] == "signed"
    form.find_element(By.NAME, "note").send_keys("已清运，楼道已清扫")
    _tap(form.find_element(By.CSS_SELECTOR, "button[type=submit]"))
    _wait(driver, lambda d: _row(engine, code)["state"] == "resolved")
    _wait(driver, lambda d: "已办结" in d.find_element(By.ID, "action-message").text)
    assert _row(engine, code)["resolved_at_point"].startswith("POINT(")


def _department_returns(driver, base, engine, loop) -> None:
    from selenium.webdriver.common.by import By

    code = loop["heat"]["code"]
    _as(driver, base, HEATING, "/work")
    form = _open_panel(_card(driver, code), "return")
    form.find_element(By.NAME, "note").send_keys(REASON)
    _tap(form.find_element(By.CSS_SELECTOR, "button[type=submit]"))
    _wait(driver, lambda d: _row(engine, code)["state"] == "received")
    _wait(driver, lambda d: not d.find_elements(By.ID, f"card-{code}"))
    assert _row(engine, code)["note"] == REASON


def _coordinator_verifies_and_closes(driver, base, engine, loop) -> None:
    from selenium.webdriver.common.by import By

    code = loop["rubbish"]["code"]
    _as(driver, base, COORD, "/work/verification")
    _tap(_card(driver, code).find_element(By.CSS_SELECTOR,
                                          'form[data-action="verify"] button'))
    _wait(driver, lambda d: _row(engine, code)["state"] == "verified")
    driver.get(f"{base}/staff/demands/{code}")
    assert driver.find_elements(By.CSS_SELECTOR, '.photo-group[data-kind="after"] img')
    _tap(_wait(driver, lambda d: d.find_element(
        By.CSS_SELECTOR, 'form[data-action="close"] button')))
    _wait(driver, lambda d: _row(engine, code)["state"] == "closed")
    _wait(driver, lambda d: d.find_element(By.ID, "demand-state").text == "已结案")


def _resident_rates(driver, base, engine, loop) -> None:
    from selenium.webdriver.common.by import By

    d = loop["rubbish"]
    driver.delete_all_cookies()
    driver.get(f"{base}/report/follow/{d['code']}?token={d['follow_token']}")
    assert len(driver.find_elements(By.CSS_SELECTOR, ".follow-photos img")) == 2
    form = driver.find_element(By.CSS_SELECTOR, 'form[data-action="rate"]')
    _tap(form.find_element(By.CSS_SELECTOR, "button[type=submit]"))  # nothing chosen
    error = form.find_element(By.CSS_SELECTOR, '[data-error-for="satisfaction"]')
    _wait(driver, lambda _: error.is_displayed() and "满意程度" in error.text)
    _tap(form.find_element(By.CSS_SELECTOR, 'input[name="solved"][value="true"]'))
    _tap(form.find_element(By.CSS_SELECTOR, 'input[name="satisfaction"][value="satisfied"]'))
    _tap(form.find_element(By.CSS_SELECTOR, "button[type=submit]"))
    _wait(driver, lambda _: _row(engine, d["code"])["rating_satisfaction"] == "satisfied")
    _wait(driver, lambda dr: dr.find_elements(By.ID, "my-rating"))
    assert _row(engine, d["code"])["rating_solved"] is True
    assert not driver.find_elements(By.CSS_SELECTOR, 'form[data-action="rate"]')


def _board_shows_before_and_after(driver, base, loop) -> None:
    from selenium.webdriver.common.by import By

    code = loop["rubbish"]["code"]
    driver.get(f"{base}/board/{loop['community']}")
    shown = _wait(driver, lambda d: [
        img.get_attribute("alt") for img in d.find_elements(By.CSS_SELECTOR, "img.board-thumb")
        if img.is_displayed() and img.get_attribute("alt").startswith(code)])
    assert sorted(a.split("（")[0] for a in shown) == [f"{code} 整改前照片", f"{code} 整改后照片"]


def _location(driver, base: str, engine, grid: str) -> None:
    with engine.connect() as conn:
        lon, lat = conn.execute(text(
            "SELECT ST_X(p), ST_Y(p) FROM (SELECT ST_PointOnSurface(geom) p FROM grids "
            "WHERE code = :g AND valid_to IS NULL) g"), {"g": grid}).one()
    driver.execute_cdp_cmd("Browser.grantPermissions",
                           {"origin": base, "permissions": ["geolocation"]})
    driver.execute_cdp_cmd("Emulation.setGeolocationOverride",
                           {"latitude": lat, "longitude": lon, "accuracy": 10})


def test_the_loop_is_closed_on_a_phone_by_the_people_it_is_for(live, phone, engine, loop,
                                                               tmp_path):
    base = live[0]
    photo = tmp_path / "after.jpg"
    photo.write_bytes(jpeg((30, 160, 60)))
    _location(phone, base, engine, loop["grid"])
    _worker_signs_and_resolves(phone, base, engine, loop, str(photo))
    _department_returns(phone, base, engine, loop)
    _coordinator_verifies_and_closes(phone, base, engine, loop)
    _resident_rates(phone, base, engine, loop)
    _board_shows_before_and_after(phone, base, loop)
    errors = [e["message"] for e in phone.get_log("browser") if e["level"] == "SEVERE"]
    assert [m for m in errors if "status of 422" not in m] == []  # the refused bad inputs
