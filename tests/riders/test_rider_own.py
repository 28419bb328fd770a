"""A rider's own data: its ledger (API and /riders/me) but not another rider's, its own
差评消消乐 request (staff in scope still decide), no 随手帮 records, and 账号关联 that pairs rider
members only with rider logins."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from sqlalchemy import text

from gis.errors import Conflict, Forbidden
from layers.access import roles, tokens, users
from layers.access.actors import for_user
from layers.demands import intake
from layers.demands.fields import check_new_demand
from layers.members import logins as member_logins
from layers.riders import contributions as riders
from tests.people import add_member, community_with

PASSWORD = "secret-pass-123"
REQUEST = {"order_ref": "MT-20261127-0042", "reason": "协助处理井盖缺失导致超时差评"}


@pytest.fixture
def area(session) -> dict:
    """A community with six grids."""
    community, grids = community_with(session, 6)
    return {"community": community, "grids": grids[:6]}


def _login(session, name: str, role: str = roles.RIDER, scope: str | None = None):
    user = users.create_user(session, name, role, PASSWORD, scope_code=scope)
    token = tokens.issue_token(session, name)
    session.commit()
    return user, {"Authorization": f"Bearer {token}"}


@pytest.fixture
def two(session, area) -> dict:
    """Two riders of the area, each with its own rider login."""
    out = {}
    for key, grids in (("a", area["grids"][:3]), ("b", area["grids"][3:])):
        user, headers = _login(session, f"t_rider_own_{key}")
        out[key] = {"user": user, "headers": headers,
                    "id": add_member(session, f"骑手{key}", grids, user)}
    return out


def _session_login(client, name: str) -> str:
    html = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf-token" content="([^"]+)"', html).group(1)
    r = client.post("/login", data={"name": name, "password": PASSWORD, "csrf_token": token})
    assert r.status_code == 302
    return re.search(r'name="csrf-token" content="([^"]+)"',
                     client.get("/riders/me").get_data(as_text=True)).group(1)


def _verified(session, rider: dict, grids: list[str]) -> None:
    for g in grids:
        code = intake.file_demand(session, check_new_demand(
            {"title": "随手拍", "category": "0201", "grid_code": g}),
            for_user(rider["user"]))["code"]
        session.execute(text("UPDATE demands SET state = 'verified', verified_at = :t "
                             "WHERE code = :c"), {"t": datetime.now(UTC), "c": code})
    session.commit()


def test_a_rider_reads_its_own_ledger_but_not_another_riders(client, session, two, staff):
    a, b = two["a"], two["b"]
    me = client.get("/api/v1/riders/me/contributions?month=2026-01", headers=a["headers"])
    assert me.status_code == 200 and (me.get_json()["member_id"], me.get_json()["month"]) == (
        a["id"], "2026-01")
    assert "phone" not in me.get_json() and "name" not in me.get_json()
    assert client.get(f"/api/v1/riders/{a['id']}/contributions",
                      headers=a["headers"]).status_code == 200
    peek = client.get(f"/api/v1/riders/{b['id']}/contributions", headers=a["headers"])
    assert peek.status_code == 403
    _, worker = staff("dispatcher")
    nobody = client.get("/api/v1/riders/me/contributions", headers=worker)
    assert nobody.status_code == 404 and nobody.get_json()["error"]["code"] == "no_own_rider"
    assert client.get("/api/v1/riders/me/contributions").status_code == 401


def test_the_own_page_shows_the_riders_month_and_no_one_elses(client, app, session, two, area):
    a = two["a"]
    _verified(session, a, area["grids"][:2])
    _session_login(client, a["user"].name)
    html = client.get("/riders/me").get_data(as_text=True)
    assert re.search(r'id="my-points">8<', html)  # 2 filed + 2 verified × 3
    assert f"流动网格员编号 {a['id']}" in html and "13812345678" not in html
    assert "骑手b" not in html and 'id="verified-total">2<' in html
    assert client.get("/riders/me?month=2026-13").status_code == 400
    staff_user, _ = _login(session, "t_disp_own", "dispatcher")
    other = app.test_client()
    _session_login(other, staff_user.name)
    page = other.get("/riders/me")
    assert page.status_code == 404 and "未关联流动网格员" in page.get_data(as_text=True)
    assert app.test_client().get("/riders/me").status_code == 302  # to the login page


def test_a_rider_asks_for_its_own_review_removal_and_community_staff_decide(
        client, session, two, area, staff):
    a, b = two["a"], two["b"]
    token = _session_login(client, a["user"].name)
    r = client.post("/riders/me/review-requests", data={**REQUEST, "csrf_token": token})
    assert r.status_code == 302
    assert "满 5 条后才能申请" in client.get("/riders/me").get_data(as_text=True)
    _verified(session, a, area["grids"][:riders.VERIFIED_THRESHOLD])
    assert 'action="/riders/me/review-requests"' in client.get("/riders/me").get_data(
        as_text=True)
    r = client.post("/riders/me/review-requests", data={**REQUEST, "csrf_token": token})
    assert r.status_code == 302
    html = client.get("/riders/me").get_data(as_text=True)
    assert "已提交差评消消乐申请" in html and "待审核" in html and REQUEST["order_ref"] in html
    made = session.execute(text("SELECT member_id, requested_by, id FROM review_requests "
                                "WHERE member_id = :m"), {"m": a["id"]}).one()
    assert tuple(made[:2]) == (a["id"], a["user"].id)
    other = client.post(f"/api/v1/riders/{b['id']}/review-requests", headers=a["headers"],
                        json=REQUEST)
    assert other.status_code == 403
    decide = f"/api/v1/review-requests/{made.id}/decision"
    assert client.post(decide, headers=a["headers"], json={"approve": True}).status_code == 403
    _, insider = staff("community_staff", area["community"])
    assert client.post(decide, headers=insider, json={"approve": True}).status_code == 200
    listed = client.get("/api/v1/review-requests", headers=b["headers"]).get_json()
    assert listed["requests"] == []


def test_a_rider_records_no_help_for_itself_or_another_rider(client, session, two, area):
    a, b = two["a"], two["b"]
    for mid in (a["id"], b["id"]):
        r = client.post(f"/api/v1/riders/{mid}/activities", headers=a["headers"],
                        json={"kind": "help"})
        assert r.status_code == 403
        with pytest.raises(Forbidden):
            riders.record_activity(session, mid, for_user(a["user"]), {"kind": "help"})
    token = _session_login(client, a["user"].name)
    r = client.post("/riders/activities", data={"member_id": b["id"], "kind": "help",
                                                "count": 1, "csrf_token": token})
    assert r.status_code == 403
    assert session.execute(text("SELECT count(*) FROM rider_activities WHERE member_id = "
                                "ANY(:m)"), {"m": [a["id"], b["id"]]}).scalar() == 0


def test_rider_members_and_rider_logins_are_linked_only_to_each_other(client, session, area,
                                                                     staff):
    admin = for_user(_login(session, "t_admin_pair", "admin")[0])
    rider_member = add_member(session, "骑手丙", area["grids"][:1])
    worker_member = add_member(session, "网格员丁", area["grids"][:1], kind="grid_worker")
    _login(session, "t_worker_pair", "grid_worker", area["community"])
    _login(session, "t_rider_pair")
    with pytest.raises(Conflict) as err:
        member_logins.link(session, admin, rider_member, "t_worker_pair")
    assert err.value.code == "rider_login_required" and "流动网格员只能关联骑手账号" in str(
        err.value)
    with pytest.raises(Conflict) as err:
        member_logins.link(session, admin, worker_member, "t_rider_pair")
    assert err.value.code == "rider_login_for_riders_only" and "专职网格员" in str(err.value)
    assert member_logins.link(session, admin, rider_member, "t_rider_pair")["login"] == \
        "t_rider_pair"
    assert member_logins.link(session, admin, worker_member, "t_worker_pair")["login"] == \
        "t_worker_pair"
    _, api_admin = staff("admin")
    _login(session, "t_rider_pair2")
    r = client.put(f"/api/v1/members/{worker_member}/login", headers=api_admin,
                   json={"login": "t_rider_pair2"})
    assert r.status_code == 409 and r.get_json()["error"]["code"] == "rider_login_for_riders_only"
    assert session.execute(text("SELECT user_id FROM members WHERE id = :m"),
                           {"m": worker_member}).scalar() == users.get_user(
        session, "t_worker_pair").id


def test_the_login_page_of_a_rider_member_refuses_a_staff_login_in_chinese(client, session,
                                                                          area):
    rider_member = add_member(session, "骑手戊", area["grids"][:1])
    _login(session, "t_worker_page", "grid_worker", area["community"])
    _login(session, "t_admin_page", "admin")
    token = _session_login(client, "t_admin_page")
    page = client.get(f"/members/{rider_member}/login").get_data(as_text=True)
    assert "--role rider" in page
    r = client.post(f"/members/{rider_member}/login", data={"login": "t_worker_page",
                                                             "csrf_token": token})
    assert r.status_code == 409 and "流动网格员只能关联骑手账号" in r.get_data(as_text=True)
