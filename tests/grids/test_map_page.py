"""The city grid map (/map) and the grid detail page (/grids/<code>) on the demo city."""

from __future__ import annotations

import json
import re

import pytest
import shapely
from shapely.geometry import box, shape
from sqlalchemy import text

from gis import settings
from grids import mapdata, queries, store
from web import create_app
from web.core import maps
from web.grids import maps as city_maps

EVIL = "<script>alert(1)</script>"
EVIL_COMMUNITY = "<img src=x onerror=alert(2)>社区"
_HANDOFF = re.compile(r"\.getContainer\(\)\.gridgov = \{")
_CONFIG = re.compile(r"\bconfig: ")


def handoff(html: str) -> dict:
    """Return the config folium hands the page module (MapHandoff) in a map page."""
    start = _CONFIG.search(html, _HANDOFF.search(html).end()).end()
    return json.JSONDecoder().raw_decode(html, start)[0]


def geojson_layers(client, html: str) -> list[dict]:
    """Return the GeoJSON layers a map page's module loads (grids, districts, rivers, in that
    order, those the page has), fetched from their URLs; each answer must be cacheable."""
    urls = handoff(html)["urls"]
    out = []
    for key in ("grids", "districts", "rivers"):
        if key in urls:
            resp = client.get(urls[key])
            assert resp.status_code == 200 and resp.headers["ETag"], urls[key]
            out.append(resp.get_json())
    return out


def current_codes(session) -> list[str]:
    return list(session.execute(
        text("SELECT code FROM grids WHERE valid_to IS NULL ORDER BY code")).scalars())


@pytest.fixture
def evil_grid(session) -> str:
    """A current grid (and community) whose names are HTML, far from the demo grids."""
    street = session.execute(text("SELECT min(code) FROM streets")).scalar_one()
    community = street + "999"
    store.upsert_communities(session, {community: EVIL_COMMUNITY})
    source = store.new_source(session, "escaping test", synthetic=True)
    code = community + "001"
    geom = box(131.30, 45.95, 131.31, 45.96)
    store.insert_grids(session, [store.GridRow(code=code, name=EVIL, geom=geom)], source)
    session.commit()
    return code


def test_map_loads_every_current_grid_by_url_and_inlines_none(client, session):
    resp = client.get("/map")
    assert resp.status_code == 200
    assert len(resp.data) < 100_000, len(resp.data)  # no layer data in the page
    html = resp.get_data(as_text=True)
    assert "<title>七台河市网格化治理 · 网格地图</title>" in html
    layer = client.get("/api/v1/map/grids")
    assert layer.mimetype == "application/geo+json" and len(layer.data) < 1_000_000
    grids = layer.get_json()["features"]
    codes = current_codes(session)
    assert len(codes) == 824
    assert [f["properties"]["code"] for f in grids] == codes
    assert {f["properties"]["color"] for f in grids} >= {maps.street_colour("230903011")}
    assert handoff(html)["urls"]["grids"] == "/api/v1/map/grids"
    assert "/static/js/grids/map.js" in html and 'type="module"' in html
    assert "preferCanvas\": false" in html
    assert '"coordinates"' not in html


def test_map_has_district_outlines_river_and_chinese_layer_control(client):
    html = client.get("/map").get_data(as_text=True)
    grids, districts, rivers = geojson_layers(client, html)
    assert {f["properties"]["name"] for f in districts["features"]} == {
        "新兴区", "桃山区", "茄子河区", "勃利县"}
    assert [f["properties"]["name"] for f in rivers["features"]] == ["万宝河"]
    assert rivers["features"][0]["geometry"]["type"] == "MultiLineString"
    for label in ("网格", "区县边界", "万宝河"):
        assert json.dumps(label) in html
    assert "L.control.layers(" in html
    assert 'id="grid-search"' in html


def test_map_without_tile_url_has_no_tile_layer(client):
    html = client.get("/map").get_data(as_text=True)
    assert "L.tileLayer" not in html


def test_map_uses_the_configured_tile_url(session_factory):
    url = "https://tiles.example.org/{z}/{x}/{y}.png"
    app = create_app({"TESTING": True, "SESSION_FACTORY": session_factory,
                      "DATABASE_URL": settings.load().test_database_url,
                      "TILE_URL": url, "TILE_ATTRIBUTION": "© 测试底图"})
    html = app.test_client().get("/map").get_data(as_text=True)
    assert "L.tileLayer" in html
    assert json.dumps(url) in html
    assert json.dumps("底图") in html


def test_map_geometry_is_rounded_and_still_tiles_without_gaps(session):
    features = mapdata.map_grids(session)
    coords = json.dumps([f["geometry"] for f in features])
    assert not re.search(r"\.\d{7,}", coords)
    simplified = shapely.union_all([shape(f["geometry"]) for f in features])
    original = shapely.union_all([r["geom"] for r in queries.grid_rows(session)])
    lost = shapely.difference(original, simplified).area / original.area
    assert lost < 1e-3
    assert all(shape(f["geometry"]).is_valid for f in features)


