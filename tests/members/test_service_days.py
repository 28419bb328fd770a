"""Professional members' service days: check-in/out with a location in their community, one
record per local day, and who falls short of five days a month."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import text

from gis import coords
from gis.errors import BadInput, Conflict, Invalid
from layers.members import service_days
from tests import factories

NOV = datetime(2026, 11, 10, 1, 0, tzinfo=UTC)  # 09:00 in Qitaihe


def _communities(session, n: int = 2) -> list[str]:
    return list(session.execute(text(
        "SELECT DISTINCT community_code FROM grids WHERE valid_to IS NULL "
        "ORDER BY community_code LIMIT :n"), {"n": n}).scalars())


def _inside(session, community: str) -> tuple[float, float]:
    """Return a WGS84 point inside the community's first grid."""
    return tuple(session.execute(text(
        "SELECT ST_X(p), ST_Y(p) FROM (SELECT ST_PointOnSurface(geom) AS p FROM grids "
        "WHERE community_code = :c AND valid_to IS NULL ORDER BY code LIMIT 1) AS g"),
        {"c": community}).one())


def _member(session, community: str, kind: str = "professional", department="heating",
            user_id=None) -> int:
    grids = session.execute(text("SELECT code FROM grids WHERE community_code = :c AND "
                                 "valid_to IS NULL"), {"c": community}).scalars()
    return factories.member(session, kind, "下沉测试", grids, phone="13800000000",
                            department_code=department if kind == "professional" else None,
                            user_id=user_id)


def _serve(session, mid: int, community: str, days: list[int], month=NOV) -> None:
    """Check in and out on the given days of `month`'s month (09:00 to 17:00 local)."""
    x, y = _inside(session, community)
    for d in days:
        start = month.replace(day=d)
        service_days.check_in(session, mid, x, y, now=start)
        service_days.check_out(session, mid, x, y, now=start + timedelta(hours=8))


def _rows(session, mid: int) -> int:
    return session.execute(text(
        "SELECT count(*) FROM member_service_days WHERE member_id = :m"), {"m": mid}).scalar()


@pytest.fixture
def home(session) -> str:
    """The first community of the demo city."""
    return _communities(session)[0]


def test_check_in_records_the_local_day_and_community(session, home):
    mid = _member(session, home)
    x, y = _inside(session, home)
    late = datetime(2026, 11, 26, 23, 30, tzinfo=UTC)  # 07:30 on the 27th in Qitaihe
    out = service_days.check_in(session, mid, x, y, "wgs84", now=late)
    assert out["day"] == date(2026, 11, 27) and out["community_code"] == home
    assert out["in_lon"] == pytest.approx(x) and out["check_out_at"] is None


def test_a_second_check_in_the_same_local_day_conflicts(session, home):
    mid = _member(session, home)
    x, y = _inside(session, home)
    service_days.check_in(session, mid, x, y, now=NOV)
    with pytest.raises(Conflict) as err:
        service_days.check_in(session, mid, x, y, now=NOV + timedelta(hours=10))  # 19:00
    assert err.value.code == "already_checked_in"
    service_days.check_in(session, mid, x, y, now=NOV + timedelta(days=1))
    assert _rows(session, mid) == 2


def test_gcj02_check_in_is_converted_before_locating(session, home):
    mid = _member(session, home)
    x, y = _inside(session, home)
    gx, gy = coords.wgs84_to_gcj02(x, y)
    out = service_days.check_in(session, mid, gx, gy, "gcj02", now=NOV)
    assert out["in_lon"] == pytest.approx(x, abs=1e-5)


def test_check_in_outside_the_members_communities_is_refused(session):
    home, other = _communities(session)
    mid = _member(session, home)
    with pytest.raises(Invalid) as err:
        service_days.check_in(session, mid, *_inside(session, other), now=NOV)
    assert "location" in err.value.fields
    with pytest.raises(Invalid):
        service_days.check_in(session, mid, 131.6, 46.5, now=NOV)  # outside the city
    with pytest.raises(Invalid):
        service_days.check_in(session, mid, "x", 45.77, now=NOV)
    assert _rows(session, mid) == 0


def test_only_professional_members_record_service_days(session, home):
    mid = _member(session, home, kind="rider")
    with pytest.raises(Invalid) as err:
        service_days.check_in(session, mid, *_inside(session, home), now=NOV)
    assert "member" in err.value.fields


def test_check_out_needs_todays_check_in_and_happens_once(session, home):
    mid = _member(session, home)
    x, y = _inside(session, home)
    with pytest.raises(Conflict) as err:
        service_days.check_out(session, mid, x, y, now=NOV)
    assert err.value.code == "not_checked_in"
    service_days.check_in(session, mid, x, y, now=NOV)
    out = service_days.check_out(session, mid, x, y, now=NOV + timedelta(hours=7))
    assert out["check_out_at"] == NOV + timedelta(hours=7) and out["out_lat"] == pytest.approx(y)
    with pytest.raises(Conflict) as err:
        service_days.check_out(session, mid, x, y, now=NOV + timedelta(hours=8))
    assert err.value.code == "already_checked_out"


