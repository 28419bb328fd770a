"""Open311 GeoReport v2: discovery, services and reading requests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import requests
from georeport import GeoReport
from sqlalchemy import text

from layers.demands.imports import importer as demand_import
from layers.open311 import requests as open311
from layers.workcal import TZ
from tests.open311.georeport import CITY_HALL, NOW, _demand, _ids


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
