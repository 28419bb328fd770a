"""The closed loop: dispatch, sign, return, resolve, verify, rework, close, rate, reopen, claim."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text

from layers.access.actors import RESIDENT
from layers.demands import escalation, transitions
from tests import factories

CITY_HALL = {"lon": 131.0031, "lat": 45.7711}


@pytest.fixture
def new_demand(client):
    def make(category="1001", **extra):
        body = {"title": "测试诉求", "category": category, **CITY_HALL, **extra}
        return client.post("/api/v1/demands", json=body).get_json()
    return make


def _act(client, code, headers=None, **body):
    return client.post(f"/api/v1/demands/{code}/transitions", json=body, headers=headers or {})


def _events(session, code):
    return session.execute(text(
        "SELECT action, from_state, to_state, actor_role FROM demand_events e "
        "JOIN demands d ON d.id = e.demand_id WHERE d.code = :c ORDER BY e.id"),
        {"c": code}).all()


def test_full_loop_for_a_department_category(client, session, staff, new_demand):
    d = new_demand("1001")  # 暖气不热 → heating company
    _, disp = staff("dispatcher")
    _, heat = staff("department_staff", department="heating")
    _, comm = staff("community_staff", scope=d["grid_code"][:12])
    r = _act(client, d["code"], disp, action="dispatch")
    assert r.status_code == 200
    body = r.get_json()
    assert body["state"] == "dispatched" and body["assignee_department_code"] == "heating"
    assert body["sign_deadline"]
    assert _act(client, d["code"], heat, action="sign").get_json()["state"] == "signed"
    assert _act(client, d["code"], heat, action="resolve", note="已修复").get_json()[
        "state"] == "resolved"
    assert _act(client, d["code"], comm, action="verify").get_json()["state"] == "verified"
    assert _act(client, d["code"], disp, action="close").get_json()["state"] == "closed"
    rated = _act(client, d["code"], action="rate", follow_token=d["follow_token"],
                 solved=True, satisfaction="satisfied").get_json()
    assert rated["rating_satisfaction"] == "satisfied" and rated["state"] == "closed"
    assert [e.action for e in _events(session, d["code"])] == [
        "create", "dispatch", "sign", "resolve", "verify", "close", "rate"]


def test_community_solvable_category_goes_to_the_grid_worker(client, staff, new_demand):
    d = new_demand("0103")  # 垃圾清运, the community can solve it
    worker, worker_h = staff("grid_worker", scope=d["grid_code"])
    _, disp = staff("dispatcher")
    body = _act(client, d["code"], disp, action="dispatch").get_json()
    assert body["assignee_user_id"] == worker.id
    assert _act(client, d["code"], worker_h, action="sign").status_code == 200


def test_a_riders_login_is_never_sent_work(client, session, staff, new_demand):
    d = new_demand("0103")
    rider, _ = staff("grid_worker", scope=d["grid_code"])  # the narrower scope would win
    member = factories.member(session, "rider", "骑手", platform="美团", user_id=rider.id)
    assert member
    worker, _ = staff("grid_worker", scope=d["grid_code"][:12])
    _, disp = staff("dispatcher")
    body = _act(client, d["code"], disp, action="dispatch").get_json()
    assert body["assignee_user_id"] == worker.id
    other = new_demand("0103", lon=CITY_HALL["lon"] + 0.01)
    r = _act(client, other["code"], disp, action="dispatch", to={"user": rider.id},
             note="指定骑手")
    assert r.status_code == 422 and "没有可派单的user" in str(r.get_json())


def test_community_solvable_without_worker_goes_to_the_community(client, session, staff,
                                                                 new_demand):
    session.execute(text("UPDATE users SET active = false WHERE role = 'grid_worker'"))
    d = new_demand("0103")
    _, disp = staff("dispatcher")
    body = _act(client, d["code"], disp, action="dispatch").get_json()
    assert body["assignee_community_code"] == d["grid_code"][:12]


def test_override_needs_a_reason_and_is_logged(client, session, staff, new_demand):
    d = new_demand("1001")
    _, disp = staff("dispatcher")
    r = _act(client, d["code"], disp, action="dispatch", to={"department": "housing"})
    assert r.status_code == 422 and "note" in r.get_json()["error"]["fields"]
    r = _act(client, d["code"], disp, action="dispatch", to={"department": "housing"},
             note="楼内管道属住建维修")
    assert r.get_json()["assignee_department_code"] == "housing"
    payload = session.execute(text(
        "SELECT payload FROM demand_events e JOIN demands d ON d.id = e.demand_id "
        "WHERE d.code = :c AND e.action = 'dispatch'"), {"c": d["code"]}).scalar_one()
    assert payload["override"] is True and payload["rule"] == {"department": "heating"}
    bad = _act(client, d["code"], disp, action="dispatch", to={"department": "nasa"})
    assert bad.status_code == 409  # already dispatched: state first


def test_return_sends_it_back_to_the_dispatcher_with_a_reason(client, staff, new_demand):
    d = new_demand("1001")
    _, disp = staff("dispatcher")
    _, heat = staff("department_staff", department="heating")
    _act(client, d["code"], disp, action="dispatch")
    assert _act(client, d["code"], heat, action="return").status_code == 422
    body = _act(client, d["code"], heat, action="return", note="不属于热力").get_json()
    assert body["state"] == "received" and body["assignee_department_code"] is None


def test_rework_sends_it_back_to_the_unit(client, staff, new_demand):
    d = new_demand("1001")
    _, disp = staff("dispatcher")
    _, heat = staff("department_staff", department="heating")
    for action, h, note in [("dispatch", disp, ""), ("sign", heat, ""),
                            ("resolve", heat, "修好了")]:
        _act(client, d["code"], h, action=action, note=note)
    body = _act(client, d["code"], disp, action="rework", note="仍不热").get_json()
    assert body["state"] == "signed" and body["resolved_at"] is None


def test_illegal_transition_is_409_listing_allowed_actions(client, staff, new_demand):
    d = new_demand()
    _, disp = staff("dispatcher")
    r = _act(client, d["code"], disp, action="close")
    assert r.status_code == 409
    err = r.get_json()["error"]
    assert err["code"] == "illegal_transition" and "dispatch" in err["allowed"]


def test_anonymous_caller_cannot_take_staff_actions(client, new_demand):
    d = new_demand()
    r = _act(client, d["code"], action="dispatch")
    assert r.status_code == 401


@pytest.mark.parametrize("role,scope,department,action", [
    ("department_staff", None, "power", "sign"),     # another department
    ("grid_worker", "230902031001", None, "sign"),   # not the assignee
    ("dispatcher", "230902", None, "dispatch"),      # outside scope (Xinxing)
    ("leader", None, None, "dispatch"),              # leaders watch, do not dispatch
])
def test_wrong_role_or_scope_is_403(client, session, staff, new_demand, role, scope,
                                    department, action):
    d = new_demand("1001")
    if action == "sign":
        _, disp = staff("dispatcher")
        _act(client, d["code"], disp, action="dispatch")
    state = session.execute(text("SELECT state FROM demands WHERE code = :c"),
                            {"c": d["code"]}).scalar()
    _, h = staff(role, scope=scope, department=department)
    assert _act(client, d["code"], h, action=action).status_code == 403
    assert session.execute(text("SELECT state FROM demands WHERE code = :c"),
                           {"c": d["code"]}).scalar() == state


def test_rating_needs_the_follow_token_and_happens_once(client, staff, new_demand):
    d = new_demand("1001")
    _, disp = staff("dispatcher")
    _, heat = staff("department_staff", department="heating")
    for action, h, note in [("dispatch", disp, ""), ("sign", heat, ""), ("resolve", heat, "好"),
                            ("verify", disp, ""), ("close", disp, "")]:
        assert _act(client, d["code"], h, action=action, note=note).status_code == 200
    rate = {"action": "rate", "solved": False, "satisfaction": "dissatisfied"}
    assert _act(client, d["code"], follow_token="wrong", **rate).status_code == 403
    bad = _act(client, d["code"], follow_token=d["follow_token"], action="rate",
               solved="yes", satisfaction="great")
    assert bad.status_code == 422 and set(bad.get_json()["error"]["fields"]) == {
        "solved", "satisfaction"}
    assert _act(client, d["code"], follow_token=d["follow_token"], **rate).status_code == 200
    assert _act(client, d["code"], follow_token=d["follow_token"], **rate).status_code == 409


def test_reopen_within_the_window_only(session, client, staff, new_demand):
    d = new_demand("1001")
    _, disp = staff("dispatcher")
    _, heat = staff("department_staff", department="heating")
    for action, h, note in [("dispatch", disp, ""), ("sign", heat, ""), ("resolve", heat, "好"),
                            ("verify", disp, ""), ("close", disp, "")]:
        _act(client, d["code"], h, action=action, note=note)
    late = datetime.now(UTC) + timedelta(days=8)
    with pytest.raises(Exception) as err:
        transitions.apply(session, d["code"], "reopen", RESIDENT,
                          {"follow_token": d["follow_token"], "note": "又不热了"}, now=late)
    assert getattr(err.value, "code", "") == "reopen_window_passed"
    body = _act(client, d["code"], action="reopen", follow_token=d["follow_token"],
                note="又不热了").get_json()
    assert body["state"] == "received" and body["closed_at"] is None


def test_overdue_item_can_be_claimed_by_a_department(session, client, staff, new_demand):
    d = new_demand("1401")
    _, housing = staff("department_staff", department="housing")
    assert _act(client, d["code"], housing, action="claim").status_code == 409  # not overdue
    escalation.escalate_overdue(session, datetime.now(UTC) + timedelta(days=30))
    body = _act(client, d["code"], housing, action="claim").get_json()
    assert body["state"] == "signed" and body["assignee_department_code"] == "housing"


def test_actor_location_is_stored_with_the_event(client, session, staff, new_demand):
    d = new_demand()
    _, disp = staff("dispatcher")
    _act(client, d["code"], disp, action="dispatch", location={"lon": 131.0, "lat": 45.77})
    lon = session.execute(text(
        "SELECT ST_X(e.geom) FROM demand_events e JOIN demands d ON d.id = e.demand_id "
        "WHERE d.code = :c AND e.action = 'dispatch'"), {"c": d["code"]}).scalar_one()
    assert lon == pytest.approx(131.0)
    r = _act(client, d["code"], disp, action="close", location={"lon": "x"})
    assert r.status_code in (409, 422)


def test_unknown_action_and_unknown_demand(client, staff, new_demand):
    d = new_demand()
    _, disp = staff("dispatcher")
    assert _act(client, d["code"], disp, action="explode").status_code == 422
    assert _act(client, "QTH-20000101-0001", disp, action="dispatch").status_code == 404
    r = client.post(f"/api/v1/demands/{d['code']}/transitions", data="[]",
                    content_type="application/json", headers=disp)
    assert r.status_code == 422


def test_event_log_is_append_only(session, new_demand):
    new_demand()
    with pytest.raises(Exception, match="append-only"):
        with session.begin_nested():
            session.execute(text("UPDATE demand_events SET note = 'x'"))
