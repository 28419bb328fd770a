"""The rider role (骑手·流动网格员): a rider's own login is not staff — it lands on /report, files
随手拍 credited to itself, gets a Chinese 403 page or JSON 403 on every staff page and staff API,
never sees residents' names or phones, takes no transition and has no scope or personal data."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text

from gis.errors import BadInput, Forbidden
from layers.access import roles, users
from layers.access.actors import for_user
from layers.demands import transitions
from tests.people import add_member, community_with

PASSWORD = "secret-pass-123"
RESIDENT_NAME, RESIDENT_PHONE = "张三丰", "13900001111"
RIDER_REFUSED = "骑手（流动网格员）账号只能使用随手拍上报和查看本人贡献"


@pytest.fixture
def area(session) -> dict:
    """A community with three grids (the first one's point on its surface)."""
    community, grids = community_with(session, 3)
    grids = grids[:3]
    lon, lat = session.execute(text(
        "SELECT ST_X(p), ST_Y(p) FROM (SELECT ST_PointOnSurface(geom) AS p FROM grids "
        "WHERE code = :g AND valid_to IS NULL) AS g"), {"g": grids[0]}).one()
    return {"community": community, "grids": list(grids), "lon": lon, "lat": lat}


@pytest.fixture
def rider(session, area, staff) -> dict:
    """A rider's own login (role rider) acting for a rider member of the area's grids."""
    user, headers = staff(roles.RIDER)
    return {"user": user, "headers": headers,
            "id": add_member(session, "骑手甲", area["grids"], user)}


@pytest.fixture
def reported(client, area) -> dict:
    """A resident's demand in the area, with the resident's name and phone."""
    r = client.post("/api/v1/demands", json={
        "title": "楼道堆物", "category": "0102", "grid_code": area["grids"][1],
        "reporter_name": RESIDENT_NAME, "reporter_phone": RESIDENT_PHONE})
    assert r.status_code == 201, r.get_json()
    return r.get_json()


def _csrf(client, path: str = "/login") -> str:
    html = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf-token" content="([^"]+)"', html).group(1)


def _log_in(client, name: str, next_page: str = "") -> str:
    r = client.post("/login", data={"name": name, "password": PASSWORD, "next": next_page,
                                    "csrf_token": _csrf(client)})
    assert r.status_code == 302
    return r.headers["Location"]


def test_rider_is_a_known_role_but_not_a_staff_role():
    assert roles.RIDER not in roles.ALL and len(roles.ALL) == 7
    assert roles.check_role("rider") == "rider" and roles.label("rider") == "骑手（流动网格员）"
    assert not roles.is_staff("rider") and roles.is_staff("grid_worker")


def test_a_rider_login_has_no_scope_department_or_personal_data(session):
    for extra in ({"scope_code": "230903011"}, {"department_code": "heating"},
                  {"personal_data": True}):
        with pytest.raises(BadInput):
            users.create_user(session, "t_rider_bad", roles.RIDER, PASSWORD, **extra)
    user = users.create_user(session, "t_rider_ok", roles.RIDER, PASSWORD)
    assert (user.scope_code, user.department_code, user.personal_data) == (None, None, False)
    with pytest.raises(BadInput):
        users.set_personal_data(session, "t_rider_ok", True)
    user.personal_data, user.scope_code = True, "230903"  # as if the table said so
    actor = for_user(user)
    assert actor.user_id == user.id and actor.role == "rider" and actor.is_rider
    assert not actor.is_staff and not actor.personal_data and actor.scope is None
    assert not actor.covers("230903011001001")


def test_users_create_makes_a_rider_login_on_the_command_line(app, session):
    runner = app.test_cli_runner()
    r = runner.invoke(args=["users", "create", "t_cli_rider", "--role", "rider"])
    assert r.exit_code == 0 and "骑手（流动网格员）" in r.output and "scope" not in r.output
    assert users.get_user(session, "t_cli_rider").role == "rider"
    r = runner.invoke(args=["users", "create", "t_cli_rider2", "--role", "rider", "--scope",
                            "230903011"])
    assert r.exit_code != 0 and "骑手账号不设管辖范围" in r.output
    assert users.get_user(session, "t_cli_rider2") is None


def test_a_rider_lands_on_report_after_logging_in_and_staff_where_they_were_going(
        client, app, session, rider, staff):
    name = rider["user"].name
    users.set_password(session, name, PASSWORD)
    session.commit()
    assert _log_in(client, name) == "/report"
    assert _log_in(app.test_client(), name, "/dispatch") == "/report"
    own = "/riders/me?month=2026-01"
    assert _log_in(app.test_client(), name, own) == own
    nav = client.get("/map").get_data(as_text=True)
    assert 'href="/riders/me"' in nav and "登记诉求" not in nav and "派单调度" not in nav
    worker, _ = staff("dispatcher")
    users.set_password(session, worker.name, PASSWORD)
    session.commit()
    assert _log_in(app.test_client(), worker.name, "/dispatch") == "/dispatch"


def test_a_rider_gets_a_chinese_403_page_on_every_staff_page(client, session, rider, area,
                                                             reported):
    users.set_password(session, rider["user"].name, PASSWORD)
    session.commit()
    _log_in(client, rider["user"].name)
    pages = ["/dispatch", "/members", "/members/logins?q=1", f"/members/{rider['id']}/login",
             "/riders", "/staff/demands/new", f"/staff/demands/{reported['code']}",
             f"/ledgers/community/{area['community']}.csv", "/ledgers/department/heating.xlsx"]
    for page in pages:
        r = client.get(page)
        html = r.get_data(as_text=True)
        assert r.status_code == 403, page
        assert RIDER_REFUSED in html and 'href="/report"' in html, page
        assert RESIDENT_PHONE not in html and RESIDENT_NAME not in html
    token = _csrf(client, "/report")
    for page, form in (("/staff/demands/new", {"title": "x"}),
                       ("/riders/activities", {"member_id": rider["id"], "kind": "help"}),
                       (f"/members/{rider['id']}/login", {"login": rider["user"].name})):
        assert client.post(page, data={**form, "csrf_token": token}).status_code == 403, page


def test_a_rider_gets_json_403_on_every_staff_api(client, session, rider, area, reported):
    h, mid, code = rider["headers"], rider["id"], reported["code"]
    calls = [("get", f"/api/v1/demands/{code}/candidates", None),
             ("get", "/api/v1/dispatch/queue", None),
             ("get", "/api/v1/service-days/shortfall", None),
             ("post", f"/api/v1/members/{mid}/check-in", {"lon": 131.0, "lat": 45.77}),
             ("put", f"/api/v1/members/{mid}/login", {"login": None}),
             ("post", f"/api/v1/riders/{mid}/activities", {"kind": "help"}),
             ("post", "/api/v1/review-requests/1/decision", {"approve": True})]
    for method, url, body in calls:
        r = getattr(client, method)(url, headers=h, json=body)
        assert r.status_code == 403, url
        assert r.get_json()["error"]["code"] == "forbidden" and RIDER_REFUSED in r.get_json()[
            "error"]["message"], url


def test_a_rider_never_sees_residents_names_or_phones(client, session, rider, area, reported):
    session.execute(text("UPDATE users SET personal_data = true WHERE id = :u"),
                    {"u": rider["user"].id})  # even when the table says otherwise
    session.commit()
    h = rider["headers"]
    answers = [client.get(f"/api/v1/demands?within={area['community']}", headers=h),
               client.get(f"/api/v1/demands/{reported['code']}", headers=h)]
    for r in answers:
        body = r.get_data(as_text=True)
        assert r.status_code == 200 and RESIDENT_NAME not in body
        assert RESIDENT_PHONE not in body and RESIDENT_PHONE[-4:] not in body
        assert "reporter_phone" not in body and "assignee_user_id" not in body
    events = answers[1].get_json()["events"]
    assert events and all("actor" not in e for e in events)
    own = client.post("/api/v1/demands", headers=h, json={
        "title": "井盖缺失", "category": "0201", "lon": area["lon"], "lat": area["lat"],
        "reporter_name": "骑手甲", "reporter_phone": "13812345678"})
    assert own.status_code == 201 and "reporter_phone" not in own.get_json()
    assert session.execute(text("SELECT count(*) FROM audit_log WHERE user_id = :u"),
                           {"u": rider["user"].id}).scalar() == 0


def test_a_riders_report_is_credited_to_the_rider(client, session, rider, area):
    r = client.post("/api/v1/demands", headers=rider["headers"], json={
        "title": "随手拍", "category": "0201", "lon": area["lon"], "lat": area["lat"],
        "source": "rider_snapshot"})
    assert r.status_code == 201, r.get_json()
    assert r.get_json()["reporter_member_id"] == rider["id"]
    row = session.execute(text(
        "SELECT d.reporter_member_id, e.actor_user_id, e.actor_role FROM demands d JOIN "
        "demand_events e ON e.demand_id = d.id AND e.action = 'create' WHERE d.code = :c"),
        {"c": r.get_json()["code"]}).one()
    assert tuple(row) == (rider["id"], rider["user"].id, "rider")


def test_a_rider_takes_no_transition_on_a_community_assigned_demand(client, session, rider,
                                                                    area, reported, staff):
    session.execute(text(
        "UPDATE demands SET state = 'dispatched', assignee_community_code = :c, "
        "dispatched_at = now() WHERE code = :d"), {"c": area["community"], "d": reported["code"]})
    session.commit()
    url = f"/api/v1/demands/{reported['code']}/transitions"
    for action in ("sign", "return", "dispatch"):
        r = client.post(url, headers=rider["headers"], json={"action": action, "note": "x"})
        assert r.status_code == 403 and r.get_json()["error"]["code"] == "not_staff", action
    with pytest.raises(Forbidden):
        transitions.apply(session, reported["code"], "sign", for_user(rider["user"]), {})
    assert session.execute(text("SELECT state FROM demands WHERE code = :c"),
                           {"c": reported["code"]}).scalar() == "dispatched"
    _, worker = staff("grid_worker", scope=area["community"])  # staff of the community may
    assert client.post(url, headers=worker, json={"action": "sign"}).status_code == 200


def test_a_rider_reports_its_own_position_but_no_one_elses(client, session, rider, area):
    other = add_member(session, "骑手甲", area["grids"][:1])
    at = (datetime.now(UTC) - timedelta(minutes=1)).isoformat()
    body = {"lon": area["lon"], "lat": area["lat"], "accuracy": 10, "time": at}
    own = client.post(f"/api/v1/members/{rider['id']}/positions", headers=rider["headers"],
                      json=body)
    assert own.status_code == 201 and "phone" not in own.get_json()
    assert client.post(f"/api/v1/members/{other}/positions", headers=rider["headers"],
                       json=body).status_code == 403
    assert client.post(f"/api/v1/members/{other}/duty", headers=rider["headers"],
                       json={"on_duty": True}).status_code == 403
