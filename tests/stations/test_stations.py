"""红色驿站: the nearest stations ranked in geodesic metres (never 4326 degrees), points in
WGS84/GCJ-02/BD-09, refusals with field errors, the public API and the demo stations."""

from __future__ import annotations

import time

import pytest
from pyproj import Geod
from sqlalchemy import text

from gis.coords import from_wgs84
from gis.errors import Invalid
from layers.demo import stations as demo_stations
from layers.stations import store as stations
from web.demo import cli as cli_demo

# Xinxing's centre, 45.79° N: a degree of longitude is 77.7 km here, one of latitude 111.1 km.
HERE = (130.8821, 45.7922)
EAST = (HERE[0] + 0.0100, HERE[1])  # 0.0100° away, ≈ 776 m
NORTH = (HERE[0], HERE[1] + 0.0080)  # 0.0080° away (nearer in degrees), ≈ 890 m
GEOD = Geod(ellps="WGS84")
SEED = 230900


@pytest.fixture
def only_ours(session):
    """No other active station in the test's transaction (rolled back afterwards)."""
    session.execute(text("UPDATE stations SET active = false"))
    return session


def add_station(session, name: str, lon: float, lat: float, kind: str = "red_station",
                services: tuple[str, ...] = ("rest", "charging", "water"),
                active: bool = True) -> int:
    """Insert one station in the test's transaction; return its id."""
    return session.execute(text(
        "INSERT INTO stations (kind, name, address, services, opening_hours, geom, active) "
        "VALUES (:k, :n, '测试地址', CAST(:s AS varchar[]), '每日 08:00–20:00', "
        "ST_SetSRID(ST_MakePoint(:x, :y), 4326), :a) RETURNING id"),
        {"k": kind, "n": name, "s": list(services), "x": lon, "y": lat, "a": active}).scalar()


def metres(a: tuple[float, float], b: tuple[float, float]) -> float:
    return GEOD.inv(a[0], a[1], b[0], b[1])[2]


def test_nearest_ranks_by_geodesic_metres_where_degrees_pick_the_wrong_station(only_ours):
    east = add_station(only_ours, "东边驿站", *EAST)
    north = add_station(only_ours, "北边驿站", *NORTH)
    by_degrees = only_ours.execute(text(
        "SELECT id FROM stations WHERE active ORDER BY geom <-> ST_SetSRID(ST_MakePoint(:x, :y), "
        "4326) LIMIT 1"), {"x": HERE[0], "y": HERE[1]}).scalar()
    assert by_degrees == north  # the trap: in 4326 degrees the northern one looks nearer

    found = stations.nearest(only_ours, *HERE, "wgs84", limit=2)
    assert [s["id"] for s in found] == [east, north]
    assert metres(HERE, EAST) < metres(HERE, NORTH)
    for s, point in zip(found, (EAST, NORTH), strict=True):
        assert s["distance_m"] == pytest.approx(metres(HERE, point), abs=0.5)
    assert 770 < found[0]["distance_m"] < 780 and 885 < found[1]["distance_m"] < 895


def test_nearest_gives_every_field_and_stays_within_the_limit(only_ours):
    ids = [add_station(only_ours, f"驿站{i}", HERE[0] + 0.001 * i, HERE[1]) for i in range(1, 8)]
    found = stations.nearest(only_ours, *HERE)
    assert [s["id"] for s in found] == ids[:stations.DEFAULT_LIMIT]
    first = found[0]
    assert set(first) >= {"id", "kind", "name", "address", "services", "opening_hours",
                          "grid_code", "lon", "lat", "distance_m"}
    assert first["kind_label"] == "红色驿站"
    assert first["service_labels"] == ["临时休息", "手机充电", "饮水"]
    assert (first["lon"], first["lat"]) == pytest.approx((HERE[0] + 0.001, HERE[1]))
    distances = [s["distance_m"] for s in stations.nearest(only_ours, *HERE, limit=50)]
    assert distances == sorted(distances) and len(distances) == 7


