"""The grid API: collection with filters and simplification, one grid with neighbours."""

import shapely
from shapely.geometry import shape
from sqlalchemy import text


def _count(session, prefix):
    return session.execute(text(
        "SELECT count(*) FROM grids WHERE valid_to IS NULL AND code LIKE :p"),
        {"p": prefix + "%"}).scalar()


def test_all_current_grids_as_geojson(client):
    r = client.get("/api/v1/grids")
    assert r.status_code == 200 and r.mimetype == "application/geo+json"
    body = r.get_json()
    assert body["type"] == "FeatureCollection" and len(body["features"]) == 824
    props = body["features"][0]["properties"]
    assert {"code", "name", "kind", "community_name", "street_name", "district_name",
            "area_m2", "households", "population"} <= set(props)


def test_filters_by_district_street_and_community(client, session):
    for param, code in [("district", "230904"), ("street", "230902035"),
                        ("community", "230903011002")]:
        body = client.get(f"/api/v1/grids?{param}={code}").get_json()
        assert len(body["features"]) == _count(session, code) > 0
        assert all(f["id"].startswith(code) for f in body["features"])


def test_bbox_returns_only_grids_touching_it(client):
    body = client.get("/api/v1/grids?bbox=131.00,45.77,131.01,45.775").get_json()
    box = shapely.box(131.00, 45.77, 131.01, 45.775)
    assert 0 < len(body["features"]) < 60
    assert all(shape(f["geometry"]).envelope.intersects(box) for f in body["features"])


def test_simplify_keeps_the_tiling_and_drops_vertices(client):
    full = client.get("/api/v1/grids?street=230903013").get_json()["features"]
    simple = client.get("/api/v1/grids?street=230903013&simplify=20").get_json()["features"]
    count = lambda fs: sum(shapely.get_num_coordinates(shape(f["geometry"])) for f in fs)  # noqa
    assert count(simple) < count(full)
    geoms = [shape(f["geometry"]) for f in simple]
    union_area = shapely.union_all(geoms).area
    assert abs(sum(g.area for g in geoms) - union_area) < 1e-9


def test_one_grid_with_hierarchy_and_symmetric_neighbours(client):
    body = client.get("/api/v1/grids/230903011001001").get_json()
    props = body["properties"]
    assert props["street_code"] == "230903011" and props["district_name"] == "桃山区"
    assert props["neighbours"]
    first = props["neighbours"][0]["code"]
    back = client.get(f"/api/v1/grids/{first}").get_json()["properties"]["neighbours"]
    assert "230903011001001" in [n["code"] for n in back]


def test_unknown_and_malformed_grid_codes_are_404_json(client):
    for code in ["230903011001999", "abc", "2309030110010011", "%25"]:
        r = client.get(f"/api/v1/grids/{code}")
        assert r.status_code == 404
        assert r.get_json()["error"]["code"] == "grid_not_found"


def test_bad_filters_are_400(client):
    for q in ["district=2309", "street=23090301x", "bbox=1,2,3", "bbox=131,45,130,46",
              "bbox=a,b,c,d", "simplify=-1", "simplify=nan", "district=230903&street=230902031",
              "community=230903011001&district=230904"]:
        r = client.get(f"/api/v1/grids?{q}")
        assert r.status_code == 400, q
        assert r.get_json()["error"]["message"], q


def test_district_outlines_are_the_union_of_their_grids(client, session):
    body = client.get("/api/v1/districts/outlines").get_json()
    by_code = {f["id"]: f for f in body["features"]}
    assert set(by_code) == {"230902", "230903", "230904", "230921"}
    taoshan = by_code["230903"]
    assert taoshan["properties"]["grids"] == _count(session, "230903")
    outline = shape(taoshan["geometry"])
    grids = client.get("/api/v1/grids?district=230903").get_json()["features"]
    assert outline.is_valid
    assert abs(outline.area - sum(shape(f["geometry"]).area for f in grids)) < 1e-9
