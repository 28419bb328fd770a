"""The staff member map (网格力量): on-duty members by kind, stale positions, coverage gaps;
staff only; names for staff, phones never."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text

from layers.access import users
from layers.demo import people as demo_people
from layers.members import map_data as member_map
from tests import factories
from web.core import maps
from web.members import maps as member_maps

PASSWORD = "secret-pass-123"
EVIL = "<script>alert('m')</script>王"
PHONE = "13912345678"
NOW = datetime(2026, 11, 27, 2, 0, tzinfo=UTC)


def _login(client, session, name: str, role: str, scope: str | None = None) -> None:
    users.create_user(session, name, role, PASSWORD, scope_code=scope)
    session.commit()
    html = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)
    r = client.post("/login", data={"name": name, "password": PASSWORD, "csrf_token": token})
    assert r.status_code == 302


def _member(session, kind: str, grids: list[str], on_duty=True, age_min: float | None = 5,
            department=None, name="成员", active=True) -> int:
    placed = {} if age_min is None else {
        "position": (131.0031, 45.7711), "position_at": NOW - timedelta(minutes=age_min)}
    return factories.member(session, kind, name, grids, phone=PHONE, department_code=department,
                            on_duty=on_duty, active=active, **placed)


def _grids(session, community: str | None = None) -> list[str]:
    return list(session.execute(text(
        "SELECT code FROM grids WHERE valid_to IS NULL AND (CAST(:c AS text) IS NULL "
        "OR community_code = :c) ORDER BY code"), {"c": community}).scalars())


def test_on_duty_members_carry_kind_position_and_stale_flag_but_no_phone(session):
    g = _grids(session)[:1]
    fresh = _member(session, "rider", g, age_min=29)
    stale = _member(session, "grid_worker", g, age_min=31)
    _member(session, "professional", g, on_duty=False, department="water")
    _member(session, "volunteer", g, age_min=None)
    _member(session, "part_time", g, active=False)
    rows = {r["id"]: r for r in member_map.on_duty(session, NOW)}
    assert set(rows) == {fresh, stale}
    assert rows[fresh]["stale"] is False and rows[stale]["stale"] is True
    assert rows[fresh]["kind"] == "rider" and rows[stale]["age_min"] == 31
    assert rows[fresh]["lon"] == pytest.approx(131.0031)
    assert all("phone" not in r and "name" not in r for r in rows.values())
    named = member_map.on_duty(session, NOW, with_names=True)
    assert {r["name"] for r in named} == {"成员"}
    counts = member_map.kind_counts(list(rows.values()))
    assert counts["grid_worker"] == {"label": "专职网格员", "on_duty": 1, "stale": 1}


def test_coverage_lists_grids_without_a_professional_of_the_department(session):
    a_comm, b_comm = session.execute(text(
        "SELECT DISTINCT community_code FROM grids WHERE valid_to IS NULL "
        "ORDER BY community_code LIMIT 2")).scalars()
    everything, a, b = _grids(session), _grids(session, a_comm), _grids(session, b_comm)
    _member(session, "professional", a, department="heating")
    _member(session, "professional", b, department="heating", active=False)
    _member(session, "professional", b, department="water")
    _member(session, "rider", a[:1] + b[:1])
    heating = member_map.grids_without_professional(session, "heating")
    assert heating == [g for g in everything if g not in a]
    assert member_map.grids_without_professional(session, "water") == [
        g for g in everything if g not in b]
    both = member_map.coverage(session, ["heating", "water", "police"])
    assert both["heating"] == heating and both["police"] == everything
    assert member_map.grids_without_rider(session) == [
        g for g in everything if g not in (a[0], b[0])]


def test_a_scoped_viewer_sees_only_members_and_gaps_of_their_scope(session):
    a_comm, b_comm = session.execute(text(
        "SELECT DISTINCT community_code FROM grids WHERE valid_to IS NULL "
        "ORDER BY community_code LIMIT 2")).scalars()
    a, b = _grids(session, a_comm), _grids(session, b_comm)
    inside = _member(session, "rider", a[:1])
    outside = _member(session, "rider", b[:1])
    both = _member(session, "professional", a[:1] + b[:1], department="heating")
    seen = {r["id"] for r in member_map.on_duty(session, NOW, scope=a_comm)}
    assert inside in seen and both in seen and outside not in seen
    assert {inside, outside, both} <= {r["id"] for r in member_map.on_duty(session, NOW)}
    assert member_map.grids_without_rider(session, a_comm) == a[1:]
    assert member_map.coverage(session, ["heating"], a_comm)["heating"] == a[1:]


def test_member_page_is_staff_only(client, session):
    r = client.get("/members")
    assert r.status_code == 302 and "/login?next=/members" in r.headers["Location"]
    assert "网格力量" not in client.get("/map").get_data(as_text=True)
    _login(client, session, "t_member_leader", "leader")
    r = client.get("/members")
    assert r.status_code == 200
    html = r.get_data(as_text=True)
    assert "<title>网格力量 · 七台河市网格化治理</title>" in html
    assert 'href="/members">网格力量</a>' in html


def test_member_page_shows_names_escaped_and_never_phones(client, session):
    g = _grids(session)[:2]
    _member(session, "professional", g, department="heating", name=EVIL, age_min=0)
    _login(client, session, "t_member_disp", "dispatcher")
    html = client.get("/members").get_data(as_text=True)
    assert PHONE not in html
    assert EVIL not in html and "<script>alert(" not in html
    data = client.get("/api/v1/members/map").get_data(as_text=True)
    assert EVIL in data and PHONE not in data  # the name in the map data, as JSON
    assert "&lt;script&gt;alert" in html  # the name in the shortfall table
    assert ".getContainer().gridgov = {" in html and "/static/js/members/membermap.js" in html
    assert 'id="coverage-department"' in html and 'id="coverage-no-rider"' in html
    assert 'data-member-kind="rider"' in html and "专业网格员" in html


def test_member_page_shortfall_filters_and_bad_month(client, session):
    g = _grids(session)[:1]
    _member(session, "professional", g, department="heating", name="供热甲")
    _member(session, "professional", g, department="water", name="供水乙")
    _login(client, session, "t_member_admin", "admin")
    html = client.get("/members?department=water&month=2026-11").get_data(as_text=True)
    table = html[html.index('id="shortfall"'):]
    assert "供水乙" in table and "供热甲" not in table and "2026年11月" in html
    assert client.get("/members?month=2026-13").status_code == 400
    assert client.get("/members?department=nope").status_code == 400


def test_member_page_stays_small_with_thousands_on_duty(client, session):
    demo_people.load(session, seed=3, scale={"part_time": 2000, "volunteer": 1000,
                                             "rider": 371, "professional_per_dept": 130})
    session.commit()
    on_duty = session.execute(text("SELECT count(*) FROM members WHERE on_duty AND active "
                                   "AND position IS NOT NULL")).scalar()
    _login(client, session, "t_member_size", "supervisor", scope="230903011")
    r = client.get("/members", headers={"Accept-Encoding": "gzip"})
    assert on_duty > 2500
    assert len(r.data) < 400_000, len(r.data)  # gzipped: grids + members + table


def test_builder_works_on_plain_data_without_a_database():
    square = {"type": "Polygon", "coordinates": [[[131.0, 45.7], [131.01, 45.7],
                                                  [131.01, 45.71], [131.0, 45.7]]]}
    props = {"code": "230903011001001", "name": "一网格", "kind": "基础网格",
             "community_code": "230903011001", "community_name": "社区",
             "street_code": "230903011", "street_name": "桃东街道", "district_code": "230903",
             "district_name": "桃山区", "households": 1, "population": 2, "area_m2": 3.0}
    members = [{"id": 7, "kind": "rider", "lon": 131.005, "lat": 45.705, "age_min": 40,
                "stale": True, "name": "骑手"}]
    assert maps.grid_layer([{"type": "Feature", "properties": props, "geometry": square}])[
        "features"][0]["geometry"] == square
    layers = member_maps.MemberLayers(grids_url="/g", data_url="/d")
    m = member_maps.member_map(layers)
    html = m.get_root().render()
    assert ".getContainer().gridgov = {" in html and "preferCanvas" in html
    assert '"data": "/d"' in html and '"grids": "/g"' in html
    assert member_maps.points(members) == [[131.005, 45.705, 3, 1, 7, 40, "骑手"]]
    assert [k["kind"] for k in member_maps.kind_legend()][:3] == [
        "grid_leader", "grid_worker", "professional"]
