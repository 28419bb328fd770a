"""Riders (流动网格员): reports linked to the rider, monthly contributions and points,
随手帮/随口宣 records, 差评消消乐 requests and decisions, who may do what (401/403)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text

from gis.errors import Conflict, Forbidden
from layers.access import tokens, users
from layers.access.actors import RESIDENT, for_user
from layers.demands import intake
from layers.demands.fields import check_new_demand
from layers.riders import contributions as riders
from layers.riders import reviews as rider_reviews
from tests.people import add_member, community_with

PASSWORD = "secret-pass-123"


@pytest.fixture
def area(session) -> dict:
    """A community with at least 8 grids, and a grid of another street."""
    community, grids = community_with(session, 8)
    other = session.execute(text(
        "SELECT min(code) FROM grids WHERE valid_to IS NULL AND left(code, 9) <> :s"),
        {"s": community[:9]}).scalar_one()
    return {"community": community, "grids": list(grids), "other": other}


def _login_user(session, name: str, role: str, scope: str | None = None):
    user = users.create_user(session, name, role, PASSWORD, scope_code=scope)
    token = tokens.issue_token(session, name)
    session.commit()
    return user, {"Authorization": f"Bearer {token}"}


@pytest.fixture
def rider(session, area):
    """A rider with its own login (role rider, no scope) responsible for 3 grids."""
    user, headers = _login_user(session, "t_rider_one", "rider")
    mid = add_member(session, "骑手甲", area["grids"][:3], user)
    return {"id": mid, "user": user, "headers": headers}


def _file(session, actor, grid: str, category: str = "0102") -> dict:
    data = check_new_demand({"title": "随手拍", "category": category, "grid_code": grid,
                             "source": "rider_snapshot"})
    out = intake.file_demand(session, data, actor)
    session.commit()
    return out


def _verify(session, code: str, at: datetime, state: str = "verified") -> None:
    session.execute(text("UPDATE demands SET state = :s, verified_at = :t WHERE code = :c"),
                    {"s": state, "t": at, "c": code})
    session.commit()


def test_logged_in_rider_report_is_linked_to_the_rider(client, session, rider, area, staff):
    r = client.post("/api/v1/demands", headers=rider["headers"], json={
        "title": "随手拍", "category": "0201", "grid_code": area["grids"][0],
        "source": "rider_snapshot"})
    assert r.status_code == 201, r.get_json()
    assert r.get_json()["reporter_member_id"] == rider["id"]
    anon = client.post("/api/v1/demands", json={"title": "匿名", "category": "0201",
                                                "grid_code": area["grids"][5]})
    _, other = staff("dispatcher")
    by_staff = client.post("/api/v1/demands", headers=other, json={
        "title": "调度", "category": "0403", "grid_code": area["grids"][6]})
    linked = dict(session.execute(text(
        "SELECT code, reporter_member_id FROM demands WHERE code = ANY(:c)"),
        {"c": [r.get_json()["code"], anon.get_json()["code"], by_staff.get_json()["code"]]}).all())
    assert linked == {r.get_json()["code"]: rider["id"], anon.get_json()["code"]: None,
                      by_staff.get_json()["code"]: None}
    assert "reporter_member_id" not in anon.get_json()


def test_month_counts_filed_verified_help_leaflets_and_points(session, rider, area):
    actor = for_user(rider["user"])
    now = datetime.now(UTC)
    codes = [_file(session, actor, g)["code"] for g in area["grids"][:4]]
    dup = _file(session, actor, area["grids"][0])  # same place and class: merged, not counted
    assert dup["state"] == "merged"
    _verify(session, codes[0], now)
    _verify(session, codes[1], now, "closed")
    session.execute(text("UPDATE demands SET created_at = :t WHERE code = :c"),
                    {"t": now - timedelta(days=70), "c": codes[3]})  # another month
    staff_user, _ = _login_user(session, "t_comm_rec", "community_staff", area["community"])
    staff_actor = for_user(staff_user)
    for body in ({"kind": "help"}, {"kind": "help", "count": 2, "note": "帮老人提菜"},
                 {"kind": "leaflets", "count": 250}):
        riders.record_activity(session, rider["id"], staff_actor, body)
    old = (now - timedelta(days=70)).isoformat()
    riders.record_activity(session, rider["id"], staff_actor, {"kind": "help", "at": old})
    month = riders.month_bounds(None)[0]
    c = riders.contributions(session, rider["id"], month)
    assert (c["filed"], c["verified"], c["help"], c["leaflets"]) == (3, 2, 3, 250)
    assert c["points"] == 3 * 1 + 2 * 3 + 3 * 2 + 2 * 1
    assert c["verified_total"] == 2 and "phone" not in c and "name" not in c
    book = riders.monthly_ledger(session, month, area["community"])
    assert [r["member_id"] for r in book["riders"]] == [rider["id"]]
    assert riders.monthly_ledger(session, month, area["other"][:12])["riders"] == []


def test_points_weights_and_leaflets_per_hundred():
    row = {"filed": 2, "verified": 1, "help": 1, "leaflets": 199}
    assert riders.points(row) == 2 + 3 + 2 + 1
    assert riders.points({**row, "leaflets": 99}) == 2 + 3 + 2


def test_months_are_asia_shanghai_months():
    label, start, end = riders.month_bounds("2026-01")
    assert label == "2026-01"
    assert start == datetime(2025, 12, 31, 16, tzinfo=UTC)
    assert end == datetime(2026, 1, 31, 16, tzinfo=UTC)
    assert riders.month_bounds("2026-12")[2] == datetime(2026, 12, 31, 16, tzinfo=UTC)
    for bad in ("2026-13", "26-01", "2026-1", "x"):
        with pytest.raises(Exception, match="YYYY-MM"):
            riders.month_bounds(bad)


def _verified_reports(session, rider, area, n: int) -> None:
    actor = for_user(rider["user"])
    for g in area["grids"][:n]:
        _verify(session, _file(session, actor, g, "0201")["code"], datetime.now(UTC))


REQUEST = {"order_ref": "MT-20261127-0042", "reason": "送餐途中协助处理井盖缺失，导致超时差评"}


def test_review_request_refused_below_threshold_and_allowed_at_it(client, session, rider, area):
    url = f"/api/v1/riders/{rider['id']}/review-requests"
    _verified_reports(session, rider, area, riders.VERIFIED_THRESHOLD - 1)
    r = client.post(url, headers=rider["headers"], json=REQUEST)
    assert r.status_code == 409 and r.get_json()["error"]["code"] == "not_enough_verified"
    assert session.execute(text("SELECT count(*) FROM review_requests")).scalar() == 0
    _verify(session, _file(session, for_user(rider["user"]), area["grids"][7], "0201")["code"],
            datetime.now(UTC))
    r = client.post(url, headers=rider["headers"], json=REQUEST)
    assert r.status_code == 201, r.get_json()
    made = r.get_json()
    assert (made["state"], made["platform"], made["community_code"]) == (
        "pending", "美团", area["grids"][0][:12])
    again = client.post(url, headers=rider["headers"], json=REQUEST)
    assert again.status_code == 409 and again.get_json()["error"]["code"] == "already_pending"
    bad = client.post(url, headers=rider["headers"], json={"order_ref": "", "reason": 5})
    assert bad.status_code == 422 and set(bad.get_json()["error"]["fields"]) == {
        "order_ref", "reason"}


def test_threshold_is_a_parameter(session, rider):
    with pytest.raises(Conflict):
        rider_reviews.request_review_removal(session, rider["id"], for_user(rider["user"]),
                                             REQUEST, threshold=1)
    made = rider_reviews.request_review_removal(session, rider["id"], for_user(rider["user"]),
                                                REQUEST, threshold=0)
    assert made["state"] == "pending"


def test_decisions_need_a_decider_in_scope_and_a_pending_request(client, session, rider, area):
    req = rider_reviews.request_review_removal(session, rider["id"], for_user(rider["user"]),
                                               REQUEST, threshold=0)
    session.commit()
    url = f"/api/v1/review-requests/{req['id']}/decision"
    assert client.post(url, json={"approve": True}).status_code == 401
    _, leader = _login_user(session, "t_leader_rev", "leader")
    _, outsider = _login_user(session, "t_comm_out", "community_staff", area["other"][:12])
    _, insider = _login_user(session, "t_comm_in", "community_staff", area["community"])
    assert client.post(url, headers=rider["headers"], json={"approve": True}).status_code == 403
    assert client.post(url, headers=leader, json={"approve": True}).status_code == 403
    out = client.post(url, headers=outsider, json={"approve": True})
    assert out.status_code == 403 and out.get_json()["error"]["code"] == "out_of_scope"
    assert client.post(url, headers=insider, json={"approve": "yes"}).status_code == 422
    ok = client.post(url, headers=insider, json={"approve": False, "note": "客户不同意协商"})
    assert ok.status_code == 200
    assert (ok.get_json()["state"], ok.get_json()["note"]) == ("declined", "客户不同意协商")
    twice = client.post(url, headers=insider, json={"approve": True})
    assert twice.status_code == 409 and twice.get_json()["error"]["code"] == "already_decided"
    assert client.post("/api/v1/review-requests/999999/decision", headers=insider,
                       json={"approve": True}).status_code == 404


def test_requests_are_listed_per_rider_and_by_scope(client, session, rider, area):
    other_user, other_headers = _login_user(session, "t_rider_two", "rider")
    other = add_member(session, "骑手乙", area["grids"][3:5], other_user)
    for mid, user in ((rider["id"], rider["user"]), (other, other_user)):
        rider_reviews.request_review_removal(session, mid, for_user(user), REQUEST, threshold=0)
    session.commit()
    mine = client.get("/api/v1/review-requests", headers=rider["headers"]).get_json()["requests"]
    assert [q["member_id"] for q in mine] == [rider["id"]]
    peek = client.get(f"/api/v1/review-requests?member_id={other}", headers=rider["headers"])
    assert peek.get_json()["requests"] == []
    _, insider = _login_user(session, "t_comm_list", "community_staff", area["community"])
    _, outsider = _login_user(session, "t_comm_list_out", "community_staff", area["other"][:12])
    seen = client.get("/api/v1/review-requests?state=pending", headers=insider).get_json()
    assert {q["member_id"] for q in seen["requests"]} == {rider["id"], other}
    assert client.get("/api/v1/review-requests", headers=outsider).get_json()["requests"] == []
    assert client.get("/api/v1/review-requests?state=nope", headers=insider).status_code == 400
    assert client.get("/api/v1/review-requests").status_code == 401


def test_contributions_for_own_login_or_staff_in_scope(client, session, rider, area, staff):
    url = f"/api/v1/riders/{rider['id']}/contributions"
    assert client.get(url).status_code == 401
    own = client.get(url + "?month=2026-01", headers=rider["headers"])
    assert own.status_code == 200 and own.get_json()["month"] == "2026-01"
    _, stranger = _login_user(session, "t_rider_stranger", "grid_worker", area["community"])
    assert client.get(url, headers=stranger).status_code == 403
    _, outsider = staff("community_staff", area["other"][:12])
    assert client.get(url, headers=outsider).status_code == 403
    _, insider = staff("supervisor", area["community"][:9])
    assert client.get(url, headers=insider).status_code == 200
    assert client.get(url + "?month=2026-13", headers=insider).status_code == 400
    assert client.get("/api/v1/riders/999999/contributions", headers=insider).status_code == 404


def test_activities_are_recorded_by_staff_in_scope_not_by_the_rider(client, session, rider,
                                                                     area, staff):
    url = f"/api/v1/riders/{rider['id']}/activities"
    assert client.post(url, json={"kind": "help"}).status_code == 401
    own = client.post(url, headers=rider["headers"], json={"kind": "help"})
    assert own.status_code == 403
    _, outsider = staff("community_staff", area["other"][:12])
    assert client.post(url, headers=outsider, json={"kind": "help"}).status_code == 403
    _, insider = staff("community_staff", area["community"])
    future = (datetime.now(UTC) + timedelta(days=1)).isoformat()
    bad = client.post(url, headers=insider, json={"kind": "x", "count": 0, "at": future})
    assert bad.status_code == 422
    assert set(bad.get_json()["error"]["fields"]) == {"kind", "count", "at"}
    ok = client.post(url, headers=insider, json={"kind": "leaflets", "count": 300})
    assert ok.status_code == 201 and ok.get_json()["count"] == 300
    with pytest.raises(Forbidden):
        riders.record_activity(session, rider["id"], RESIDENT, {"kind": "help"})


@pytest.mark.parametrize("at", ["0001-01-01T00:00:00+01:00", "9999-12-31T23:00:00-05:00"])
def test_activity_times_beyond_the_calendar_are_refused_and_nothing_is_written(
        client, session, rider, area, staff, at):
    url = f"/api/v1/riders/{rider['id']}/activities"
    _, insider = staff("community_staff", area["community"])
    r = client.post(url, headers=insider, json={"kind": "help", "at": at})
    assert r.status_code == 422 and set(r.get_json()["error"]["fields"]) == {"at"}
    assert session.execute(text("SELECT count(*) FROM rider_activities WHERE member_id = :m"),
                           {"m": rider["id"]}).scalar_one() == 0


def _csrf(client, path):
    html = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf-token" content="([^"]+)"', html).group(1)


def _login(client, name):
    r = client.post("/login", data={"name": name, "password": PASSWORD,
                                    "csrf_token": _csrf(client, "/login")})
    assert r.status_code == 302


def test_ledger_page_masks_phones_and_decides_with_csrf(client, session, rider, area):
    req = rider_reviews.request_review_removal(session, rider["id"], for_user(rider["user"]),
                                               {**REQUEST, "reason": "<script>x</script>"},
                                               threshold=0)
    session.commit()
    assert client.get("/riders").status_code == 302
    _login_user(session, "t_comm_page", "community_staff", area["community"])
    _login(client, "t_comm_page")
    html = client.get("/riders").get_data(as_text=True)
    assert "骑手甲" in html and "138****5678" in html and "13812345678" not in html
    assert "<script>x</script>" not in html and "&lt;script&gt;x&lt;/script&gt;" in html
    url = f"/riders/review-requests/{req['id']}/decision"
    assert client.post(url, data={"decision": "approve"}).status_code == 400  # no CSRF token
    token = _csrf(client, "/riders")
    r = client.post(url, data={"decision": "approve", "csrf_token": token, "note": "已协商"})
    assert r.status_code == 302
    assert session.execute(text("SELECT state FROM review_requests WHERE id = :i"),
                           {"i": req["id"]}).scalar() == "approved"
    r = client.post("/riders/activities", data={"member_id": rider["id"], "kind": "help",
                                                "count": 1, "csrf_token": token})
    assert r.status_code == 302
    assert riders.contributions(session, rider["id"])["help"] == 1


def test_ledger_page_is_for_viewers_only(client, session, rider):
    _login(client, rider["user"].name)
    assert client.get("/riders").status_code == 403


def test_ledger_page_shows_phones_to_permitted_staff_and_audits_it(client, session, rider):
    admin, _ = _login_user(session, "t_admin_riders", "admin")
    _login(client, admin.name)
    html = client.get("/riders?month=2026-01").get_data(as_text=True)
    assert "13812345678" in html and "2026-01" in html
    assert session.execute(text("SELECT count(*) FROM audit_log WHERE user_id = :u AND "
                                "action = 'read_personal_data'"), {"u": admin.id}).scalar() == 1
    assert client.get("/riders?month=2026-99").status_code == 400
