"""Stations on the public pages: the city map's station layer and /report's station section."""

from __future__ import annotations

import json

from sqlalchemy import text

from gis import settings
from tests.stations.stationpages import (
    CITY_HALL,
    EVIL,
    station_setup,
)
from tests.stations.test_stations import add_station
from web import create_app


def test_city_map_has_a_toggleable_station_layer_with_escaped_data(client, session):
    session.execute(text("UPDATE stations SET active = false"))
    red = add_station(session, EVIL, *CITY_HALL)
    bee = add_station(session, "暖蜂驿站·工会驿站（测试）", CITY_HALL[0] + 0.01, CITY_HALL[1],
                      kind="warm_bee", services=("rest", "legal_advice"))
    session.commit()
    html = client.get("/map").get_data(as_text=True)
    layer, config = station_setup(html)
    assert f"{layer} = L.featureGroup(" in html
    assert f'{json.dumps("红色驿站")} : {layer},' in html  # an overlay of the layer control
    assert '/static/js/grids/map.js"' in html
    features = client.get(config["urls"]["stations"]).get_json()["features"]
    assert [f["id"] for f in features] == [red, bee]
    row = features[1]["properties"]
    assert row["name"] == "暖蜂驿站·工会驿站（测试）"
    assert row["service_labels"] == ["临时休息", "法律咨询"]
    assert [k["label"] for k in config["stationKinds"]] == ["红色驿站", "暖蜂驿站·工会驿站"]
    assert features[1]["geometry"]["coordinates"] == [CITY_HALL[0] + 0.01, CITY_HALL[1]]
    assert EVIL not in html  # data reaches the page as JSON, escaped by the browser code
    assert "驿站（共 2 处" in html


def test_city_map_without_stations_has_no_station_layer(client, session):
    session.execute(text("UPDATE stations SET active = false"))
    session.commit()
    html = client.get("/map").get_data(as_text=True)
    assert '"stations":' not in html and "红色驿站" not in html


def test_stations_are_drawn_in_the_gcj02_datum_over_gcj02_tiles(session_factory, session):
    session.execute(text("UPDATE stations SET active = false"))
    add_station(session, "测试驿站", *CITY_HALL)
    session.commit()
    app = create_app({"TESTING": True, "SESSION_FACTORY": session_factory,
                      "DATABASE_URL": settings.load().test_database_url,
                      "TILE_URL": "https://tiles.example.org/{z}/{x}/{y}.png",
                      "TILE_CRS": "gcj02"})
    client = app.test_client()
    _, config = station_setup(client.get("/map").get_data(as_text=True))
    assert config["datum"] == "gcj02"  # the module draws the WGS84 data shifted (datum.js)
    found = client.get(config["urls"]["stations"]).get_json()["features"]
    assert found[0]["geometry"]["coordinates"] == list(CITY_HALL)


def test_report_page_has_the_station_section_and_its_script(client):
    html = client.get("/report").get_data(as_text=True)
    assert 'data-stations="/api/v1/stations"' in html
    assert "最近的红色驿站" in html and 'id="station-list"' in html
    assert '<script type="module" src="/static/js/report/report.js">' in html
    assert 'from "./stations.js"' in client.get("/static/js/report/report.js").get_data(
        as_text=True)
