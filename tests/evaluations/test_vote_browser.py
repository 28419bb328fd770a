"""A resident votes with a ballot code on a 360×740 phone (headless Chromium): enter the
code → score every dimension with big buttons → submit once → the code is spent."""

from __future__ import annotations

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as seen
from selenium.webdriver.support.ui import WebDriverWait
from sqlalchemy import text
from sqlalchemy.orm import Session

from gis import settings
from tests.browser import needs_browser, phone_chromium, served
from tests.evaluations import rows
from tests.evaluations.rows import COMMUNITY, DIMS
from web import create_app

pytestmark = needs_browser


@pytest.fixture
def ballot(engine):
    """A committed open round of 桃东街道 and one code for 康宁社区; removed afterwards."""
    with Session(engine) as s:
        round_id = rows.community_round(s, period="2019Q2")
        [code] = rows.codes(s, round_id)
        s.commit()
    yield round_id, code
    rows.remove_round(engine, round_id)


@pytest.fixture
def phone(engine, tmp_path):
    """The app served on loopback and a phone-sized Chromium; yields (driver, base URL)."""
    app = create_app({"TESTING": True, "DATABASE_URL": settings.load().test_database_url})
    with served(app) as url, phone_chromium(tmp_path / "profile") as driver:
        yield driver, url


def _enter_code(driver, base: str, code: str) -> None:
    driver.get(f"{base}/evaluate")
    driver.find_element(By.ID, "code").send_keys(code.replace("-", "").lower())
    driver.find_element(By.ID, "open-code").click()
    WebDriverWait(driver, 10).until(seen.presence_of_element_located((By.ID, "ballot-title")))


def _tap(driver, element) -> None:
    """Scroll `element` to the middle at once (Bootstrap scrolls smoothly) and tap it."""
    driver.execute_script(
        "arguments[0].scrollIntoView({block: 'center', behavior: 'instant'})", element)
    element.click()


def _score_all(driver, score: int) -> list[float]:
    """Tap `score` on every dimension; return the tapped buttons' heights (CSS px)."""
    heights = []
    for dim in DIMS:
        label = driver.find_element(By.CSS_SELECTOR, f"label[for='m-{COMMUNITY}-{dim}-{score}']")
        _tap(driver, label)
        heights.append(label.rect["height"])
    return heights


def _fits_the_screen(driver) -> bool:
    return driver.execute_script(
        "return document.documentElement.scrollWidth <= window.innerWidth")


def test_a_resident_votes_with_a_code_on_a_phone(engine, ballot, phone, tmp_path):
    round_id, code = ballot
    driver, base = phone
    _enter_code(driver, base, code)
    assert "康宁社区" in driver.page_source and _fits_the_screen(driver)
    driver.save_screenshot(str(tmp_path / "vote-form.png"))  # looked at while writing it
    assert min(_score_all(driver, 4)) >= 48  # big tap targets
    _tap(driver, driver.find_element(By.ID, "submit-vote"))
    done = WebDriverWait(driver, 10).until(seen.presence_of_element_located((By.ID, "vote-done")))
    assert "感谢您的评议" in done.text
    driver.get(f"{base}/evaluate")  # the same code once more
    driver.find_element(By.ID, "code").send_keys(code)
    driver.find_element(By.ID, "open-code").click()
    refusal = WebDriverWait(driver, 10).until(
        seen.presence_of_element_located((By.ID, "vote-error")))
    assert "只能投一次" in refusal.text
    with engine.connect() as conn:
        scores = conn.execute(text(
            "SELECT array_agg(sc.score) FROM evaluation_scores sc JOIN evaluation_sheets sh "
            "ON sh.id = sc.sheet_id WHERE sh.round_id = :r"), {"r": round_id}).scalar()
    assert scores == [4] * len(DIMS)