def test_grid_page_shows_hierarchy_attributes_neighbours_and_a_map(client, session):
    code = current_codes(session)[100]
    detail = queries.grid_detail(session, code)
    resp = client.get(f"/grids/{code}")
    assert resp.status_code == 200
    html = resp.get_data(as_text=True)
    for key in ("name", "community_name", "street_name", "district_name", "kind"):
        assert detail[key] in html
    assert detail["neighbours"]
    for n in detail["neighbours"]:
        assert f'href="/grids/{n["code"]}"' in html
    features = geojson_layers(client, html)[0]["features"]
    assert [f["properties"]["code"] for f in features] == [
        code, *(n["code"] for n in detail["neighbours"])]
    assert f'"focus": "{code}"' in html


@pytest.mark.parametrize("code", ["230903011999999", "abc", "2309030110010011"])
def test_unknown_grid_gets_a_chinese_404_page(client, code):
    resp = client.get(f"/grids/{code}")
    assert resp.status_code == 404
    html = resp.get_data(as_text=True)
    assert resp.mimetype == "text/html"
    assert "未找到" in html and "没有编码为" in html


def test_404_page_escapes_the_code_it_echoes(client):
    resp = client.get("/grids/%3Cb%3Ex%3Cb%3E")
    assert resp.status_code == 404
    assert "<b>x<b>" not in resp.get_data(as_text=True)
    assert "&lt;b&gt;x&lt;b&gt;" in resp.get_data(as_text=True)


def test_names_from_data_are_escaped_on_map_and_detail_page(client, evil_grid):
    html = client.get("/map").get_data(as_text=True)
    assert EVIL not in html and "<img src=x" not in html
    resp = client.get("/api/v1/map/grids")  # data as JSON, escaped by the browser code
    assert resp.mimetype == "application/geo+json"
    layer = resp.get_json()
    names = {f["properties"]["code"]: f["properties"]["name"] for f in layer["features"]}
    assert names[evil_grid] == EVIL
    assert layer["lookups"]["communities"][evil_grid[:12]] == EVIL_COMMUNITY
    assert evil_grid in [f["properties"]["code"]
                         for f in geojson_layers(client, html)[0]["features"]]

    page = client.get(f"/grids/{evil_grid}").get_data(as_text=True)
    assert EVIL not in page and "<img src=x" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "&lt;img src=x onerror=alert(2)&gt;社区" in page


def test_map_builders_work_on_plain_data_without_a_database():
    feature = {
        "type": "Feature",
        "geometry": {"type": "Polygon", "coordinates": [[[131, 45.7], [131.01, 45.7],
                                                         [131.01, 45.71], [131, 45.7]]]},
        "properties": {
            "code": "230903011001001", "name": "第1网格", "kind": "基础网格",
            "community_code": "230903011001", "community_name": "一社区",
            "street_code": "230903011", "street_name": "桃东街道",
            "district_code": "230903", "district_name": "桃山区",
            "households": 1, "population": 2, "area_m2": 3.4,
        },
    }
    parts = maps.render_parts(city_maps.city_map(city_maps.CityLayers(grids_url="/g")))
    assert "/static/vendor/leaflet/leaflet.js" in parts.header
    assert ".getContainer().gridgov = {" in parts.script and '"grids": "/g"' in parts.script
    layer = maps.grid_layer([feature])
    assert layer["features"][0]["properties"] == {
        "code": "230903011001001", "name": "第1网格", "kind": "基础网格", "households": 1,
        "population": 2, "area_m2": 3, "color": maps.street_colour("230903011")}
    assert layer["lookups"]["communities"] == {"230903011001": "一社区"}
    street = {"street_code": "230903011", "street_name": "桃东街道", "district_name": "桃山区",
              "grids": 1}
    assert city_maps.street_legend([street]) == [{
        "code": "230903011", "name": "桃东街道", "district_name": "桃山区",
        "color": maps.street_colour("230903011"), "grids": 1}]
    assert maps.street_colour("230903011") != maps.street_colour("230903012")
    assert maps.street_colour("999999999") == maps.street_colour("999999999")


def test_layer_data_is_cacheable_gzipped_and_revalidated_with_304(client):
    for url, public in (("/api/v1/map/grids", True), ("/api/v1/map/districts", True),
                        ("/api/v1/map/rivers", True), ("/report/outlines.json", True),
                        ("/api/v1/stations?per_page=1000", True)):
        first = client.get(url, headers={"Accept-Encoding": "gzip"})
        size = len(client.get(url).data)
        assert first.status_code == 200, url
        assert first.headers.get("Content-Encoding") == ("gzip" if size >= 500 else None), url
        etag = first.headers["ETag"]
        assert etag.startswith('"') and ("public" in first.headers["Cache-Control"]) == public
        again = client.get(url, headers={"Accept-Encoding": "gzip", "If-None-Match": etag})
        assert again.status_code == 304 and again.data == b"" and again.headers["ETag"] == etag
        plain = client.get(url)
        assert plain.status_code == 200 and (plain.headers["ETag"] != etag) == (size >= 500)
        assert client.get(url, headers={"If-None-Match": plain.headers["ETag"]}).status_code \
            == 304
