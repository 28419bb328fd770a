"""The OpenAPI document covers every /api/v1 route, is valid, and garbage never gets a 500."""

from __future__ import annotations

import io
import json
import re

import pytest
from openapi_schema_validator import OAS30Validator
from openapi_spec_validator import validate
from sqlalchemy import text

from tests import factories
from web import create_app
from web.openapi.document import document as document_of

IGNORED_METHODS = {"HEAD", "OPTIONS"}
DOC_APP = create_app({"SESSION_FACTORY": None})  # the route map only: no database needed
GARBAGE = ["", "abc", "NaN", "nan", "inf", "-inf", "-1", "0", "1e999",
           "99999999999999999999999", "2026-13-45", "1,2,3", "☃" * 3, "x" * 3000, "%00",
           "\x00", "' OR 1=1 --", "[]", "{}", "true", "²", "٣", "5²"]  # isdigit() takes ² and ٣
NON_OBJECTS = ["[]", '"x"', "5", "null", "true", "[1, 2]"]


def document() -> dict:
    """Return the document of the app's routes without facts from the data."""
    return document_of(DOC_APP)


def _resolve(doc: dict, schema: dict) -> dict:
    """Return `schema`, or the component it refers to."""
    ref = schema.get("$ref", "")
    return doc["components"]["schemas"][ref.rsplit("/", 1)[1]] if ref else schema


def _openapi_path(rule: str) -> str:
    return re.sub(r"<(?:[a-z]+(?:\([^)]*\))?:)?([A-Za-z_]+)>", r"{\1}", rule)


def _api_routes(app) -> set[tuple[str, str]]:
    return {(_openapi_path(r.rule), m.lower()) for r in app.url_map.iter_rules()
            if r.rule.startswith("/api/v1/") for m in r.methods - IGNORED_METHODS}


def test_every_api_v1_route_is_in_the_document(app):
    doc = document()
    documented = {(p, m) for p, ops in doc["paths"].items() for m in ops}
    missing = sorted(_api_routes(app) - documented)
    assert not missing, f"declare a contract (web.openapi.spec.contract) on: {missing}"


def test_every_documented_operation_is_a_route(app):
    documented = {(p, m) for p, ops in document()["paths"].items() for m in ops}
    assert not sorted(documented - _api_routes(app))


def test_the_document_is_valid_openapi_3_and_served(client):
    resp = client.get("/api/openapi.json")
    assert resp.status_code == 200 and resp.mimetype == "application/json"
    validate(resp.get_json())
    ids = [op["operationId"] for ops in resp.get_json()["paths"].values() for op in ops.values()]
    assert len(ids) == len(set(ids))


@pytest.fixture
def world(session, client, staff):
    """Real path values: a demand, a grid, a professional member and a rider; admin headers."""
    _, headers = staff("admin")
    created = client.post("/api/v1/demands", json={
        "title": "路灯不亮", "category": "1403", "lon": 131.0031, "lat": 45.7711})
    assert created.status_code == 201
    grid = session.execute(text("SELECT code FROM grids WHERE valid_to IS NULL ORDER BY code "
                                "LIMIT 1")).scalar_one()
    pro = factories.member(session, "professional", "测试专业", department_code="heating")
    rider = factories.member(session, "rider", "测试骑手", platform="美团")
    session.commit()
    values = {"code": created.get_json()["code"], "member_id": str(pro), "request_id": "1"}
    return values, headers, grid, rider


def _fill(path: str, world) -> str:
    values, _, grid, rider = world
    if path.startswith("/api/v1/grids/{code}"):
        return path.replace("{code}", grid)
    if path.startswith("/api/v1/riders/"):
        return path.replace("{member_id}", str(rider))
    return re.sub(r"\{(\w+)\}", lambda m: values[m.group(1)], path)


def _operations(method: str):
    for path, ops in document()["paths"].items():
        if method in ops:
            yield path, ops[method]


GETS = [(p, op) for p, op in _operations("get") if any(x["in"] == "query"
                                                       for x in op.get("parameters", []))]


@pytest.mark.parametrize(("path", "op"), GETS, ids=[p for p, _ in GETS])
def test_garbage_query_parameters_never_get_a_500(client, world, path, op):
    url, headers = _fill(path, world), world[1]
    names = [x["name"] for x in op["parameters"] if x["in"] == "query"]
    for name in names:
        for value in GARBAGE:
            resp = client.get(url, query_string={name: value}, headers=headers)
            assert resp.status_code < 500, (name, value, resp.get_data(as_text=True)[:300])
    resp = client.get(url, query_string=dict.fromkeys(names, "NaN"), headers=headers)
    assert resp.status_code < 500


PATHS = [p for p, ops in document()["paths"].items() if "{" in p and "get" in ops]


