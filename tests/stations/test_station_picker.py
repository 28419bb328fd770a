"""驿站管理 form's map picker: the scope, the other stations, GCJ-02 tiles."""

from __future__ import annotations

import re

from gis import settings
from tests.stations.stationpages import EVIL, PICKER_JS, log_in, picker, put_station
from web import create_app


def test_the_form_has_a_map_picker_with_the_scope_and_the_other_stations(client, session,
                                                                          area):
    grid, other_grid = area["grids"]
    sid = put_station(session, EVIL, grid, area["points"][grid])
    other = put_station(session, "同社区另一驿站", other_grid, area["points"][other_grid])
    log_in(client, session, "community_staff", area["community"])
    html = client.get(f"/stations/{sid}/edit").get_data(as_text=True)
    attrs, config = picker(html)
    assert attrs == {"outlines": "/report/outlines.json", "locate": "/api/v1/locate",
                     "tile-url": "", "tile-attribution": "", "datum": "wgs84",
                     "scope": area["community"],
                     "label": EVIL}
    drawn = [f["id"] for f in client.get(config["stations"]).get_json()["features"]
             if f["id"] != int(config["exclude"])]
    assert int(config["exclude"]) == sid and other in drawn and sid not in drawn  # sid: the pin
    assert config["gridUrl"] == "/grids/__code__" and config["kinds"][0]["label"] == "红色驿站"
    assert "蓝色为您管辖范围内的网格" in html and 'id="lon"' in html and 'id="lat"' in html
    scripts = [s for s in re.findall(r'<script (?:type="module" )?src="([^"]+)"', html)
               if s in PICKER_JS]
    assert scripts == PICKER_JS  # Leaflet (classic), then the page module
    assert '/static/vendor/leaflet/leaflet.css"' in html and '/static/css/map.css"' in html
    assert EVIL not in html and not re.search(r"(?:https?:)?//", html)
    attrs, config = picker(client.get("/stations/new").get_data(as_text=True))
    assert attrs["label"] == "新驿站位置" and config["exclude"] == ""
    features = client.get(config["stations"]).get_json()["features"]
    names = {f["id"]: f["properties"]["name"] for f in features}
    assert {sid, other} <= set(names) and names[sid] == EVIL  # data, escaped by the browser


def test_the_map_picker_draws_and_picks_in_gcj02_over_gcj02_tiles(session_factory, session,
                                                                  area):
    grid = area["grids"][0]
    put_station(session, "测试驿站", grid, area["points"][grid])
    tiles = "https://tiles.example.org/{z}/{x}/{y}.png"
    app = create_app({"TESTING": True, "SESSION_FACTORY": session_factory,
                      "DATABASE_URL": settings.load().test_database_url, "TILE_URL": tiles,
                      "TILE_ATTRIBUTION": "测试底图", "TILE_CRS": "gcj02"})
    client = app.test_client()
    log_in(client, session, "admin")
    html = client.get("/stations/new").get_data(as_text=True)
    attrs, config = picker(html)
    assert (attrs["datum"], attrs["tile-url"], attrs["scope"]) == ("gcj02", tiles, "")
    found = client.get(config["stations"]).get_json()["features"]  # WGS84; the page shifts
    assert [f["geometry"]["coordinates"] for f in found if f["properties"]["name"] == "测试驿站"
            ] == [list(area["points"][grid])]
    assert set(re.findall(r"https?://[^\s\"'<>]+", html)) == {tiles}
    assert "管辖范围内的网格" not in html  # a city-wide admin: every grid alike
