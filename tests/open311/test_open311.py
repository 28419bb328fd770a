"""Open311 GeoReport v2: discovery, services, requests (filters, POST), errors, XML, privacy.

The app is served on a loopback port by a single-threaded werkzeug server, so the `georeport`
client from PyPI and plain urllib calls reach it over real HTTP while every request still runs
inside the test's rolled-back transaction (one request at a time on its connection).
"""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta

import pytest
import requests
from georeport import GeoReport
from sqlalchemy import text

from layers.access.actors import RESIDENT, Actor
from layers.demands import events
from layers.demands import store as demands
from layers.demands.fields import check_new_demand
from layers.demands.imports import importer as demand_import
from layers.open311 import post as open311_post
from layers.open311 import requests as open311
from layers.workcal import TZ
from tests.browser import served

CITY_HALL = {"lon": 131.0031, "lat": 45.7711}
GRID = "230902031001002"
NOW = datetime.now(UTC)


@pytest.fixture
def server(app):
    """The app on http://127.0.0.1:<port>/open311/v2, one request at a time."""
    with served(app, threaded=False) as url:
        yield url + "/open311/v2"


@pytest.fixture
def api_key(session) -> str:
    """A committed api_key of a test client."""
    key = open311_post.issue_key(session, "测试客户端")
    session.commit()
    return key


def _demand(session, category: str, when: datetime = NOW, **fields) -> dict:
    body = {"title": "测试诉求", "category": category, **CITY_HALL, **fields}
    return demands.create_demand(session, check_new_demand(body), RESIDENT, now=when)


@pytest.fixture
def demos(session) -> dict[str, dict]:
    """An open heating demand (with a reporter), a closed rubbish one, one 100 days old."""
    out = {
        "open": _demand(session, "1001", reporter_name="王女士", reporter_phone="13812341234",
                        description="三楼暖气不热"),
        "closed": _demand(session, "0103", when=NOW - timedelta(days=2), lon=None, lat=None,
                          grid_code=GRID),
        "old": _demand(session, "1101", when=NOW - timedelta(days=100), lon=131.02),
    }
    session.execute(text("UPDATE demands SET state = 'closed', closed_at = :t WHERE code = :c"),
                    {"t": NOW - timedelta(hours=1), "c": out["closed"]["code"]})
    events.append(session, out["closed"]["id"], "close", "verified", "closed",
                  Actor(role="dispatcher"), at=NOW - timedelta(hours=1))
    session.commit()
    return out


def _ids(rows: list[dict]) -> set[str]:
    return {r["service_request_id"] for r in rows}


def _form_post(url: str, fields: dict) -> tuple[int, bytes]:
    """POST a form the way a plain HTTP client does; return (status, body)."""
    data = urllib.parse.urlencode(fields).encode()
    req = urllib.request.Request(url, data=data, method="POST", headers={
        "Content-Type": "application/x-www-form-urlencoded"})
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            return resp.status, resp.read()
    except urllib.error.HTTPError as err:
        return err.code, err.read()


def test_states_map_to_open_and_closed_with_labels():
    assert {s: open311.status_of(s) for s in open311.STATE_LABELS_EN} == {
        "received": "open", "dispatched": "open", "signed": "open", "resolved": "open",
        "verified": "open", "closed": "closed", "merged": "closed"}
    signed = next(m for m in open311.status_mapping() if m["state"] == "signed")
    assert signed["label"] == "办理中" and signed["label_en"] == "in progress"


def test_discovery_publishes_the_endpoint_and_the_state_mapping(server):
    doc = requests.get(f"{server}/discovery.json", timeout=10).json()
    endpoint = doc["endpoints"][0]
    assert endpoint["specification"] == open311.SPEC and endpoint["url"] == server
    assert set(endpoint["formats"]) == {"application/json", "text/xml"}
    mapping = {m["state"]: m["status"] for m in doc["status_mapping"]}
    assert mapping["merged"] == "closed" and mapping["resolved"] == "open"


def test_services_are_the_active_small_classes_with_their_big_class_as_group(server):
    services = GeoReport(server).get_service_list()
    by_code = {s["service_code"]: s for s in services}
    rubbish = by_code["0103"]
    assert rubbish["service_name"] == "垃圾清运" and rubbish["group"] == "市容环境"
    assert rubbish["metadata"] is False and rubbish["type"] == "realtime"
    assert "3 个工作日" in rubbish["description"] and "垃圾清运" in rubbish["keywords"]
    assert "01" not in by_code and all(len(code) == 4 for code in by_code)


