"""GRIDGOV_TILE_CRS: the datum of the basemap tiles (wgs84 or gcj02) reaches the /report page's
map-tap fallback when tiles are shown (data-datum; without tiles the map stays WGS84); any other
value stops the app at creation with an error naming the variable."""

from __future__ import annotations

import re

import pytest

from gis import settings
from tests.conftest import TEST_URL
from web import create_app


def _app(session_factory, **extra):
    return create_app({"TESTING": True, "SESSION_FACTORY": session_factory,
                       "DATABASE_URL": TEST_URL, **extra})


def _tile_crs(app) -> str:
    html = app.test_client().get("/report").get_data(as_text=True)
    return re.search(r'data-datum="([^"]*)"', html).group(1)


@pytest.mark.parametrize("value", ["bd09", "epsg:3857", "gcj-02", "wgs84 gcj02"])
def test_an_unknown_tile_crs_stops_the_app_naming_the_variable(monkeypatch, session_factory,
                                                               value):
    monkeypatch.setenv("GRIDGOV_TILE_CRS", value)
    with pytest.raises(settings.SettingsError) as err:
        _app(session_factory)
    message = str(err.value)
    assert "GRIDGOV_TILE_CRS" in message and repr(value) in message
    assert "wgs84" in message and "gcj02" in message


def test_gcj02_tiles_reach_the_report_page(monkeypatch, session_factory):
    monkeypatch.setenv("GRIDGOV_TILE_CRS", " GCJ02 ")
    monkeypatch.setenv("GRIDGOV_TILE_URL", "/tiles/{z}/{x}/{y}.png")
    app = _app(session_factory)
    assert settings.load().tile_crs == " GCJ02 " and app.config["TILE_CRS"] == "gcj02"
    assert _tile_crs(app) == "gcj02"


def test_tile_crs_defaults_to_wgs84(monkeypatch, session_factory):
    monkeypatch.delenv("GRIDGOV_TILE_CRS", raising=False)
    assert _tile_crs(_app(session_factory)) == "wgs84"
    monkeypatch.setenv("GRIDGOV_TILE_CRS", "")
    assert _tile_crs(_app(session_factory)) == "wgs84"


def test_a_tile_crs_given_in_the_test_config_is_checked_too(session_factory):
    with pytest.raises(settings.SettingsError, match="GRIDGOV_TILE_CRS"):
        _app(session_factory, TILE_CRS="bd09")
    assert _tile_crs(_app(session_factory, TILE_CRS="gcj02", TILE_URL="/t/{z}/{x}/{y}.png")) \
        == "gcj02"
    assert _tile_crs(_app(session_factory, TILE_CRS="gcj02")) == "wgs84"  # no tiles shown
