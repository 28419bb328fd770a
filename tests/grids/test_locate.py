"""Locate: inside, on a boundary, outside, swapped, GCJ-02 and BD-09, bad input; in bulk."""

import numpy as np
import pytest
import shapely
from sqlalchemy import text

from gis import coords
from grids.locate import GridIndex, locate

CITY_HALL = (131.0031, 45.7711)


def _interior_point(session, code):
    wkb = session.execute(
        text("SELECT ST_AsBinary(ST_PointOnSurface(geom)) FROM grids "
             "WHERE code = :c AND valid_to IS NULL"), {"c": code}
    ).scalar_one()
    p = shapely.from_wkb(bytes(wkb))
    return p.x, p.y


def _shared_boundary_point(session):
    """A vertex two or more grids share, and the codes of every grid covering it."""
    wkb = session.execute(text(
        "SELECT ST_AsBinary(p.geom) FROM grids a, ST_DumpPoints(a.geom) AS p "
        "JOIN grids b ON b.valid_to IS NULL AND ST_Covers(b.geom, p.geom) "
        "WHERE a.valid_to IS NULL AND a.code = '230903011001001' AND b.code <> a.code "
        "LIMIT 1")).scalar_one()
    point = shapely.from_wkb(bytes(wkb))
    codes = session.execute(text(
        "SELECT code FROM grids WHERE valid_to IS NULL AND ST_Covers(geom, "
        "ST_GeomFromWKB(:w, 4326)) ORDER BY code"), {"w": bytes(wkb)}).scalars().all()
    return (point.x, point.y), codes


def test_point_inside_resolves_to_its_grid_and_hierarchy(client):
    body = client.get("/api/v1/locate?lon=131.0031&lat=45.7711").get_json()
    assert body["district_code"] == "230903" and body["district_name"] == "桃山区"
    assert body["grid_code"].startswith(body["community_code"])
    assert body["community_code"].startswith(body["street_code"])
    assert len(body["grid_code"]) == 15


def test_locate_function_and_api_agree_for_interior_points(session, client):
    code = "230902031001001"
    lon, lat = _interior_point(session, code)
    assert locate(session, lon, lat).grid_code == code
    assert client.get(f"/api/v1/locate?lon={lon}&lat={lat}").get_json()["grid_code"] == code


def test_point_on_shared_boundary_resolves_to_one_grid_every_time(session, client):
    (lon, lat), covering = _shared_boundary_point(session)
    assert len(covering) >= 2
    low = covering[0]
    answers = {client.get(f"/api/v1/locate?lon={lon}&lat={lat}").get_json()["grid_code"]
               for _ in range(5)}
    assert answers == {low}
    index = GridIndex.load(session)
    assert index.locate_many(np.array([lon]), np.array([lat]))[0] == low


def test_point_outside_every_grid_is_404(client):
    r = client.get("/api/v1/locate?lon=131.6&lat=46.1")
    assert r.status_code == 404
    assert r.get_json()["error"]["code"] == "outside_grids"


def test_swapped_lon_lat_is_refused_saying_they_are_swapped(client):
    r = client.get("/api/v1/locate?lon=45.7711&lat=131.0031")
    assert r.status_code == 400
    assert r.get_json()["error"]["code"] == "swapped_lon_lat"
    assert "写反" in r.get_json()["error"]["message"]


def test_out_of_range_point_not_in_city_either_way_is_plain_400(client):
    r = client.get("/api/v1/locate?lon=10&lat=120")
    assert r.status_code == 400 and r.get_json()["error"]["code"] == "out_of_range"


def test_point_outside_grids_whose_swap_is_inside_gets_404_saying_so(session):
    """Both readings valid: the 404 names the swap (a test grid where lon≈lat makes it possible)."""
    from gis.errors import NotFound
    from grids import store

    square = shapely.box(45.65, 45.5, 46.0, 45.62)  # covers (45.7, 45.6), not (45.6, 45.7)
    source = store.new_source(session, "test", synthetic=True)
    store.insert_grids(session, [store.GridRow("230903011001099", "测试网格", square)], source)
    assert locate(session, 45.7, 45.6).grid_code == "230903011001099"
    with pytest.raises(NotFound) as err:
        locate(session, 45.6, 46.2)
    assert err.value.code == "outside_grids"
    with pytest.raises(NotFound) as err:
        locate(session, 45.6, 45.7)
    assert err.value.code == "swapped_lon_lat" and "写反" in str(err.value)


def test_gcj02_point_from_a_phone_lands_in_the_same_grid(session, client):
    lon, lat = _interior_point(session, "230903013001002")
    glon, glat = coords.wgs84_to_gcj02(lon, lat)
    body = client.get(f"/api/v1/locate?lon={glon}&lat={glat}&crs=gcj02").get_json()
    assert body["grid_code"] == "230903013001002"
    assert abs(body["point"]["lon"] - lon) < 1e-5 and abs(body["point"]["lat"] - lat) < 1e-5
    raw = client.get(f"/api/v1/locate?lon={glon}&lat={glat}").get_json()
    assert raw.get("grid_code") != "230903013001002"  # unconverted, it is ~600 m off


def test_bd09_point_lands_in_the_same_grid(session, client):
    lon, lat = _interior_point(session, "230904001001001")
    blon, blat = coords.wgs84_to_bd09(lon, lat)
    body = client.get(f"/api/v1/locate?lon={blon}&lat={blat}&crs=bd09").get_json()
    assert body["grid_code"] == "230904001001001"


@pytest.mark.parametrize(
    "query,code",
    [
        ("lat=45.7", "missing_parameter"),
        ("lon=131&lat=", "missing_parameter"),
        ("lon=abc&lat=45.7", "not_a_number"),
        ("lon=nan&lat=45.7", "not_finite"),
        ("lon=inf&lat=45.7", "not_finite"),
        ("lon=-infinity&lat=45.7", "not_finite"),
        ("lon=181&lat=45.7", "out_of_range"),
        ("lon=131&lat=-91", "out_of_range"),
        ("lon=131&lat=45.7&crs=epsg3857", "bad_crs"),
        ("lon=1e400&lat=45", "not_finite"),
    ],
)
def test_bad_locate_input_is_400_with_a_clear_code(client, query, code):
    r = client.get(f"/api/v1/locate?{query}")
    assert r.status_code == 400
    assert r.get_json()["error"]["code"] == code
    assert r.get_json()["error"]["message"]


def test_locate_many_matches_postgis_for_random_points(session):
    rng = np.random.default_rng(7)
    lons, lats = rng.uniform(130.95, 131.06, 300), rng.uniform(45.74, 45.80, 300)
    got = GridIndex.load(session).locate_many(lons, lats)
    for lon, lat, code in zip(lons, lats, got, strict=True):
        row = session.execute(text(
            "SELECT code FROM grids WHERE valid_to IS NULL AND ST_Covers(geom, "
            "ST_SetSRID(ST_MakePoint(:x, :y), 4326)) ORDER BY code LIMIT 1"),
            {"x": lon, "y": lat}).scalar()
        assert code == row
    assert sum(c is not None for c in got) > 100
