"""Candidates for a demand: department, responsibility, duty, geodesic distance, workload;
positions; overrides; auto-dispatch."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text

from gis import coords
from gis.errors import BadInput
from layers.demands import taxonomy
from layers.demands.dispatch import candidates
from layers.demo import people as demo_people
from layers.members import store as members
from tests import factories

CITY_HALL = (131.0031, 45.7711)
SMALL = {"part_time": 40, "volunteer": 20, "rider": 30, "professional_per_dept": 130}


@pytest.fixture
def people(session):
    demo_people.load(session, seed=7, scale=SMALL)
    session.commit()


def _demand(client, category="1001", lon=CITY_HALL[0], lat=CITY_HALL[1]):
    r = client.post("/api/v1/demands", json={"title": "候选", "category": category,
                                              "lon": lon, "lat": lat})
    return r.get_json()


def _member(session, kind, grid, department=None, lon=None, lat=None, on_duty=True):
    return factories.member(session, kind, "测试", [grid],
                            None if lon is None else (lon, lat), department_code=department,
                            on_duty=on_duty)


def test_ranked_by_responsibility_then_distance_within_the_department(client, session, people):
    d = _demand(client)
    ranked = candidates.candidates(session, d["code"], 10)["candidates"]
    assert ranked and all(c["department_code"] == "heating" for c in ranked)
    tiers = [0 if "本网格" in c["reason"] else 1 if "相邻" in c["reason"] else 2 for c in ranked]
    assert tiers == sorted(tiers) and tiers[-1] == 2
    assert all(c["responsible"] == (t < 2) for c, t in zip(ranked, tiers, strict=True))
    first = ranked[0]
    truth = session.execute(text(
        "SELECT ST_Distance(m.position::geography, d.geom::geography) FROM members m, demands d "
        "WHERE m.id = :m AND d.code = :c"), {"m": first["member_id"], "c": d["code"]}).scalar()
    assert first["distance_m"] == pytest.approx(truth, abs=0.1)


def test_nearest_is_geodesic_not_by_degrees(client, session):
    d = _demand(client)
    grid = d["grid_code"]
    lon, lat = d["lon"], d["lat"]
    east = _member(session, "professional", grid, "heating", lon + 0.010, lat)  # ≈ 776 m
    north = _member(session, "professional", grid, "heating", lon, lat + 0.008)  # ≈ 890 m
    ranked = [c["member_id"] for c in candidates.candidates(session, d["code"], 5)["candidates"]]
    assert ranked.index(east) < ranked.index(north)


def test_on_duty_members_come_before_nearer_off_duty_ones(client, session):
    d = _demand(client)
    near_off = _member(session, "professional", d["grid_code"], "heating", d["lon"] + 0.0005,
                       d["lat"], on_duty=False)
    far_on = _member(session, "professional", d["grid_code"], "heating", d["lon"] + 0.005,
                     d["lat"])
    ranked = [c["member_id"] for c in candidates.candidates(session, d["code"], 5)["candidates"]]
    assert ranked.index(far_on) < ranked.index(near_off)


def test_workload_counts_open_demands_and_breaks_distance_ties(client, session, staff):
    d = _demand(client)
    busy = _member(session, "professional", d["grid_code"], "heating", d["lon"] + 0.003, d["lat"])
    idle = _member(session, "professional", d["grid_code"], "heating", d["lon"] - 0.003, d["lat"])
    for category in ("1002", "1201"):
        other = _demand(client, category)
        session.execute(text("UPDATE demands SET assignee_member_id = :m WHERE code = :c"),
                        {"m": busy, "c": other["code"]})
    ranked = {c["member_id"]: c for c in candidates.candidates(session, d["code"], 5)[
        "candidates"]}
    assert ranked[busy]["workload"] == 2 and ranked[idle]["workload"] == 0


def test_community_solvable_category_offers_the_grid_worker(client, session, people):
    d = _demand(client, "0103")
    kinds = {c["kind"] for c in candidates.candidates(session, d["code"], 10)["candidates"]
             if c["responsible"]}
    assert "grid_worker" in kinds and "grid_leader" in kinds


def test_dispatching_outside_responsibility_needs_a_logged_reason(client, session, staff,
                                                                   people):
    d = _demand(client)
    ranked = candidates.candidates(session, d["code"], 10)["candidates"]
    outsider = next(c for c in ranked if not c["responsible"])
    insider = next(c for c in ranked if c["responsible"])
    _, disp = staff("dispatcher")
    url = f"/api/v1/demands/{d['code']}/transitions"
    r = client.post(url, json={"action": "dispatch", "to": {"member": outsider["member_id"]}},
                    headers=disp)
    assert r.status_code == 422 and "note" in r.get_json()["error"]["fields"]
    r = client.post(url, json={"action": "dispatch", "to": {"member": insider["member_id"]}},
                    headers=disp)
    assert r.status_code == 200
    assert r.get_json()["assignee_member_id"] == insider["member_id"]
    payload = session.execute(text(
        "SELECT payload FROM demand_events e JOIN demands d ON d.id = e.demand_id "
        "WHERE d.code = :c AND action = 'dispatch'"), {"c": d["code"]}).scalar_one()
    assert payload["override"] is False


def test_auto_dispatch_category_goes_to_the_first_candidate(client, session, people):
    taxonomy.update_category(session, "1101", {"auto_dispatch": True}, "test")
    d = _demand(client, "1101")
    assert d["state"] == "dispatched"
    assert session.execute(text("SELECT assignee_member_id FROM demands WHERE code = :c"),
                           {"c": d["code"]}).scalar() is not None
    role = session.execute(text(
        "SELECT actor_role FROM demand_events e JOIN demands d ON d.id = e.demand_id "
        "WHERE d.code = :c AND action = 'dispatch'"), {"c": d["code"]}).scalar_one()
    assert role == "system"


def test_candidates_endpoint_needs_a_coordinator(client, staff, people):
    d = _demand(client)
    url = f"/api/v1/demands/{d['code']}/candidates"
    assert client.get(url).status_code == 401
    assert client.get(url, headers=staff("leader")[1]).status_code == 403
    _, disp = staff("dispatcher")
    body = client.get(url + "?limit=3", headers=disp).get_json()
    assert len(body["candidates"]) == 3 and "直线距离" in body["distance"]
    assert client.get(url + "?limit=0", headers=disp).status_code == 422
    assert client.get("/api/v1/demands/QTH-20000101-0001/candidates",
                      headers=disp).status_code == 404


def _positions(session, mid):
    return session.execute(text("SELECT count(*) FROM member_positions WHERE member_id = :m"),
                           {"m": mid}).scalar()


def test_gcj02_position_is_converted_and_kept_in_history(session):
    mid = _member(session, "rider", "230903011001001", lon=None, lat=None)
    glon, glat = coords.wgs84_to_gcj02(*CITY_HALL)
    out = members.record_position(session, mid, {"lon": glon, "lat": glat, "crs": "gcj02",
                                                 "accuracy": 10})
    assert out["lon"] == pytest.approx(CITY_HALL[0], abs=1e-5)
    assert _positions(session, mid) == 1


@pytest.mark.parametrize("body,field", [
    ({"lon": 131.6, "lat": 46.5, "accuracy": 10}, "location"),
    ({"lon": 131.0, "lat": 45.77, "accuracy": 5000}, "accuracy"),
    ({"lon": 131.0, "lat": 45.77, "time": "2099-01-01T00:00:00+08:00"}, "time"),
    ({"lon": 131.0, "lat": 45.77, "time": "2020-01-01T00:00:00+08:00"}, "time"),
    ({"lon": 131.0, "lat": 45.77, "time": "yesterday"}, "time"),
    ({"lon": 131.0, "lat": 45.77, "time": "0001-01-01T00:00:00+01:00"}, "time"),
    ({"lon": 131.0, "lat": 45.77, "time": "9999-12-31T23:00:00-05:00"}, "time"),
    ({"lon": "x", "lat": 45.77}, "location"),
])
def test_bad_positions_are_refused_and_nothing_is_written(session, body, field):
    mid = _member(session, "rider", "230903011001001", lon=None, lat=None)
    members.record_position(session, mid, {"lon": 131.0, "lat": 45.77, "accuracy": 10,
                                           "time": (datetime.now(UTC) - timedelta(hours=1))
                                           .isoformat()})
    with pytest.raises(Exception) as err:
        members.record_position(session, mid, body)
    assert field in getattr(err.value, "fields", {})
    assert _positions(session, mid) == 1


def test_only_the_member_or_a_dispatcher_posts_positions(client, session, staff):
    mid = _member(session, "rider", "230903011001001", lon=None, lat=None)
    rider, rider_h = staff("rider")
    url = f"/api/v1/members/{mid}/positions"
    at = (datetime.now(UTC) - timedelta(minutes=1)).isoformat()
    body = {"lon": 131.0, "lat": 45.77, "accuracy": 10, "time": at}
    assert client.post(url, json=body).status_code == 401
    assert client.post(url, json=body, headers=rider_h).status_code == 403
    session.execute(text("UPDATE members SET user_id = :u WHERE id = :m"),
                    {"u": rider.id, "m": mid})
    r = client.post(url, json=body, headers=rider_h)
    assert r.status_code == 201 and "phone" not in r.get_json()
    assert client.post(url, json=body, headers=rider_h).status_code == 422  # not newer


def test_candidates_outside_the_coordinators_scope_are_refused(client, staff):
    d = _demand(client)  # in Taoshan
    _, xinxing = staff("dispatcher", scope="230902")
    r = client.get(f"/api/v1/demands/{d['code']}/candidates", headers=xinxing)
    assert r.status_code == 403


def test_linking_a_login_to_a_member_from_the_command_line(app, session, staff):
    mid = _member(session, "rider", "230903011001001", lon=None, lat=None)
    other = _member(session, "rider", "230903011001002", lon=None, lat=None)
    user, _ = staff("rider")
    worker, _ = staff("grid_worker", scope="230903011001")
    runner = app.test_cli_runner()
    staff_login = runner.invoke(args=["members", "link", str(mid), worker.name])
    assert staff_login.exit_code != 0 and "流动网格员只能关联骑手账号" in staff_login.output
    assert runner.invoke(args=["members", "link", str(mid), user.name]).exit_code == 0
    assert members.member(session, mid)["user_id"] == user.id
    assert session.execute(text(  # the page's audit trail, without a user
        "SELECT count(*) FROM audit_log WHERE action = 'link_member_login' AND user_id IS NULL "
        "AND subject = :s"), {"s": f"member:{mid} login:{user.name}"}).scalar() == 1
    taken = runner.invoke(args=["members", "link", str(other), user.name])
    assert taken.exit_code != 0 and "已关联网格成员" in taken.output
    assert members.member(session, other)["user_id"] is None
    assert runner.invoke(args=["members", "link", str(mid), "nobody"]).exit_code != 0
    assert runner.invoke(args=["members", "link", "999999", user.name]).exit_code != 0
    assert runner.invoke(args=["members", "link", str(mid)]).exit_code == 0
    assert members.member(session, mid)["user_id"] is None


def test_many_positions_at_once_keep_the_rules_of_one(session):
    now = datetime.now(UTC)
    mid = _member(session, "rider", "230903011001001", lon=None, lat=None)
    others = [_member(session, "rider", "230903011001001", lon=None, lat=None) for _ in range(4)]
    members.record_position(session, mid, {"lon": 131.0, "lat": 45.77, "accuracy": 10,
                                           "time": (now - timedelta(minutes=5)).isoformat()})
    fresh = (*CITY_HALL, 12.0, now - timedelta(minutes=1))
    reports = [(mid, *fresh), (others[0], *fresh),
               (others[1], 131.6, 46.5, 12.0, fresh[3]),  # outside the city
               (others[2], *CITY_HALL, 500.0, fresh[3]),  # too imprecise
               (others[3], *CITY_HALL, 12.0, now + timedelta(hours=1))]  # in the future
    assert members.record_positions(session, reports, now) == 2
    assert members.member(session, mid)["lon"] == pytest.approx(CITY_HALL[0])
    assert [_positions(session, m) for m in (mid, *others)] == [2, 1, 0, 0, 0]
    older = [(mid, *CITY_HALL, 12.0, now - timedelta(minutes=3))]  # not newer than the latest
    assert members.record_positions(session, older, now) == 0 and _positions(session, mid) == 2


def test_old_position_history_is_pruned_and_the_latest_positions_stay(app, session):
    mid = _member(session, "rider", "230903011001001", lon=131.0, lat=45.77)
    now = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)
    for days in (100, 91, 89, 1):
        session.execute(text(
            "INSERT INTO member_positions (member_id, geom, input_crs, accuracy_m, reported_at) "
            "VALUES (:m, ST_SetSRID(ST_MakePoint(131.0, 45.77), 4326), 'wgs84', 10, :at)"),
            {"m": mid, "at": now - timedelta(days=days)})

    def kept() -> list[int]:
        return sorted((now - r).days for r in session.execute(text(
            "SELECT reported_at FROM member_positions WHERE member_id = :m"), {"m": mid})
            .scalars())

    assert members.prune_positions(session, 90, now) >= 2
    assert kept() == [1, 89]
    assert members.member(session, mid)["lon"] == pytest.approx(131.0)  # the latest stays
    for bad in (0, -5, True):
        with pytest.raises(BadInput):
            members.prune_positions(session, bad, now)
    assert kept() == [1, 89]
    result = app.test_cli_runner().invoke(args=["members", "prune-positions", "--keep-days",
                                                "0"])
    assert result.exit_code != 0 and "至少" in result.output
