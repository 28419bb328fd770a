"""Stations on the public pages: the city map's station layer and /report's station section."""

from __future__ import annotations

import json

from sqlalchemy import text

from gis import settings
from gis.coords import wgs84_to_gcj02
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
    assert '/static/js/stations/stationmap.js"' in html
    assert [p[3] for p in config["points"]] == [red, bee]
    row = config["points"][1]
    assert row[4] == "暖蜂驿站·工会驿站（测试）" and row[6] == ["临时休息", "法律咨询"]
    assert [k["label"] for k in config["kinds"]] == ["红色驿站", "暖蜂驿站·工会驿站"]
    assert row[:2] == [CITY_HALL[0] + 0.01, CITY_HALL[1]]
    assert EVIL not in html  # data reaches the page as JSON, escaped by the browser code
    assert "驿站（共 2 处" in html


def test_city_map_without_stations_has_no_station_layer(client, session):
    session.execute(text("UPDATE stations SET active = false"))
    session.commit()
    html = client.get("/map").get_data(as_text=True)
    assert "StationMap.setup" not in html and "stationmap.js" not in html


def test_stations_are_drawn_in_the_gcj02_datum_over_gcj02_tiles(session_factory, session):
    session.execute(text("UPDATE stations SET active = false"))
    add_station(session, "测试驿站", *CITY_HALL)
    session.commit()
    app = create_app({"TESTING": True, "SESSION_FACTORY": session_factory,
                      "DATABASE_URL": settings.load().test_database_url,
                      "TILE_URL": "https://tiles.example.org/{z}/{x}/{y}.png",
                      "TILE_CRS": "gcj02"})
    _, config = station_setup(app.test_client().get("/map").get_data(as_text=True))
    lon, lat = wgs84_to_gcj02(*CITY_HALL)
    assert config["points"][0][:2] == [round(lon, 6), round(lat, 6)]


def test_report_page_has_the_station_section_and_its_script(client):
    html = client.get("/report").get_data(as_text=True)
    assert 'data-stations="/api/v1/stations"' in html
    assert "最近的红色驿站" in html and 'id="station-list"' in html
    assert html.index("js/report/stations.js") < html.index("js/report/report.js")
