"""Open311 GeoReport v2: posting requests, keys, formats and errors."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import pytest
import requests
from georeport import GeoReport
from sqlalchemy import text

from layers.open311 import post as open311_post
from layers.open311 import requests as open311
from tests.open311.georeport import CITY_HALL, GRID, _form_post, _new


def test_plain_http_form_post_creates_a_demand_readable_over_open311(server, session, api_key):
    status, raw = _form_post(f"{server}/requests.json", _new(
        api_key, first_name="张", phone="13812345678", email="z@example.cn",
        address_string="桃山区某小区 3 号楼"))
    assert status == 200
    created = json.loads(raw)
    assert len(created) == 1 and created[0]["account_id"] is None
    code = created[0]["service_request_id"]
    assert "24 小时" in created[0]["service_notice"]
    one = GeoReport(server).get_service_request(code)
    assert one["description"] == "五楼暖气片不热，已持续两天" and one["status"] == "open"
    assert one["address"] == "桃山区某小区 3 号楼" and one["service_code"] == "1001"
    row = session.execute(text("SELECT reporter_name, reporter_phone, source, title FROM "
                                "demands WHERE code = :c"), {"c": code}).one()
    assert tuple(row) == ("张", "13812345678", "other", "五楼暖气片不热，已持续两天")


def test_reporter_name_and_phone_never_appear_in_open311_output(server, api_key, demos):
    status, raw = _form_post(f"{server}/requests.json",
                             _new(api_key, first_name="张", phone="13812345678"))
    code = json.loads(raw)[0]["service_request_id"]
    outputs = [raw]
    for path in (f"requests/{code}", f"requests/{demos['open']['code']}", "requests"):
        for fmt in ("json", "xml"):
            outputs.append(requests.get(f"{server}/{path}.{fmt}", timeout=10).content)
    for out in outputs:
        text_out = out.decode()
        for secret in ("张", "13812345678", "王女士", "13812341234", "reporter"):
            assert secret not in text_out


def test_post_through_a_client_library_session_and_in_xml(server, api_key):
    client = GeoReport(server, api_key=api_key)
    r = requests.post(f"{client.root_address}/requests.xml", timeout=10,
                      data=_new(client.api_key, service_code="0103", long=131.01,
                                description="楼下垃圾 <三天> 没人清 & 有异味"))
    assert r.status_code == 200 and r.headers["Content-Type"].startswith("text/xml")
    code = ET.fromstring(r.content).find("request/service_request_id").text
    one = GeoReport(server, output_format="xml").get_service_request(code)
    assert one["description"] == "楼下垃圾 <三天> 没人清 & 有异味"
    assert one["status"] == "open" and one["expected_datetime"].endswith("+08:00")


def test_post_by_grid_code_as_address_id(server, api_key):
    fields = _new(api_key, service_code="0103", address_id=GRID)
    del fields["lat"], fields["long"]
    status, raw = _form_post(f"{server}/requests.json", fields)
    code = json.loads(raw)[0]["service_request_id"]
    assert status == 200 and GeoReport(server).get_service_request(code)["address_id"] == GRID


@pytest.mark.parametrize("key", [None, "", "not-a-key"])
def test_post_without_a_valid_api_key_is_403_and_writes_nothing(server, session, key):
    before = session.execute(text("SELECT count(*) FROM demands")).scalar()
    fields = _new(key or "")
    if key is None:
        del fields["api_key"]
    status, raw = _form_post(f"{server}/requests.json", fields)
    body = json.loads(raw)
    assert status == 403 and body[0]["code"] == 403 and "api_key" in body[0]["description"]
    assert session.execute(text("SELECT count(*) FROM demands")).scalar() == before


def test_revoked_key_is_refused(server, session, api_key):
    assert open311_post.revoke_keys(session, "测试客户端") == 1
    session.commit()
    assert _form_post(f"{server}/requests.json", _new(api_key))[0] == 403


@pytest.mark.parametrize(("change", "mentions"), [
    ({"service_code": ""}, "service_code"),
    ({"service_code": "9999"}, "9999"),
    ({"service_code": "01"}, "小类"),
    ({"lat": "", "long": ""}, "location"),
    ({"lat": "", "long": "", "address_string": "某小区"}, "address_string"),
    ({"long": ""}, "long"),
    ({"lat": "10.0", "long": "10.0"}, "lat/long"),
    ({"lat": "abc"}, "lat"),
    ({"address_id": "123", "lat": "", "long": ""}, "address_id"),
    ({"phone": "not a phone"}, "phone"),
    ({"crs": "utm"}, "utm"),
])
def test_bad_posts_are_400_with_a_description(server, session, api_key, change, mentions):
    before = session.execute(text("SELECT count(*) FROM demands")).scalar()
    status, raw = _form_post(f"{server}/requests.json", {**_new(api_key), **change})
    body = json.loads(raw)
    assert status == 400 and body[0]["code"] == 400 and mentions in body[0]["description"]
    assert session.execute(text("SELECT count(*) FROM demands")).scalar() == before


def test_gcj02_extension_converts_before_locating(server, api_key):
    from gis import coords

    glon, glat = coords.wgs84_to_gcj02(CITY_HALL["lon"], CITY_HALL["lat"])
    status, raw = _form_post(f"{server}/requests.json",
                             _new(api_key, lat=glat, long=glon, crs="gcj02"))
    code = json.loads(raw)[0]["service_request_id"]
    one = GeoReport(server).get_service_request(code)
    assert status == 200 and abs(one["long"] - CITY_HALL["lon"]) < 1e-5


def test_xml_variants_parse_with_the_spec_root_elements(server, demos):
    roots = {"discovery": "discovery", "services": "services", "services/1001":
             "service_definition", "requests": "service_requests",
             f"requests/{demos['open']['code']}": "service_requests",
             "services/9999": "errors"}
    for path, root in roots.items():
        r = requests.get(f"{server}/{path}.xml", timeout=10)
        doc = ET.fromstring(r.content)
        assert doc.tag == root, path
    services = ET.fromstring(requests.get(f"{server}/services.xml", timeout=10).content)
    assert services.find("service[service_code='0103']/group").text == "市容环境"
    error = ET.fromstring(requests.get(f"{server}/services/9999.xml", timeout=10).content)
    assert error.find("error/code").text == "404"
    assert GeoReport(server, output_format="xml").get_service_list()[0]["service_code"]
    states = ET.fromstring(requests.get(f"{server}/discovery.xml", timeout=10).content)
    assert states.find("status_mapping/state[state='merged']/status").text == "closed"


def test_jurisdiction_is_ours_or_absent(server):
    assert requests.get(f"{server}/services.json", timeout=10,
                        params={"jurisdiction_id": "qitaihe.gov.cn"}).status_code == 200
    r = requests.get(f"{server}/services.json", params={"jurisdiction_id": "x.gov"},
                     timeout=10)
    assert r.status_code == 404 and r.json()[0]["code"] == 404


@pytest.mark.parametrize("query", [{"status": "pending"}, {"start_date": "yesterday"},
                                   {"start_date": "2026-11-02", "end_date": "2026-11-01"},
                                   {"end_date": "0001-01-05"}, {"start_date": "9999-12-31"}])
def test_bad_filters_are_400(server, query):
    r = requests.get(f"{server}/requests.json", params=query, timeout=10)
    assert r.status_code == 400 and r.json()[0]["code"] == 400


def test_unknown_paths_and_wrong_methods_answer_in_the_open311_format(server):
    r = requests.get(f"{server}/nothing.json", timeout=10)
    assert r.status_code == 404 and r.json()[0]["code"] == 404
    r = requests.delete(f"{server}/requests.json", timeout=10)
    assert r.status_code == 405 and r.json()[0]["code"] == 405
    assert set(r.headers["Allow"].replace(" ", "").split(",")) == {"GET", "POST"}
    r = requests.post(f"{server}/services.xml", timeout=10)
    assert r.status_code == 405 and ET.fromstring(r.content).find("error/code").text == "405"


def test_logged_in_browser_session_does_not_need_a_csrf_token(client, staff, api_key):
    user, _ = staff("dispatcher")
    with client.session_transaction() as s:
        s["_user_id"] = str(user.id)
    r = client.post("/open311/v2/requests.json", data=_new(api_key))
    assert r.status_code == 200, r.get_data(as_text=True)


def test_cli_prints_a_working_key(app, session):
    out = app.test_cli_runner().invoke(args=["open311", "key", "手机应用"])
    key = out.output.strip()
    assert out.exit_code == 0 and len(key) >= 32
    assert open311_post.client_for_key(session, key) == "手机应用"
    stored = session.execute(text("SELECT key_hash FROM open311_clients WHERE name = '手机应用'"))
    assert key not in stored.scalar_one()


def test_titles_and_names_from_open311_fields():
    assert open311_post.title_from("", "暖气不热") == "暖气不热"
    long = open311_post.title_from("很" * 50 + "\n第二行", "x")
    assert len(long) == 40 and long.endswith("…")
    assert open311.describe(long, "很" * 50 + "\n第二行") == "很" * 50 + "\n第二行"
    assert open311_post.reporter_name("伟", "张") == "张伟"
    assert open311_post.reporter_name("Jane", "Doe") == "Jane Doe"
    assert open311_post.reporter_name(" ", None) is None


def test_agency_and_media_url_follow_assignment_and_first_photo(server, session, demos):
    d = demos["open"]
    token = "t" * 43
    session.execute(text("UPDATE demands SET state = 'dispatched', assignee_department_code = "
                         "'heating' WHERE id = :i"), {"i": d["id"]})
    session.execute(text("INSERT INTO demand_photos (demand_id, kind, token, width, height, "
                         "bytes, sha256) VALUES (:i, 'before', :t, 4, 3, 100, :h)"),
                    {"i": d["id"], "t": token, "h": "0" * 64})
    session.commit()
    one = GeoReport(server).get_service_request(d["code"])
    assert one["agency_responsible"] == "七台河市热力公司"
    assert one["status"] == "open" and one["status_notes"].startswith("已派单")
    host = server.rsplit("/open311/", 1)[0]
    assert one["media_url"] == f"{host}/media/photos/{token}.jpg"
