"""Shared pieces of the browser tests: serving an app on loopback and a headless Chromium."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from flask import Flask
from werkzeug.serving import make_server

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")

needs_browser = pytest.mark.skipif(
    not (CHROMIUM.exists() and CHROMEDRIVER.exists()),
    reason="headless browser test needs /usr/bin/chromium and /usr/bin/chromedriver",
)


@contextmanager
def served(app: Flask, threaded: bool = True) -> Iterator[str]:
    """Serve `app` on 127.0.0.1:<free port>; yield its base URL; stop it afterwards."""
    server = make_server("127.0.0.1", 0, app, threaded=threaded)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)


@contextmanager
def chromium(profile: Path, width: int = 1280, height: int = 900):
    """Yield a headless Chromium driven by the system chromedriver (nothing is downloaded)."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for arg in (
        "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--no-first-run", f"--window-size={width},{height}", f"--user-data-dir={profile}",
    ):
        options.add_argument(arg)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(executable_path=str(CHROMEDRIVER)), options=options)
    driver.set_page_load_timeout(60)
    try:
        yield driver
    finally:
        driver.quit()


@contextmanager
def phone_chromium(profile: Path):
    """Yield a headless Chromium with a small phone's 360 × 740 CSS px viewport (headless
    windows are at least 500 px wide, so the viewport is emulated)."""
    with chromium(profile, 360, 740) as driver:
        driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {
            "width": 360, "height": 740, "deviceScaleFactor": 2, "mobile": True})
        yield driver


def log_in(browser, base: str, name: str, password: str, then: str) -> None:
    """Log `name` in through the login page of the app at `base`, landing on `then`."""
    from selenium.webdriver.common.by import By

    browser.get(f"{base}/login?next={then}")
    browser.find_element(By.ID, "name").send_keys(name)
    browser.find_element(By.ID, "password").send_keys(password)
    browser.find_element(By.CSS_SELECTOR, "form [type=submit]").click()


def grid_point(session, prefix: str = "230903011") -> tuple[float, float, str]:
    """Return (lon, lat, grid code) of a point inside the first current grid under `prefix`."""
    from sqlalchemy import text

    return tuple(session.execute(text(
        "SELECT ST_X(p), ST_Y(p), code FROM (SELECT ST_PointOnSurface(geom) AS p, code "
        "FROM grids WHERE valid_to IS NULL AND code LIKE :prefix ORDER BY code LIMIT 1) g"),
        {"prefix": prefix + "%"}).one())
