"""The demo's people over time: professional members' service days this month (most reach five
days, a minority falls short, nothing in the future), the demo rider's login (role rider: reports
credited on /riders/me and /riders, staff pages refused) and `flask demo refresh-positions`
(fresh positions inside the members' grids)."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import text

from layers.access import roles, users
from layers.access.actors import RESIDENT
from layers.demands import intake
from layers.demands.dispatch import rule as dispatch_rule
from layers.demands.fields import check_new_demand
from layers.demo import people as demo_people
from layers.demo import positions as demo_positions
from layers.demo import service_days as demo_service_days
from layers.demo import users as demo_users
from layers.members import map_data as member_map
from layers.members import service_days
from layers.riders import contributions as riders

NOW = datetime(2026, 11, 20, 6, 0, tzinfo=UTC)  # 14:00 on the 20th in Qitaihe
EARLY = datetime(2026, 11, 3, 1, 0, tzinfo=UTC)  # 09:00 on the 3rd
FEW = {"part_time": 0, "volunteer": 0, "rider": 20, "professional_per_dept": 25}
SEED = 230900


def _load(session, scale: dict, now: datetime = NOW) -> list[int]:
    """Load demo members in the test transaction; return the new member ids."""
    since = session.execute(text("SELECT coalesce(max(id), 0) FROM members")).scalar()
    demo_people.load(session, seed=SEED, scale=scale, now=now)
    return list(session.execute(text("SELECT id FROM members WHERE id > :s ORDER BY id"),
                                {"s": since}).scalars())


def _days(session, ids: list[int]) -> list[dict]:
    return [dict(r) for r in session.execute(text(
        "SELECT s.member_id, s.day, s.community_code, s.check_in_at, s.check_out_at, "
        "(SELECT community_code FROM grids WHERE valid_to IS NULL AND ST_Covers(geom, "
        "s.check_in) ORDER BY code LIMIT 1) AS in_community, (SELECT community_code FROM grids "
        "WHERE valid_to IS NULL AND ST_Covers(geom, s.check_out) ORDER BY code LIMIT 1) AS "
        "out_community, ARRAY(SELECT DISTINCT left(grid_code, 12) FROM member_grids g "
        "WHERE g.member_id = s.member_id) AS mine FROM member_service_days s "
        "WHERE s.member_id = ANY(:ids) ORDER BY s.member_id, s.day"), {"ids": ids}).mappings()]


def _short_share(session, ids: list[int], now: datetime) -> float:
    rows = [r for r in service_days.shortfall(session, date(2026, 11, 1), now=now,
                                              only_short=False) if r["member_id"] in set(ids)]
    return sum(r["shortfall"] > 0 for r in rows) / len(rows)


def test_most_professionals_serve_five_days_this_month_and_a_minority_falls_short(session):
    ids = _load(session, FEW)
    added = demo_service_days.load(session, seed=SEED, now=NOW)
    rows = _days(session, ids)
    assert added == len(rows) > 0
    assert 0.08 <= _short_share(session, ids, NOW) <= 0.25
    for r in rows:
        assert date(2026, 11, 1) <= r["day"] <= date(2026, 11, 20)
        assert r["check_in_at"] <= NOW and r["in_community"] == r["community_code"]
        assert r["community_code"] in r["mine"]
        if r["check_out_at"] is not None:
            assert r["check_in_at"] < r["check_out_at"] <= NOW
            assert service_days.local_day(r["check_out_at"]) == r["day"]
            assert r["out_community"] in r["mine"]
    unfinished = [r for r in rows if r["check_out_at"] is None]
    assert 0 < len(unfinished) < 0.1 * len(rows)
    assert all(r["day"] < date(2026, 11, 20) for r in unfinished)


def test_service_days_scale_to_the_days_elapsed_and_a_later_load_adds_only_new_days(session):
    ids = _load(session, FEW, now=EARLY)
    demo_service_days.load(session, seed=SEED, now=EARLY)
    early = _days(session, ids)
    assert early and all(r["day"] < date(2026, 11, 3) for r in early)  # none started today
    assert _short_share(session, ids, EARLY) == 1.0  # two days cannot make five
    assert demo_service_days.load(session, seed=SEED, now=EARLY) == 0
    demo_service_days.load(session, seed=SEED, now=NOW)
    later = _days(session, ids)
    assert len(later) > 2 * len(early)
    assert [r for r in later if r["day"] < date(2026, 11, 3)] == early


def test_the_demo_rider_logs_in_reports_and_is_credited_on_the_riders_page(
        client, app, session):
    accounts = {name: password for name, _, password in demo_users.create_demo_users(session)}
    _load(session, {**FEW, "rider": 371, "professional_per_dept": 0})
    name, role, password = demo_people.create_demo_rider(session)
    session.commit()
    assert (name, role) == (demo_people.DEMO_RIDER, roles.RIDER)
    assert demo_people.create_demo_rider(session) is None  # once
    user = users.get_user(session, name)
    mid = riders.rider_of_user(session, user.id)
    rider = riders.rider(session, mid)
    community = demo_users.DEMO_SCOPES[roles.GRID_WORKER]
    assert (user.role, user.scope_code, user.personal_data) == (roles.RIDER, None, False)
    assert rider["home_grid"].startswith(community)
    # the grid worker account stays the rule's target for the community's demands
    target = dispatch_rule.rule_target(session, rider["home_grid"], {"community_solvable": True})
    assert target == {"user": users.get_user(session, "grid_worker").id}

    r = _log_in(client, name, password, landing="/report")
    html = r.get("/report").get_data(as_text=True)
    assert user.display_name in html and rider["name"] in user.display_name
    assert 'href="/riders/me"' in html
    x, y = session.execute(text("SELECT ST_X(p), ST_Y(p) FROM (SELECT ST_PointOnSurface(geom) "
                                "AS p FROM grids WHERE code = :g AND valid_to IS NULL) AS g"),
                           {"g": rider["home_grid"]}).one()
    r = client.post("/api/v1/demands", headers={"X-CSRFToken": _csrf(html)}, json={
        "title": "井盖缺失", "category": "0201", "lon": x, "lat": y, "source": "rider_snapshot"})
    assert r.status_code == 201, r.get_json()
    assert r.get_json()["reporter_member_id"] == mid
    mine = client.get("/riders/me").get_data(as_text=True)
    assert re.search(r'id="my-points">1<', mine) and rider["phone"] not in mine
    for page in ("/riders", "/dispatch", "/members", "/staff/demands/new"):
        refused = client.get(page)
        assert refused.status_code == 403 and "骑手（流动网格员）账号只能" in refused.get_data(
            as_text=True), page

    staff = _log_in(app.test_client(), "community_staff", accounts["community_staff"])
    page = staff.get("/riders").get_data(as_text=True)
    row = re.search(rf"<td>{mid}</td><td>{rider['name']}</td>.*?</tr>", page, re.S)
    assert row and re.findall(r'text-end">(\d+)<', row.group(0))[:2] == ["1", "0"]


def test_demo_load_records_service_days_and_prints_the_rider_account_once(app, session):
    ids = _load(session, {**FEW, "rider": 371})
    intake.file_demand(session, check_new_demand({"title": "积水", "category": "0201",
                                                  "grid_code": "230903011001001"}), RESIDENT)
    session.commit()  # members and a demand: the CLI loads neither again
    runner = app.test_cli_runner()
    out = runner.invoke(args=["demo", "load", "--if-empty"])
    assert out.exit_code == 0, out.output
    password = re.search(r"demo account  rider +role rider +password (\S+)", out.output)
    assert password and users.authenticate(session, "rider", password[1]) is not None
    added = int(re.search(r"(\d+) service days added this month", out.output)[1])
    assert added == session.execute(text("SELECT count(*) FROM member_service_days "
                                         "WHERE member_id = ANY(:i)"), {"i": ids}).scalar()
    again = runner.invoke(args=["demo", "load", "--if-empty"])
    assert again.exit_code == 0 and "demo account" not in again.output


def _csrf(html: str) -> str:
    return re.search(r'name="csrf-token" content="([^"]+)"', html).group(1)


def _log_in(client, name: str, password: str, landing: str | None = None):
    token = _csrf(client.get("/login").get_data(as_text=True))
    r = client.post("/login", data={"name": name, "password": password, "csrf_token": token})
    assert r.status_code == 302
    assert landing is None or r.headers["Location"] == landing
    return client


@pytest.fixture
def aging(session) -> list[int]:
    """Demo members whose positions were reported an hour before NOW."""
    return _load(session, {**FEW, "part_time": 50, "volunteer": 30}, now=NOW - timedelta(hours=1))


def _positions(session, ids: list[int]) -> dict[int, dict]:
    return {r["id"]: dict(r) for r in session.execute(text(
        "SELECT m.id, m.on_duty, m.position_at, ST_X(m.position) AS lon, ST_Y(m.position) AS lat, "
        "(SELECT count(*) FROM member_positions p WHERE p.member_id = m.id) AS history, "
        "EXISTS (SELECT 1 FROM member_grids g JOIN grids x ON x.code = g.grid_code AND "
        "x.valid_to IS NULL WHERE g.member_id = m.id AND ST_Covers(x.geom, m.position)) AS home "
        "FROM members m WHERE m.id = ANY(:ids) AND m.position IS NOT NULL"),
        {"ids": ids}).mappings()}


def test_refresh_moves_on_duty_members_a_little_inside_their_grids_once(session, aging):
    before = _positions(session, aging)
    assert demo_positions.refresh(session, seed=1, now=NOW) >= sum(
        p["on_duty"] for p in before.values())
    after = _positions(session, aging)
    for mid, old in before.items():
        new = after[mid]
        if not old["on_duty"]:
            assert new == old
            continue
        assert NOW - demo_positions.SPREAD <= new["position_at"] <= NOW
        assert new["home"] and new["history"] == old["history"] + 1
        assert abs(new["lon"] - old["lon"]) < 0.01 and abs(new["lat"] - old["lat"]) < 0.01
    on_duty = [r for r in member_map.on_duty(session, NOW) if r["id"] in before]
    assert on_duty and not any(r["stale"] for r in on_duty)
    assert demo_positions.refresh(session, seed=1, now=NOW + timedelta(minutes=5)) == 0
    assert _positions(session, aging) == after


def test_refresh_positions_command_leaves_a_city_that_is_not_the_demo_alone(
        app, session, aging):
    runner = app.test_cli_runner()
    session.execute(text("UPDATE grid_sources SET synthetic = false"))
    session.commit()
    out = runner.invoke(args=["demo", "refresh-positions"])
    assert out.exit_code == 0 and "not the demo city" in out.output
    assert session.execute(text("SELECT max(position_at) FROM members WHERE id = ANY(:i)"),
                           {"i": aging}).scalar() < NOW - timedelta(minutes=30)
    session.execute(text("UPDATE grid_sources SET synthetic = true"))
    session.commit()
    out = runner.invoke(args=["demo", "refresh-positions"])
    assert out.exit_code == 0 and re.search(r"\d+ positions refreshed", out.output)