def test_shortfall_lists_who_served_fewer_than_five_days_this_month(session):
    home, other = _communities(session)
    done = _member(session, home)
    short = _member(session, home)
    water = _member(session, other, department="water")
    _serve(session, done, home, [2, 3, 4, 5, 6])
    _serve(session, short, home, [2, 3])
    _serve(session, short, home, [30], month=datetime(2026, 10, 1, 1, tzinfo=UTC))  # October
    x, y = _inside(session, home)
    service_days.check_in(session, short, x, y, now=NOV.replace(day=7))  # never checked out
    rows = {r["member_id"]: r for r in service_days.shortfall(
        session, date(2026, 11, 1), now=NOV.replace(day=20))}
    assert done not in rows
    assert (rows[short]["days"], rows[short]["unfinished"], rows[short]["shortfall"]) == (2, 1, 3)
    assert rows[water]["days"] == 0 and rows[water]["shortfall"] == 5
    assert rows[short]["communities"][0]["code"] == home
    heating = service_days.shortfall(session, date(2026, 11, 1), department="heating")
    assert water not in {r["member_id"] for r in heating}
    mine = service_days.shortfall(session, date(2026, 11, 1), community=home)
    assert {r["member_id"] for r in mine} == {short}
    everyone = service_days.shortfall(session, date(2026, 11, 1), community=home,
                                      only_short=False)
    assert {r["member_id"]: r["shortfall"] for r in everyone} == {done: 0, short: 3}


@pytest.mark.parametrize("raw", ["2026-13", "2026/11", "nov", "1999-01", "9999-12",
                                 "2026-11\n", "٢٠٢٦-١١", "２０２６-１１"])
def test_bad_months_are_refused(raw):
    with pytest.raises(BadInput):
        service_days.parse_month(raw)


def test_check_in_api_is_for_the_member_or_a_dispatcher(client, session, staff, home):
    worker, worker_h = staff("grid_worker", scope=home)
    mid = _member(session, home)
    x, y = _inside(session, home)
    url = f"/api/v1/members/{mid}/check-in"
    assert client.post(url, json={"lon": x, "lat": y}).status_code == 401
    assert client.post(url, json={"lon": x, "lat": y}, headers=worker_h).status_code == 403
    session.execute(text("UPDATE members SET user_id = :u WHERE id = :m"),
                    {"u": worker.id, "m": mid})
    r = client.post(url, json={"lon": x, "lat": y}, headers=worker_h)
    assert r.status_code == 201 and "phone" not in r.get_json()
    assert client.post(url, json={"lon": x, "lat": y}, headers=worker_h).status_code == 409
    assert client.post(url, json=[1], headers=worker_h).status_code == 422
    out = client.post(f"/api/v1/members/{mid}/check-out", json={"lon": x, "lat": y},
                      headers=staff("dispatcher")[1])
    assert out.status_code == 200 and out.get_json()["check_out_at"]


def test_shortfall_api_filters_and_keeps_to_the_actors_scope(client, session, staff):
    home, other = _communities(session)
    mine, theirs = _member(session, home), _member(session, other)
    _, super_h = staff("supervisor", scope=home[:9])
    body = client.get("/api/v1/service-days/shortfall?month=2026-11",
                      headers=super_h).get_json()
    ids = {r["member_id"] for r in body["members"]}
    assert body["minimum"] == 5 and body["month"] == "2026-11" and mine in ids
    assert (theirs in ids) == other.startswith(home[:9])
    assert "phone" not in body["members"][0]
    _, disp = staff("dispatcher")
    r = client.get(f"/api/v1/service-days/shortfall?community={other}&department=heating",
                   headers=disp)
    assert {m["member_id"] for m in r.get_json()["members"]} == {theirs}
    assert client.get("/api/v1/service-days/shortfall?month=11-2026",
                      headers=disp).status_code == 400
    assert client.get("/api/v1/service-days/shortfall").status_code == 401
    assert client.get("/api/v1/service-days/shortfall?district=230921",
                      headers=super_h).status_code == 403


def test_recording_many_days_keeps_the_check_in_and_check_out_rules(session):
    home, other = _communities(session)
    mid, rider = _member(session, home), _member(session, home, kind="rider")
    x, y = _inside(session, home)
    ox, oy = _inside(session, other)

    def served(d: int, **changed) -> service_days.ServedDay:
        start = NOV.replace(day=d)  # 09:00 local, out at 16:00
        return service_days.ServedDay(mid, start, x, y, start + timedelta(hours=7), x, y
                                      )._replace(**changed)

    rows = [
        served(2),
        served(2, check_in_at=NOV.replace(day=2, hour=2)),  # the same local day again
        served(3, in_lon=ox, in_lat=oy),  # checked in outside the member's communities
        served(4, check_out_at=NOV.replace(day=5)),  # checked out the next day
        served(6, out_lon=ox, out_lat=oy),  # checked out outside
        served(7, check_out_at=NOV.replace(day=7)),  # out not after in
        served(8),  # checked out after `now` below
        served(2, member_id=rider),  # not a professional member
        served(9, check_out_at=None, out_lon=None, out_lat=None),  # never checked out
    ]
    assert service_days.record_days(session, rows, now=NOV.replace(day=8, hour=2)) == 1
    stored = session.execute(text(
        "SELECT day, community_code, check_in_at FROM member_service_days WHERE member_id = :m"),
        {"m": mid}).one()
    assert (stored.day, stored.community_code, stored.check_in_at) == (
        date(2026, 11, 2), home, NOV.replace(day=2))
    assert service_days.record_days(session, rows, now=NOV.replace(day=10)) == 2  # 8th, 9th
    assert _rows(session, mid) == 3 and _rows(session, rider) == 0
    rows = {r["member_id"]: r for r in service_days.shortfall(
        session, date(2026, 11, 1), now=NOV.replace(day=10))}
    assert (rows[mid]["days"], rows[mid]["unfinished"]) == (2, 1)
