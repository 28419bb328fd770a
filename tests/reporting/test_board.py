"""The public board (晒单): community figures, public-only demand lists, claiming (认领)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text

from layers.access.actors import RESIDENT, for_user
from layers.demands import escalation, labels, transitions
from layers.demands import store as demands
from layers.demands.fields import check_new_demand
from layers.reporting import board

CITY_HALL = {"lon": 131.0031, "lat": 45.7711}
T0 = datetime(2026, 11, 2, 1, 0, tzinfo=UTC)  # Monday 09:00 in Qitaihe
PASSWORD = "secret-pass-123"


@pytest.fixture
def make(session):
    """Create a demand (as a resident) at `at`; return its summary."""

    def _make(category: str, at: datetime = T0, **extra) -> dict:
        body = {"title": "测试诉求", "category": category, **CITY_HALL, **extra}
        return demands.create_demand(session, check_new_demand(body), RESIDENT, now=at)

    return _make


@pytest.fixture
def admin(staff):
    return for_user(staff("admin")[0])


def _close(session, code, actor, at, satisfaction=None):
    steps = [("dispatch", {}), ("sign", {}), ("resolve", {"note": "已处理"}), ("verify", {}),
             ("close", {})]
    for action, body in steps:
        transitions.apply(session, code, action, actor, body, now=at)
    if satisfaction:
        transitions.apply(session, code, "rate", actor,
                          {"solved": True, "satisfaction": satisfaction}, now=at)


def _csrf(client, path="/board"):
    html = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf-token" content="([^"]+)"', html).group(1)


def _login(client, user):
    r = client.post("/login", data={"name": user.name, "password": PASSWORD,
                                    "csrf_token": _csrf(client, "/login")})
    assert r.status_code == 302


def _state(session, code):
    return session.execute(text("SELECT state, assignee_department_code FROM demands "
                                "WHERE code = :c"), {"c": code}).one()


def test_state_labels_are_chinese_and_rates_show_a_dash_when_undefined():
    assert labels.state_label("signed") == "办理中"
    assert labels.state_label("resolved") == "已办结待核查"
    assert labels.percent(None) == "—" and labels.percent(0.5) == "50.0%"


def test_figures_for_a_known_mix(session, make, admin):
    a = make("1001")
    _close(session, a["code"], admin, T0 + timedelta(hours=2), "satisfied")  # on time
    b = make("1101")
    _close(session, b["code"], admin, T0 + timedelta(days=2), "basic")  # late
    c = make("1201")
    _close(session, c["code"], admin, T0 + timedelta(hours=3), "dissatisfied")  # on time
    d = make("1002")  # open, 24 h limit: overdue at T0 + 5 d
    merged = make("1002", T0 + timedelta(hours=1))
    assert merged["state"] == "merged"
    make("1401")  # open, 7 working days: not yet due
    g = make("1301")
    for action, body in [("dispatch", {}), ("sign", {}), ("resolve", {"note": "好了"})]:
        transitions.apply(session, g["code"], action, admin, body, now=T0)
    community = d["grid_code"][:12]
    [f] = board.community_figures(session, community, now=T0 + timedelta(days=5))
    assert f["code"] == community and f["name"] and f["street_name"]
    assert (f["received"], f["resolved"], f["closed"], f["closed_on_time"]) == (6, 4, 3, 2)
    assert f["open_overdue"] == 1 and f["on_time_rate"] == pytest.approx(2 / 4)
    assert f["rated"] == 3 and f["satisfaction_rate"] == pytest.approx(2 / 3)


def test_period_and_empty_communities_give_no_rates(session, make):
    d = make("1001")
    community = d["grid_code"][:12]
    later = board.local_period(datetime(2027, 1, 1).date(), None)
    [f] = board.community_figures(session, community, period=later)
    assert f["received"] == 0 and f["on_time_rate"] is None and f["satisfaction_rate"] is None
    [f] = board.community_figures(session, community, period=board.local_period(
        datetime(2026, 11, 2).date(), datetime(2026, 11, 2).date()))
    assert f["received"] == 1
    assert board.community_figures(session, "999999999999") == []
    street = board.community_figures(session, within=community[:9])
    assert street and all(r["street_code"] == community[:9] for r in street)


def test_board_items_carry_public_fields_and_days_taken(session, make, admin):
    a = make("1001")
    _close(session, a["code"], admin, T0 + timedelta(hours=36))
    make("1002")
    items = board.board_items(session, a["grid_code"][:12], 1, 20, now=T0 + timedelta(days=3))
    by_code = {i["code"]: i for i in items}
    closed = by_code[a["code"]]
    assert closed["days_taken"] == 1.5 and closed["on_time"] is False
    assert closed["state_label"] == "已结案" and not closed["overdue"]
    open_item = next(i for i in items if i["code"] != a["code"])
    assert open_item["overdue"] and open_item["days_taken"] == 3.0
    assert items[0] is open_item  # open overdue items first
    assert open_item["photos"] == {"before": [], "after": []}
    assert not {"reporter_name", "reporter_phone", "id", "description"} & set(closed)


def test_board_never_shows_reporter_name_or_phone(client, session, staff):
    body = {"title": "楼道灯坏了", "category": "1403", **CITY_HALL,
            "reporter_name": "张三", "reporter_phone": "13812345678"}
    d = client.post("/api/v1/demands", json=body).get_json()
    community = d["grid_code"][:12]
    dispatcher, _ = staff("dispatcher")  # has the personal-data permission
    pages = [client.get("/board"), client.get(f"/board/{community}")]
    _login(client, dispatcher)
    pages += [client.get("/board"), client.get(f"/board/{community}")]
    for r in pages:
        html = r.get_data(as_text=True)
        assert r.status_code == 200
        assert "张三" not in html and "13812345678" not in html and "1381234" not in html
    assert "楼道灯坏了" in pages[1].get_data(as_text=True)


def test_hostile_title_is_escaped(client):
    title = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    d = client.post("/api/v1/demands", json={"title": title, "category": "1403",
                                             **CITY_HALL}).get_json()
    html = client.get(f"/board/{d['grid_code'][:12]}").get_data(as_text=True)
    assert "<script>alert" not in html and "<img src=x" not in html
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in html


@pytest.mark.parametrize("code", ["999999999999", "abc", "230903011", "2309030110011"])
def test_unknown_or_malformed_community_is_a_chinese_404(client, code):
    r = client.get(f"/board/{code}")
    assert r.status_code == 404 and "未找到" in r.get_data(as_text=True)


def test_board_index_groups_filters_and_sorts(client, make, session):
    d = make("1001")
    session.commit()
    html = client.get("/board").get_data(as_text=True)
    assert "晒单公示" in html and "按期结案率" in html and "—" in html
    street = d["grid_code"][:9]
    r = client.get(f"/board?street={street}&sort=on_time&from=2026-11-01&to=2026-11-30")
    assert r.status_code == 200 and f"/board/{d['grid_code'][:12]}" in r.get_data(as_text=True)
    assert client.get("/board?sort=nope").status_code == 400
    assert client.get("/board?from=2026-13-01").status_code == 400
    assert client.get("/board?from=0001-01-01").status_code == 400  # UTC bound overflows
    assert client.get("/board?to=9999-12-31").status_code == 400
    assert client.get("/board?street=12").status_code == 400


@pytest.mark.parametrize("query", ["_method=POST", "endpoint=x", "_external=1", "_anchor=x",
                                   "_scheme=javascript", "values=1"])
def test_board_index_sort_links_ignore_other_parameters(client, query):
    r = client.get(f"/board?{query}&from=2026-11-01")
    html = r.get_data(as_text=True)
    assert r.status_code == 200
    assert 'href="/board?from=2026-11-01&amp;sort=on_time"' in html
    assert query.split("=")[0] not in html


def _overdue_and_fresh(session, make):
    now = datetime.now(UTC)
    late = make("1001", now - timedelta(days=3))
    fresh = make("1002", now)
    escalation.escalate_overdue(session, now)
    session.commit()
    return late, fresh


def _claim_forms(html):
    return set(re.findall(r'action="/board/claim/([^"]+)"', html))


def test_claim_button_only_for_department_staff_on_overdue_items(client, session, make, staff):
    late, fresh = _overdue_and_fresh(session, make)
    path = f"/board/{late['grid_code'][:12]}"
    assert _claim_forms(client.get(path).get_data(as_text=True)) == set()
    dispatcher, _ = staff("dispatcher")
    _login(client, dispatcher)
    assert _claim_forms(client.get(path).get_data(as_text=True)) == set()
    client.post("/logout", data={"csrf_token": _csrf(client)})
    heating, _ = staff("department_staff", department="heating")
    _login(client, heating)
    html = client.get(path).get_data(as_text=True)
    assert _claim_forms(html) == {late["code"]} and "认领" in html


def test_claim_moves_the_item_to_the_department(client, session, make, staff):
    late, fresh = _overdue_and_fresh(session, make)
    water, _ = staff("department_staff", department="water")
    _login(client, water)
    token = _csrf(client)
    r = client.post(f"/board/claim/{late['code']}", data={"csrf_token": token, "page": "1"})
    assert r.status_code == 302 and r.headers["Location"].endswith(
        f"/board/{late['grid_code'][:12]}")
    assert tuple(_state(session, late["code"])) == ("signed", "water")
    html = client.get(r.headers["Location"]).get_data(as_text=True)
    assert "已认领诉求" in html
    r = client.post(f"/board/claim/{fresh['code']}", data={"csrf_token": token},
                    follow_redirects=True)
    assert r.status_code == 200 and "只有超期未办的诉求可以认领" in r.get_data(as_text=True)
    r = client.post(f"/board/claim/{late['code']}", data={"csrf_token": token},
                    follow_redirects=True)  # already claimed
    assert r.status_code == 200 and "认领失败" in r.get_data(as_text=True)
    r = client.post("/board/claim/QTH-00000000-0000", data={"csrf_token": token},
                    follow_redirects=True)
    assert r.status_code == 200 and "认领失败" in r.get_data(as_text=True)


def test_claim_needs_csrf_and_a_department(client, session, make, staff):
    late, _ = _overdue_and_fresh(session, make)
    token = _csrf(client)
    r = client.post(f"/board/claim/{late['code']}", data={"csrf_token": token},
                    follow_redirects=True)
    assert r.status_code == 200 and "需要工作人员登录" in r.get_data(as_text=True)
    heating, _ = staff("department_staff", department="heating")
    _login(client, heating)
    assert client.post(f"/board/claim/{late['code']}").status_code == 400
    dispatcher, _ = staff("dispatcher")
    client.post("/logout", data={"csrf_token": _csrf(client)})
    _login(client, dispatcher)
    r = client.post(f"/board/claim/{late['code']}", data={"csrf_token": _csrf(client)},
                    follow_redirects=True)
    assert "认领失败" in r.get_data(as_text=True)
    assert _state(session, late["code"])[0] == "received"


def test_staff_without_permission_see_masked_phones_in_the_api(client, staff):
    body = {"title": "路灯不亮", "category": "1403", **CITY_HALL,
            "reporter_name": "张三", "reporter_phone": "13812345678"}
    d = client.post("/api/v1/demands", json=body).get_json()
    _, leader = staff("leader")
    out = client.get(f"/api/v1/demands/{d['code']}", headers=leader).get_json()
    assert out["reporter_phone"] == "138****5678"
    public = client.get(f"/api/v1/demands/{d['code']}").get_json()
    assert "reporter_phone" not in public and "reporter_name" not in public


def test_before_and_after_photos_are_shown_but_not_progress_ones(client, session, make):
    d = make("1001")
    for kind, ch in (("before", "b"), ("after", "a"), ("progress", "p")):
        session.execute(text(
            "INSERT INTO demand_photos (demand_id, kind, token, width, height, bytes, sha256) "
            "VALUES (:d, :k, :t, 640, 480, 1000, :s)"),
            {"d": d["id"], "k": kind, "t": ch * 43, "s": "0" * 64})
    session.commit()
    items = board.board_items(session, d["grid_code"][:12], 1, 20)
    item = next(i for i in items if i["code"] == d["code"])
    assert [p["url"] for p in item["photos"]["before"]] == [f"/media/photos/{'b' * 43}.jpg"]
    assert item["photos"]["after"][0]["thumb_url"] == f"/media/photos/{'a' * 43}_thumb.jpg"
    html = client.get(f"/board/{d['grid_code'][:12]}").get_data(as_text=True)
    assert f"{'b' * 43}_thumb.jpg" in html and f"{'a' * 43}_thumb.jpg" in html
    assert "p" * 43 not in html
