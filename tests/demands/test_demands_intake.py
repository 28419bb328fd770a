"""Taking in demands: grid, code, deadline, duplicates, idempotency, validation, privacy."""

import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text

from gis import coords
from layers.access.actors import RESIDENT
from layers.demands import store as demands
from layers.demands.fields import check_new_demand
from layers.workcal import TZ

CITY_HALL = {"lon": 131.0031, "lat": 45.7711}


def _post(client, **fields):
    body = {"title": "暖气不热", "category": "1001", **CITY_HALL, **fields}
    return client.post("/api/v1/demands", json=body)


def _count(session):
    return session.execute(text("SELECT count(*) FROM demands")).scalar()


def test_anonymous_resident_files_a_demand_with_grid_code_and_deadline(client):
    r = _post(client, reporter_name="王女士", reporter_phone="13812341234")
    assert r.status_code == 201
    body = r.get_json()
    assert re.fullmatch(r"QTH-\d{8}-\d{4}", body["code"])
    assert body["grid_code"] == "230903016002004" or len(body["grid_code"]) == 15
    assert body["state"] == "received" and body["follow_token"]
    created = datetime.fromisoformat(body["created_at"])
    assert datetime.fromisoformat(body["deadline"]) - created == timedelta(hours=24)
    assert "reporter_phone" not in body and "reporter_name" not in body


def test_codes_count_up_within_the_local_day(session):
    now = datetime(2026, 11, 27, 17, 0, tzinfo=UTC)  # 01:00 on the 28th in Shanghai
    data = check_new_demand({"title": "停水", "category": "1101", **CITY_HALL})
    a = demands.create_demand(session, data, RESIDENT, now=now)
    b = demands.create_demand(session, check_new_demand(
        {"title": "停电", "category": "1201", **CITY_HALL}), RESIDENT, now=now)
    assert a["code"].startswith("QTH-20261128-")
    assert int(b["code"][-4:]) == int(a["code"][-4:]) + 1


def test_gcj02_location_is_converted_before_locating(client, session):
    glon, glat = coords.wgs84_to_gcj02(CITY_HALL["lon"], CITY_HALL["lat"])
    body = _post(client, lon=glon, lat=glat, crs="gcj02").get_json()
    wgs = _post(client, category="1002").get_json()
    assert body["grid_code"] == wgs["grid_code"]
    assert abs(body["lon"] - CITY_HALL["lon"]) < 1e-5
    row = session.execute(text("SELECT input_crs, input_lon FROM demands WHERE code = :c"),
                          {"c": body["code"]}).one()
    assert row.input_crs == "gcj02" and abs(row.input_lon - glon) < 1e-9


def test_grid_code_alone_places_the_demand_in_that_grid(client):
    body = client.post("/api/v1/demands", json={
        "title": "垃圾清运", "category": "0103", "grid_code": "230902031001002"}).get_json()
    assert body["grid_code"] == "230902031001002"


def test_working_day_limit_skips_the_weekend(session):
    friday = datetime(2026, 11, 27, 2, 0, tzinfo=UTC)  # Fri 10:00 in Shanghai
    data = check_new_demand({"title": "道路破损", "category": "1401", **CITY_HALL})
    out = demands.create_demand(session, data, RESIDENT, now=friday)
    due = out["deadline"].astimezone(TZ)
    assert due.date().isoformat() == "2026-12-08" and due.hour == 10  # 7 working days


def test_same_problem_nearby_joins_the_open_original(client):
    first = _post(client).get_json()
    again = _post(client, lon=CITY_HALL["lon"] + 0.0002).get_json()  # ≈ 16 m east
    assert again["joined"] == first["code"] and again["state"] == "merged"
    detail = client.get(f"/api/v1/demands/{first['code']}").get_json()
    assert detail["joined_residents"] == 1
    far = _post(client, lon=CITY_HALL["lon"] + 0.002).get_json()  # ≈ 155 m
    other_class = _post(client, category="1002").get_json()
    assert "joined" not in far and "joined" not in other_class


def test_duplicate_radius_is_geodesic_metres_east_and_north(session):
    """At 45.8° N a degree of longitude is ≈ 77.6 km and one of latitude ≈ 111.1 km: 48 m
    east or north joins, 53 m does not, whichever way the offset points."""
    from pyproj import Geod

    geod, now = Geod(ellps="WGS84"), datetime.now(UTC)
    base = demands.create_demand(session, check_new_demand(
        {"title": "噪音", "category": "0403", **CITY_HALL}), RESIDENT, now=now)
    for azimuth in (0, 90, 180, 270):
        for metres, joins in ((48, True), (53, False)):
            lon, lat, _ = geod.fwd(CITY_HALL["lon"], CITY_HALL["lat"], azimuth, metres)
            out = demands.create_demand(session, check_new_demand(
                {"title": "噪音", "category": "0403", "lon": lon, "lat": lat}), RESIDENT,
                now=now)
            assert out.get("joined") == (base["code"] if joins else None), (azimuth, metres)
            if not joins:  # keep later offsets' nearest original the first one
                session.execute(text("UPDATE demands SET state = 'closed' WHERE code = :c"),
                                {"c": out["code"]})