def test_service_filter_and_inactive_stations(only_ours):
    add_station(only_ours, "近但关闭", HERE[0] + 0.001, HERE[1], active=False)
    plain = add_station(only_ours, "只能歇脚", HERE[0] + 0.002, HERE[1], services=("rest",))
    legal = add_station(only_ours, "能咨询", HERE[0] + 0.004, HERE[1],
                        services=("rest", "legal_advice"))
    assert [s["id"] for s in stations.nearest(only_ours, *HERE)] == [plain, legal]
    found = stations.nearest(only_ours, *HERE, service="legal_advice")
    assert [s["id"] for s in found] == [legal]
    assert found[0]["service_labels"] == ["临时休息", "法律咨询"]


@pytest.mark.parametrize("crs", ["gcj02", "bd09"])
def test_points_from_chinese_map_apps_are_converted_first(only_ours, crs):
    at = add_station(only_ours, "就在这里", *HERE)
    lon, lat = from_wgs84(*HERE, crs)
    found = stations.nearest(only_ours, lon, lat, crs, limit=1)
    assert found[0]["id"] == at and found[0]["distance_m"] < 0.5
    shifted = stations.nearest(only_ours, lon, lat, "wgs84", limit=1)[0]["distance_m"]
    assert shifted > 300  # the datum offset itself, were crs ignored


def test_points_outside_the_city_and_bad_values_are_refused_with_field_errors(only_ours):
    with pytest.raises(Invalid) as err:
        stations.nearest(only_ours, 126.6, 45.75)  # Harbin
    assert "outside the city" in err.value.fields["location"]
    with pytest.raises(Invalid) as err:
        stations.nearest(only_ours, HERE[1], HERE[0])  # lat, lon read the other way round
    assert "swapped" in err.value.fields["lat"]
    with pytest.raises(Invalid) as err:
        stations.nearest(only_ours, float("nan"), 91, "mars", limit=0)
    assert set(err.value.fields) == {"lon", "lat", "crs"}
    for kwargs, field in (({"limit": 51}, "limit"), ({"service": "spa"}, "service")):
        with pytest.raises(Invalid) as err:
            stations.nearest(only_ours, *HERE, **kwargs)
        assert field in err.value.fields


def test_nearest_query_can_use_the_partial_geography_index(only_ours):
    only_ours.execute(text("SET LOCAL enable_seqscan = off"))
    plan = "\n".join(only_ours.execute(text("EXPLAIN " + stations._NEAREST.text), {
        "x": HERE[0], "y": HERE[1], "service": None, "limit": 5, "pool": 13}).scalars())
    assert "ix_stations_geog" in plan and "Order By" in plan


def test_api_nearest_is_public_and_ranked(client, only_ours):
    east = add_station(only_ours, "东边驿站", *EAST)
    north = add_station(only_ours, "北边驿站", *NORTH)
    only_ours.commit()
    resp = client.get("/api/v1/stations", query_string={"lon": HERE[0], "lat": HERE[1]})
    assert resp.status_code == 200
    body = resp.get_json()
    assert [s["id"] for s in body["stations"]] == [east, north]
    assert body["point"] == {"lon": HERE[0], "lat": HERE[1], "crs": "wgs84"}
    assert "geodesic" in body["distance"]
    lon, lat = from_wgs84(*EAST, "gcj02")
    body = client.get(f"/api/v1/stations?lon={lon}&lat={lat}&crs=gcj02&limit=1").get_json()
    assert [s["id"] for s in body["stations"]] == [east]
    assert body["stations"][0]["distance_m"] < 0.5
    assert (body["point"]["lon"], body["point"]["lat"]) == pytest.approx(EAST, abs=1e-7)


@pytest.mark.parametrize(("query", "fields"), [
    ("lon=abc&lat=45.79", {"lon"}),
    ("lon=130.88", {"lat"}),
    ("lon=130.88&lat=45.79&limit=0", {"limit"}),
    ("lon=130.88&lat=45.79&limit=51", {"limit"}),
    ("lon=130.88&lat=45.79&limit=2.5", {"limit"}),
    ("lon=130.88&lat=45.79&crs=mars", {"crs"}),
    ("lon=130.88&lat=45.79&service=spa", {"service"}),
    ("lon=NaN&lat=inf", {"lon", "lat"}),
    ("lon=999&lat=45.79", {"lon"}),
    ("lon=126.6&lat=45.75", {"location"}),
    ("per_page=0", {"per_page"}),
])
def test_api_bad_input_gets_422_naming_the_fields(client, query, fields):
    resp = client.get("/api/v1/stations?" + query)
    assert resp.status_code == 422, resp.get_data(as_text=True)
    assert set(resp.get_json()["error"]["fields"]) == fields