@pytest.mark.parametrize("path", PATHS)
def test_garbage_path_values_never_get_a_500(client, world, path):
    for value in ["%00", "x" * 300, "-1", "0", "%E2%98%83", "..", "1e999", "QTH-00000000-0000"]:
        url = re.sub(r"\{\w+\}", value, path)
        resp = client.get(url, headers=world[1])
        assert resp.status_code < 500, (url, resp.get_data(as_text=True)[:300])


def _wrong_values(schema: dict) -> list:
    kind = schema.get("type")
    values = [[], {"x": 1}, True, 123456789012345678901234567890, -1.5, "x" * 6000, None]
    drop = {"boolean": (bool,), "integer": (int,), "number": (int, float), "object": (dict,),
            "array": (list,)}.get(kind, ())
    return [v for v in values if not (isinstance(v, drop) and (kind != "integer"
                                                               or not isinstance(v, bool)))]


def _assert_refused(resp, what) -> None:
    assert resp.status_code in (400, 422), (what, resp.status_code, resp.get_data()[:300])
    error = resp.get_json()["error"]
    assert error["code"] and error["message"], what
    if resp.status_code == 422:
        assert isinstance(error["fields"], dict) and error["fields"], what


POSTS = list(_operations("post"))


@pytest.mark.parametrize(("path", "op"), POSTS, ids=[p for p, _ in POSTS])
def test_malformed_post_bodies_get_400_or_422_with_the_error_envelope(client, world, path, op):
    url, headers = _fill(path, world), world[1]
    bad_json = {**headers, "Content-Type": "application/json"}
    for raw in ["{not json", "", "\xff\xfe", '{"a": NaN', *NON_OBJECTS]:
        _assert_refused(client.post(url, data=raw, headers=bad_json), raw)
    schema = _resolve(document(), op["requestBody"]["content"]["application/json"]["schema"])
    for name, prop in schema["properties"].items():
        for value in _wrong_values(prop) + (["a\x00b"] if prop.get("type") == "string" else []):
            body = json.dumps({name: value})
            _assert_refused(client.post(url, data=body, headers=bad_json), body[:80])


VALID_DEMAND = {"title": "暖气不热", "category": "1001", "lon": 131.0031, "lat": 45.7711}


@pytest.mark.parametrize("name", sorted(VALID_DEMAND) + ["source", "crs", "grid_code",
                                                          "address", "reporter_phone"])
def test_each_wrong_demand_field_is_named_in_422(client, name):
    for value in _wrong_values({"type": "none"}):
        resp = client.post("/api/v1/demands", json={**VALID_DEMAND, name: value})
        if resp.status_code == 201:
            continue  # e.g. an optional field given as null
        _assert_refused(resp, (name, value))


def test_transition_fields_of_the_wrong_type_get_422(client, world):
    url, headers = _fill("/api/v1/demands/{code}/transitions", world), world[1]
    for name in ("note", "location", "to"):
        for value in (["a"], 5, "x" * 3000, {"lon": "a"}, {"member": "x"}):
            resp = client.post(url, json={"action": "dispatch", name: value}, headers=headers)
            _assert_refused(resp, (name, value))


def test_nul_characters_in_a_valid_demand_are_refused(client):
    for name in ("title", "description", "address", "reporter_name"):
        resp = client.post("/api/v1/demands", json={**VALID_DEMAND, name: "a\x00b"})
        _assert_refused(resp, name)
    resp = client.post("/api/v1/demands", data={**VALID_DEMAND, "title": "a\x00b"})
    _assert_refused(resp, "form")


def test_a_photo_that_is_not_an_image_is_refused(client):
    data = {**VALID_DEMAND, "photos": (io.BytesIO(b"not an image"), "x.jpg")}
    resp = client.post("/api/v1/demands", data=data, content_type="multipart/form-data")
    _assert_refused(resp, "photo")


def _served_document(client) -> dict:
    resp = client.get("/api/openapi.json")
    assert resp.status_code == 200
    return resp.get_json()


def _body_schema(doc: dict, path: str) -> dict:
    return _resolve(doc, doc["paths"][path]["post"]["requestBody"]["content"]["application/json"]
                    ["schema"])


def test_the_document_states_the_citys_extent_and_its_active_small_classes(client, session):
    schema = _body_schema(_served_document(client), "/api/v1/demands")
    small = session.execute(text("SELECT code FROM categories WHERE parent_code IS NOT NULL "
                                 "AND active ORDER BY code")).scalars().all()
    assert schema["properties"]["category"]["enum"] == small
    x0, y0, x1, y1 = session.execute(text(
        "SELECT ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e) FROM (SELECT ST_Extent(geom) "
        "AS e FROM grids WHERE valid_to IS NULL) AS x")).one()
    lon, lat = schema["properties"]["lon"], schema["properties"]["lat"]
    for low, high, bounds in ((x0, x1, lon), (y0, y1, lat)):
        assert bounds["minimum"] < low and bounds["maximum"] > high
        assert low - bounds["minimum"] < 0.07 and bounds["maximum"] - high < 0.07
    session.execute(text("UPDATE categories SET active = false WHERE code = :c"), {"c": small[0]})
    again = _body_schema(_served_document(client), "/api/v1/demands")
    assert again["properties"]["category"]["enum"] == small[1:]