def test_service_definition_and_an_unknown_service_is_a_404_error_array(server):
    definition = GeoReport(server).get_service_definition("1001")
    assert definition["service_code"] == "1001" and definition["attributes"] == []
    r = requests.get(f"{server}/services/9999.json", timeout=10)
    assert r.status_code == 404
    assert r.json()[0]["code"] == 404 and "9999" in r.json()[0]["description"]
    with pytest.raises(requests.HTTPError):
        GeoReport(server).get_service_definition("9999")


def test_default_window_is_the_last_90_days_newest_first(server, demos):
    rows = GeoReport(server).get_service_requests()
    ids = [r["service_request_id"] for r in rows]
    assert demos["open"]["code"] in ids and demos["closed"]["code"] in ids
    assert demos["old"]["code"] not in ids
    assert ids.index(demos["open"]["code"]) < ids.index(demos["closed"]["code"])


def test_requests_filter_by_id_service_code_dates_and_status(server, demos):
    client = GeoReport(server)
    codes = {name: d["code"] for name, d in demos.items()}
    by_id = client.get_service_requests(service_request_id=f"{codes['old']},{codes['open']}",
                                        service_code="0103", status="closed")
    assert _ids(by_id) == {codes["old"], codes["open"]}  # ids override the other filters
    heating = client.get_service_requests(service_code="1001,1002")
    assert codes["open"] in _ids(heating) and {r["service_code"] for r in heating} <= {
        "1001", "1002"}
    start = (NOW - timedelta(days=101)).isoformat()
    end = (NOW - timedelta(days=99)).isoformat()
    assert _ids(client.get_service_requests(start_date=start, end_date=end)) >= {codes["old"]}
    assert codes["open"] not in _ids(client.get_service_requests(start_date=start,
                                                                 end_date=end))
    closed = _ids(client.get_service_requests(status="closed"))
    opened = _ids(client.get_service_requests(status="open"))
    assert codes["closed"] in closed and codes["open"] not in closed
    assert codes["open"] in opened and codes["closed"] not in opened


def test_one_request_is_an_array_of_one_with_deadline_and_status_notes(server, demos):
    code = demos["open"]["code"]
    body = requests.get(f"{server}/requests/{code}.json", timeout=10).json()
    assert isinstance(body, list) and len(body) == 1
    one = body[0]
    assert one["status"] == "open" and one["status_notes"].startswith("已受理")
    deadline = demos["open"]["deadline"].astimezone(TZ).isoformat(timespec="seconds")
    assert one["expected_datetime"] == deadline and deadline.endswith("+08:00")
    assert one["service_code"] == "1001" and one["service_name"] == "暖气不热"
    assert one["description"] == "测试诉求：三楼暖气不热" and one["zipcode"] == ""
    assert abs(one["lat"] - CITY_HALL["lat"]) < 1e-6 and len(one["address_id"]) == 15
    assert one["agency_responsible"] and one["media_url"] is None
    closed = GeoReport(server).get_service_request(demos["closed"]["code"])
    assert closed["status"] == "closed" and "已结案" in closed["status_notes"]
    assert datetime.fromisoformat(closed["updated_datetime"]) > datetime.fromisoformat(
        closed["requested_datetime"])


def test_an_imported_demand_was_last_updated_by_its_import(server, session, tmp_path):
    path = tmp_path / "hotline.csv"
    path.write_text("title,category,lon,lat,created_at,state,closed_at\n"
                    "井盖丢失,1101,131.0031,45.7711,2025-03-01 08:00,closed,2025-03-02 09:00\n",
                    encoding="utf-8")
    imported_at = datetime(2025, 6, 1, 4, 0, tzinfo=UTC)
    report = demand_import.import_file(session, path, now=imported_at)
    code = session.execute(text("SELECT code FROM demands WHERE import_id = :i"),
                           {"i": report.import_id}).scalar_one()
    session.commit()
    one = GeoReport(server).get_service_request(code)
    assert one["status"] == "closed" and one["requested_datetime"].startswith("2025-03-01T08:00")
    assert datetime.fromisoformat(one["updated_datetime"]) == imported_at


def test_merged_duplicate_is_closed_and_names_its_original(server, session, demos):
    again = _demand(session, "1001", lon=CITY_HALL["lon"] + 0.0002)
    session.commit()
    one = GeoReport(server).get_service_request(again["code"])
    assert one["status"] == "closed" and demos["open"]["code"] in one["status_notes"]
    assert demos["open"]["code"] in one["service_notice"]


def test_unknown_request_id_is_a_404_error_array(server):
    r = requests.get(f"{server}/requests/QTH-19990101-0001.json", timeout=10)
    assert r.status_code == 404 and r.json()[0]["code"] == 404


def _new(api_key: str, **fields) -> dict:
    return {"api_key": api_key, "service_code": "1001", "lat": CITY_HALL["lat"],
            "long": CITY_HALL["lon"], "description": "五楼暖气片不热，已持续两天", **fields}


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