def test_api_without_a_point_lists_the_active_stations_as_geojson_pages(client, only_ours):
    ids = [add_station(only_ours, f"驿站{i}", HERE[0] + 0.001 * i, HERE[1]) for i in range(5)]
    add_station(only_ours, "已关闭", *HERE, active=False)
    only_ours.commit()
    resp = client.get("/api/v1/stations?per_page=2&page=2")
    assert resp.status_code == 200 and resp.mimetype == "application/geo+json"
    body = resp.get_json()
    assert body["type"] == "FeatureCollection" and body["total"] == 5
    assert [f["id"] for f in body["features"]] == ids[2:4]
    first = body["features"][0]
    assert first["geometry"] == {"type": "Point", "coordinates": [HERE[0] + 0.002, HERE[1]]}
    assert first["properties"]["name"] == "驿站2"
    legal = client.get("/api/v1/stations?service=legal_advice").get_json()
    assert legal["total"] == 0 and legal["features"] == []


def _demo_rows(session) -> list[dict]:
    return [dict(r) for r in session.execute(text(
        "SELECT s.kind, s.name, s.address, s.services, s.opening_hours, s.grid_code, "
        "ST_X(s.geom) AS lon, ST_Y(s.geom) AS lat, (SELECT min(g.code) FROM grids g WHERE "
        "g.valid_to IS NULL AND ST_Covers(g.geom, s.geom)) AS covering FROM stations s "
        "ORDER BY s.id")).mappings()]


def test_demo_stations_132_red_and_2_warm_bee_spread_over_the_communities(session):
    session.execute(text("DELETE FROM stations"))
    started = time.perf_counter()
    assert demo_stations.load(session, seed=SEED) == 134
    elapsed = time.perf_counter() - started
    rows = _demo_rows(session)
    assert sum(r["kind"] == "red_station" for r in rows) == 132
    warm = [r for r in rows if r["kind"] == "warm_bee"]
    assert len(warm) == 2 and all(r["name"].startswith("暖蜂驿站·工会驿站") for r in warm)
    assert all("红色驿站" in r["name"] for r in rows if r["kind"] == "red_station")
    assert len({r["name"] for r in rows}) == 134
    assert all(r["grid_code"] and r["grid_code"] == r["covering"] for r in rows)
    communities = session.execute(text("SELECT count(*) FROM communities c WHERE EXISTS ("
                                       "SELECT 1 FROM grids g WHERE g.valid_to IS NULL AND "
                                       "g.community_code = c.code)")).scalar()
    assert len({r["grid_code"][:12] for r in rows}) == communities
    for r in rows:
        assert set(demo_stations.ALWAYS) <= set(r["services"]) <= set(stations.SERVICES)
        assert r["opening_hours"] and "网格，" in r["address"]
        assert r["address"].startswith(("新兴区", "桃山区", "茄子河区", "勃利县"))
        community = r["name"].split("社区")[0] + "社区"
        assert r["kind"] == "warm_bee" or community in r["address"]
    assert any("legal_advice" in r["services"] for r in rows)
    assert elapsed < 5.0
    session.execute(text("DELETE FROM stations"))
    demo_stations.load(session, seed=SEED)
    assert _demo_rows(session) == rows  # deterministic for a seed


def test_demo_load_adds_stations_only_when_there_are_none(session, capsys):
    session.execute(text("DELETE FROM stations"))
    cli_demo._stations(session, SEED)
    assert "134 stations added" in capsys.readouterr().out
    cli_demo._stations(session, SEED)
    assert capsys.readouterr().out == ""
    assert session.execute(text("SELECT count(*) FROM stations")).scalar() == 134