def test_retried_post_with_idempotency_key_creates_nothing_new(client, session):
    body = {"title": "停水", "category": "1101", **CITY_HALL}
    headers = {"Idempotency-Key": "phone-42-retry"}
    first = client.post("/api/v1/demands", json=body, headers=headers)
    before = _count(session)
    second = client.post("/api/v1/demands", json=body, headers=headers)
    assert second.status_code == first.status_code == 201
    assert second.get_json()["code"] == first.get_json()["code"]
    assert _count(session) == before
    reused = client.post("/api/v1/demands", json={**body, "title": "别的"}, headers=headers)
    assert reused.status_code == 409 and _count(session) == before


@pytest.mark.parametrize("body,field", [
    ({"category": "1001", **CITY_HALL}, "title"),
    ({"title": "x", **CITY_HALL}, "category"),
    ({"title": "x", "category": "1001"}, "location"),
    ({"title": "x", "category": "1001", "lon": "abc", "lat": 45.7}, "location"),
    ({"title": "x", "category": "1001", "lon": 131.0, "lat": 45.7, "crs": "utm"}, "location"),
    ({"title": "x", "category": "1001", "lon": 131.6, "lat": 46.1}, "location"),
    ({"title": "x", "category": "1001", "grid_code": "123"}, "grid_code"),
    ({"title": "x", "category": "1001", "grid_code": "230903011001999"}, "grid_code"),
    ({"title": "x" * 201, "category": "1001", **CITY_HALL}, "title"),
    ({"title": 5, "category": "1001", **CITY_HALL}, "title"),
    ({"title": "x", "category": "1001", "source": "tv", **CITY_HALL}, "source"),
    ({"title": "x", "category": "1001", "reporter_phone": "call me", **CITY_HALL},
     "reporter_phone"),
])
def test_bad_fields_get_422_naming_the_field_and_write_nothing(client, session, body, field):
    before = _count(session)
    r = client.post("/api/v1/demands", json=body)
    assert r.status_code == 422, r.get_json()
    assert field in r.get_json()["error"]["fields"]
    assert _count(session) == before


@pytest.mark.parametrize("category", ["01", "9999", "abc"])
def test_unknown_or_big_class_category_is_refused(client, session, category):
    before = _count(session)
    r = _post(client, category=category)
    assert r.status_code == 400 and r.get_json()["error"]["code"] == "unknown_category"
    assert _count(session) == before


def test_malformed_json_and_non_object_bodies_are_refused(client):
    r = client.post("/api/v1/demands", data="{not json", content_type="application/json")
    assert r.status_code == 422
    assert client.post("/api/v1/demands", json=[1, 2]).status_code == 422


def test_multipart_part_without_a_name_is_ignored(client, session):
    before = _count(session)
    body = ('--x\r\nContent-Disposition: form-data\r\n\r\nhello\r\n'
            '--x\r\nContent-Disposition: form-data; name="title"\r\n\r\n暖气不热\r\n--x--\r\n')
    r = client.post("/api/v1/demands", data=body.encode(),
                    content_type="multipart/form-data; boundary=x")
    assert r.status_code == 422 and set(r.get_json()["error"]["fields"]) == {"category",
                                                                             "location"}
    assert _count(session) == before


def test_public_never_sees_personal_data_staff_see_masked_phone(client, staff):
    code = _post(client, reporter_name="李先生", reporter_phone="13912345678").get_json()["code"]
    public = client.get(f"/api/v1/demands/{code}").get_json()
    assert "reporter_phone" not in public and "李先生" not in str(public)
    listing = client.get("/api/v1/demands").get_json()
    assert "13912345678" not in str(listing) and "李先生" not in str(listing)
    _, leader = staff("leader")
    masked = client.get(f"/api/v1/demands/{code}", headers=leader).get_json()
    assert masked["reporter_phone"] == "139****5678"
    _, dispatcher = staff("dispatcher")
    full = client.get(f"/api/v1/demands/{code}", headers=dispatcher).get_json()
    assert full["reporter_phone"] == "13912345678"


def test_reading_personal_data_is_audited(client, session, staff):
    code = _post(client, reporter_phone="13912345678").get_json()["code"]
    user, dispatcher = staff("dispatcher")
    client.get(f"/api/v1/demands/{code}", headers=dispatcher)
    logged = session.execute(text(
        "SELECT count(*) FROM audit_log WHERE user_id = :u AND subject = :c "
        "AND action = 'read_personal_data'"), {"u": user.id, "c": code}).scalar()
    assert logged == 1


def test_list_filters_and_paging(client):
    codes = [_post(client, category=c).get_json()["code"] for c in ("1101", "1201", "1401")]
    body = client.get("/api/v1/demands?category=1201&district=230903").get_json()
    assert codes[1] in [f["id"] for f in body["features"]]
    assert all(f["properties"]["category_code"] == "1201" for f in body["features"])
    page = client.get("/api/v1/demands?per_page=2&page=1").get_json()
    assert len(page["features"]) == 2 and page["total"] >= 3
    for q in ["state=lost", "per_page=0", "per_page=501", "from=yesterday", "overdue=maybe",
              "source=tv", "category=abc", "district=12"]:
        assert client.get(f"/api/v1/demands?{q}").status_code == 400, q