DEMAND_BODIES = [
    ({}, "a valid demand"),
    ({"title": "   "}, "a blank title"),
    ({"title": ""}, "an empty title"),
    ({"category": "9999"}, "an unknown category"),
    ({"category": "01"}, "a big class"),
    ({"lon": 0.5, "lat": 0.5}, "a point far outside the city"),
    ({"lon": None, "lat": None}, "no point and no grid"),
    ({"lon": None, "lat": None, "grid_code": "GRID"}, "a current grid instead of a point"),
    ({"reporter_phone": "call me"}, "a phone that is not a number"),
    ({"reporter_phone": "138 1234 5678"}, "a phone with spaces"),
    ({"source": "hotline", "crs": "gcj02"}, "a hotline report in GCJ-02"),
    ({"title": "ctl\x01t"}, "a control character in the title"),
    ({"address": "\u202e路口"}, "a direction override in the address"),
    ({"description": "一楼\n二楼\t漏水"}, "line breaks and tabs in the description"),
]


@pytest.mark.parametrize(("change", "what"), DEMAND_BODIES, ids=[w for _, w in DEMAND_BODIES])
def test_the_demand_schema_and_the_server_agree(client, session, change, what):
    schema = _body_schema(_served_document(client), "/api/v1/demands")
    grid = session.execute(text("SELECT code FROM grids WHERE valid_to IS NULL ORDER BY code "
                                "LIMIT 1")).scalar_one()
    body = {k: v for k, v in {**VALID_DEMAND, **change}.items() if v is not None}
    body = {k: grid if v == "GRID" else v for k, v in body.items()}
    allowed = OAS30Validator(schema).is_valid(body)
    resp = client.post("/api/v1/demands", json=body)
    assert allowed == (resp.status_code == 201), (what, allowed, resp.get_data()[:200])


def test_the_position_schema_and_the_server_agree(client, world):
    values, headers, _, _ = world
    doc = _served_document(client)
    path = "/api/v1/members/{member_id}/positions"
    validator = OAS30Validator(_body_schema(doc, path))
    url = path.replace("{member_id}", values["member_id"])
    point = {"lon": VALID_DEMAND["lon"], "lat": VALID_DEMAND["lat"]}
    minute = iter(range(10, 60))
    for change, allowed in (({"accuracy": 500}, False), ({"accuracy": 0}, False),
                            ({"lon": 0.5, "lat": 0.5}, False), ({"accuracy": 12.5}, True)):
        body = {**point, **change, "time": f"2026-11-27T08:{next(minute)}:00+08:00"}
        assert validator.is_valid(body) == allowed, body
        resp = client.post(url, json=body, headers=headers)
        assert (resp.status_code == 201) == allowed, (body, resp.get_data()[:200])


def _form_array(raw: str) -> list[float] | str:
    """Return a style=form, explode=false parameter as the numbers it lists (else as given)."""
    try:
        return [float(part) for part in raw.split(",")]
    except ValueError:
        return raw


def test_the_on_duty_bbox_schema_and_the_server_agree(client, world):
    op = _served_document(client)["paths"]["/api/v1/members/on-duty"]["get"]
    bbox = next(p for p in op["parameters"] if p["name"] == "bbox")
    assert (bbox["style"], bbox["explode"], bbox["required"]) == ("form", False, True)
    for raw, allowed in (("130.5,45.5,131.5,46", True), (" 130.5, 45.5 ,131.5,46", True),
                         ("130.5,45.5,131.5", False), ("a,b,c,d", False), ("1,2,3,4,5", False),
                         ("200,45,201,46", False)):
        assert OAS30Validator(bbox["schema"]).is_valid(_form_array(raw)) == allowed, raw
        resp = client.get("/api/v1/members/on-duty", query_string={"bbox": raw},
                          headers=world[1])
        assert (resp.status_code == 200) == allowed, (raw, resp.get_data()[:200])


def test_the_idempotency_key_schema_and_the_server_agree(client):
    op = _served_document(client)["paths"]["/api/v1/demands"]["post"]
    schema = next(p for p in op["parameters"] if p["name"] == "Idempotency-Key")["schema"]
    for key, allowed in (("retry-7f3a", True), ("a b", True), ("x" * 101, False),
                         ("\x7f", False)):
        assert OAS30Validator(schema).is_valid(key) == allowed, key
        resp = client.post("/api/v1/demands", json=VALID_DEMAND,
                           headers={"Idempotency-Key": key})
        assert (resp.status_code == 201) == allowed, (key, resp.get_data()[:200])
