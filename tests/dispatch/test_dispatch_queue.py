"""The dispatcher's queue and page: urgent → overdue → oldest, scope, no personal data,
who may see it, candidates with positions, and assigning from a logged-in browser session."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text

from layers.access import users
from layers.access.actors import Actor
from layers.demands import store as demands
from layers.demands.dispatch import queue as dispatch_queue
from layers.demands.fields import check_new_demand
from layers.demo import people as demo_people

TAODONG, XINGAN = "230903011", "230902031"
PASSWORD = "dispatch-pass-123"
NOW = datetime.now(UTC)
REPORTER = {"reporter_name": "张秘密", "reporter_phone": "13912345678"}
QUEUE = "/api/v1/dispatch/queue"


def _spot(session, street: str, n: int) -> tuple[float, float]:
    """Return a point inside the n-th current grid of `street` (lon, lat)."""
    return tuple(session.execute(text(
        "SELECT ST_X(p), ST_Y(p) FROM (SELECT ST_PointOnSurface(geom) AS p FROM grids "
        "WHERE valid_to IS NULL AND code LIKE :s ORDER BY code OFFSET :n LIMIT 1) x"),
        {"s": street + "%", "n": n}).one())


def _demand(session, category: str, street: str, n: int, age: timedelta, **extra) -> str:
    """File a demand `age` ago in the n-th grid of `street`; return its code."""
    lon, lat = _spot(session, street, n)
    body = {"title": f"测试{category}-{n}", "category": category, "lon": lon, "lat": lat,
            "description": "楼道<b>漏水</b>", **extra}
    return demands.create_demand(session, check_new_demand(body), Actor(), now=NOW - age)["code"]


@pytest.fixture
def waiting(session) -> dict[str, str]:
    """Five waiting demands in 桃东 and one in 兴安, plus a dispatched and a merged one."""
    codes = {
        "ordinary_old": _demand(session, "1301", TAODONG, 0, timedelta(days=2), **REPORTER),
        "ordinary_new": _demand(session, "1302", TAODONG, 1, timedelta(hours=1)),
        "overdue": _demand(session, "1401", TAODONG, 2, timedelta(minutes=10)),
        "urgent_new": _demand(session, "0501", TAODONG, 3, timedelta(minutes=5)),
        "urgent_old": _demand(session, "0502", TAODONG, 4, timedelta(hours=3)),
        "elsewhere": _demand(session, "1301", XINGAN, 0, timedelta(days=1)),
        "dispatched": _demand(session, "1303", TAODONG, 5, timedelta(days=3)),
        "original": _demand(session, "1601", TAODONG, 6, timedelta(minutes=1)),
    }
    lon, lat = _spot(session, TAODONG, 6)
    codes["merged"] = demands.create_demand(session, check_new_demand(
        {"title": "重复", "category": "1601", "lon": lon, "lat": lat}), Actor(), now=NOW)["code"]
    session.execute(text("UPDATE demands SET deadline = :t WHERE code = :c"),
                    {"t": NOW - timedelta(hours=1), "c": codes["overdue"]})
    session.execute(text("UPDATE demands SET state = 'dispatched' WHERE code = :c"),
                    {"c": codes["dispatched"]})
    session.commit()
    return codes


def _ours(rows: list[dict], codes: dict[str, str]) -> list[str]:
    """Return the names (keys of `codes`) of the rows that are our test demands, in order."""
    names = {v: k for k, v in codes.items()}
    return [names[r["code"]] for r in rows if r["code"] in names]


def test_queue_orders_urgent_then_overdue_then_oldest(session, waiting):
    rows = dispatch_queue.queue(session, Actor(role="dispatcher", user_id=1), now=NOW)
    assert _ours(rows, waiting) == ["urgent_old", "urgent_new", "overdue", "ordinary_old",
                                    "elsewhere", "ordinary_new", "original"]
    first = next(r for r in rows if r["code"] == waiting["urgent_old"])
    assert first["urgent"] and first["overdue"] and first["category_name"] == "供水管道爆裂"
    assert first["community_name"] and first["street_name"] == "桃东街道"
    assert first["age_s"] == pytest.approx(3 * 3600, abs=5)
    original = next(r for r in rows if r["code"] == waiting["original"])
    assert original["joined_residents"] == 1 and original["source_label"]


def test_queue_leaves_out_dispatched_and_merged_demands(session, waiting):
    codes = {r["code"] for r in dispatch_queue.queue(session, Actor(role="dispatcher"))}
    assert waiting["dispatched"] not in codes and waiting["merged"] not in codes


def test_queue_holds_only_the_actors_scope(session, waiting):
    street = Actor(role="community_staff", user_id=1, scope=TAODONG)
    rows = dispatch_queue.queue(session, street, now=NOW)
    assert rows and all(r["grid_code"].startswith(TAODONG) for r in rows)
    assert waiting["elsewhere"] not in {r["code"] for r in rows}
    assert dispatch_queue.waiting(session, street) == len(rows)
    xingan = dispatch_queue.queue(session, Actor(role="supervisor", scope=XINGAN), now=NOW)
    assert _ours(xingan, waiting) == ["elsewhere"]


def test_queue_api_carries_no_personal_data_and_audits_nothing(client, session, staff, waiting):
    _, headers = staff("dispatcher")  # dispatchers may see personal data elsewhere
    r = client.get(QUEUE, headers=headers)
    assert r.status_code == 200
    body = r.get_json()
    raw = r.get_data(as_text=True)
    assert REPORTER["reporter_name"] not in raw and REPORTER["reporter_phone"] not in raw
    assert all("reporter_name" not in d and "reporter_phone" not in d for d in body["demands"])
    assert all("follow_token_hash" not in d and "id" not in d for d in body["demands"])
    assert body["waiting"] >= 7 and body["limit"] == 100
    assert session.execute(text("SELECT count(*) FROM audit_log")).scalar_one() == 0


def test_queue_api_limit_and_scope(client, staff, waiting):
    _, headers = staff("community_staff", scope=XINGAN)
    body = client.get(QUEUE + "?limit=1", headers=headers).get_json()
    assert [d["code"] for d in body["demands"]] == [waiting["elsewhere"]]
    assert body["scope"] == XINGAN
    r = client.get(QUEUE + "?limit=0", headers=headers)
    assert r.status_code == 422 and "limit" in r.get_json()["error"]["fields"]


def test_queue_api_refuses_anonymous_and_non_coordinators(client, staff):
    r = client.get(QUEUE)
    assert r.status_code == 401 and r.get_json()["error"]["code"] == "unauthorized"
    for role, dept in (("grid_worker", None), ("department_staff", "water"), ("leader", None)):
        _, headers = staff(role, department=dept)
        r = client.get(QUEUE, headers=headers)
        assert r.status_code == 403 and r.get_json()["error"]["code"] == "forbidden", role
    for role in ("dispatcher", "community_staff", "supervisor", "admin"):
        _, headers = staff(role)
        assert client.get(QUEUE, headers=headers).status_code == 200, role


# --- the page ---------------------------------------------------------------------------------


def _login(client, session, name: str, role: str) -> None:
    users.create_user(session, name, role, PASSWORD)
    session.commit()
    html = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)
    r = client.post("/login", data={"name": name, "password": PASSWORD, "csrf_token": token})
    assert r.status_code == 302


def _meta_csrf(html: str) -> str:
    return re.search(r'<meta name="csrf-token" content="([^"]+)"', html).group(1)


def test_page_renders_for_a_logged_in_dispatcher(client, session):
    _login(client, session, "t_disp_page", "dispatcher")
    r = client.get("/dispatch")
    html = r.get_data(as_text=True)
    assert r.status_code == 200
    assert "<title>七台河市网格化治理 · 派单调度</title>" in html
    assert 'id="queue-list"' in html and 'id="candidate-list"' in html
    assert ".getContainer().gridgov = {" in html and "/static/js/dispatch/main.js" in html
    assert "/static/css/dispatch.css" in html and "/api/v1/dispatch/queue" in html
    assert '<a class="dropdown-item active" href="/dispatch">派单调度</a>' in html
    assert "nav-link dropdown-toggle active" in html  # its menu (工单) is marked too
    assert "tile.openstreetmap" not in html and "https://" not in html


def test_page_redirects_anonymous_to_login_and_refuses_other_roles(client, session):
    r = client.get("/dispatch")
    assert r.status_code == 302 and "/login?next=/dispatch" in r.headers["Location"]
    _login(client, session, "t_worker_page", "grid_worker")
    r = client.get("/dispatch")
    assert r.status_code == 403
    assert "派单调度" not in client.get("/map").get_data(as_text=True)


def test_candidates_carry_positions_and_a_session_assignment_empties_the_queue(client, session):
    demo_people.load(session, seed=7, scale={"part_time": 0, "volunteer": 0, "rider": 0,
                                              "professional_per_dept": 130})
    code = _demand(session, "1001", TAODONG, 7, timedelta(minutes=30))
    _login(client, session, "t_disp_assign", "dispatcher")
    token = _meta_csrf(client.get("/dispatch").get_data(as_text=True))
    assert code in {d["code"] for d in client.get(QUEUE).get_json()["demands"]}
    ranked = client.get(f"/api/v1/demands/{code}/candidates?limit=9").get_json()["candidates"]
    assert len(ranked) == 9 and all(c["lon"] and c["lat"] for c in ranked)
    truth = session.execute(text("SELECT ST_X(position), ST_Y(position) FROM members "
                                 "WHERE id = :m"), {"m": ranked[0]["member_id"]}).one()
    assert (ranked[0]["lon"], ranked[0]["lat"]) == pytest.approx(tuple(truth))
    url = f"/api/v1/demands/{code}/transitions"
    body = {"action": "dispatch", "to": {"member": ranked[0]["member_id"]}}
    assert client.post(url, json=body).status_code == 400  # no CSRF header: refused
    r = client.post(url, json=body, headers={"X-CSRFToken": token})
    assert r.status_code == 200 and r.get_json()["state"] == "dispatched"
    assert code not in {d["code"] for d in client.get(QUEUE).get_json()["demands"]}

