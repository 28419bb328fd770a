"""Professional members' service days (下沉服务): check-in and check-out with a location in
their community, and who falls short of the monthly minimum.

A day is the Asia/Shanghai calendar day of the check-in; one record per member and day. A day
counts as served once the member has checked in and out, both inside one of the communities of
their responsible grids.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime
from typing import NamedTuple

from pydantic import Field
from sqlalchemy import text
from sqlalchemy.orm import Session

from gis.contracts import Param, check
from gis.coords import to_wgs84
from gis.errors import BadInput, Conflict, Invalid
from gis.srid import STORAGE
from grids import locate
from grids.hierarchy import HierarchyQuery
from layers import workcal
from layers.members import store as members
from layers.members.contracts import ServicePoint

MIN_DAYS = 5
_POINT = f"ST_SetSRID(ST_MakePoint(:x, :y), {STORAGE})"
_FIELDS = ("id, member_id, day, community_code, check_in_at, ST_X(check_in) AS in_lon, "
           "ST_Y(check_in) AS in_lat, check_out_at, ST_X(check_out) AS out_lon, "
           "ST_Y(check_out) AS out_lat")


class ServedDay(NamedTuple):
    """One past service day: check-in (and check-out, or None) time and WGS84 point."""

    member_id: int
    check_in_at: datetime
    in_lon: float
    in_lat: float
    check_out_at: datetime | None
    out_lon: float | None
    out_lat: float | None


def local_day(at: datetime) -> date:
    """Return the Asia/Shanghai calendar day of a moment."""
    return at.astimezone(workcal.TZ).date()


def parse_month(raw: object, now: datetime | None = None) -> date:
    """Return the first day of month 'YYYY-MM' (years 2000–2100; the current local month when
    empty)."""
    if raw in (None, ""):
        return local_day(now or datetime.now(UTC)).replace(day=1)
    first = workcal.month_start(raw)
    if first is None:
        raise BadInput(f"月份应为 YYYY-MM：{str(raw)[:20]!r}（bad month）", "bad_month")
    return first


def _checked_point(lon: object, lat: object, crs: object) -> tuple[float, float]:
    """Return the WGS84 (lon, lat) of a reported point; Invalid when malformed."""
    point = check(ServicePoint, {"lon": lon, "lat": lat, "crs": crs})
    return to_wgs84(point.lon, point.lat, point.crs)


def _professional(session: Session, member_id: int) -> dict:
    """Return the member when it is an active professional member; Invalid otherwise."""
    row = members.member(session, member_id)
    if row["kind"] != "professional" or not row["active"]:
        raise Invalid({"member": "只有在岗的专业网格员登记服务日（professional members only）"})
    return row


def _community_of(session: Session, member_id: int, x: float, y: float) -> str:
    """Return the community (12 digits) of the point when it is one of the member's
    responsible communities; Invalid otherwise."""
    found = locate.find(session, x, y)
    mine = set(session.execute(text(
        "SELECT DISTINCT left(grid_code, 12) FROM member_grids WHERE member_id = :m"),
        {"m": member_id}).scalars())
    if found is None or found.community_code not in mine:
        raise Invalid({"location": "位置不在您负责的社区内（outside your communities）"})
    return found.community_code


def _record(session: Session, member_id: int, day: date) -> dict | None:
    row = session.execute(text(
        f"SELECT {_FIELDS} FROM member_service_days WHERE member_id = :m AND day = :d "
        "FOR UPDATE"), {"m": member_id, "d": day}).mappings().first()
    return dict(row) if row else None


def check_in(session: Session, member_id: int, lon: object, lat: object, crs: object = None,
             now: datetime | None = None) -> dict:
    """Record today's check-in at (lon, lat) in `crs`; return the day's record (WGS84).

    Invalid when the point is outside the member's communities or the member is not a
    professional member; Conflict on a second check-in the same local day.
    """
    now = now or datetime.now(UTC)
    x, y = _checked_point(lon, lat, crs)
    _professional(session, member_id)
    community = _community_of(session, member_id, x, y)
    day = local_day(now)
    done = session.execute(text(
        "INSERT INTO member_service_days (member_id, day, community_code, check_in_at, "
        f"check_in) VALUES (:m, :d, :c, :at, {_POINT}) "
        "ON CONFLICT (member_id, day) DO NOTHING RETURNING id"),
        {"m": member_id, "d": day, "c": community, "at": now, "x": x, "y": y}).first()
    if done is None:
        raise Conflict("今天已经签到过（already checked in today）", "already_checked_in")
    return _record(session, member_id, day)


def check_out(session: Session, member_id: int, lon: object, lat: object, crs: object = None,
              now: datetime | None = None) -> dict:
    """Record today's check-out at (lon, lat) in `crs`; return the day's record (WGS84).

    Conflict without today's check-in or after a check-out; Invalid outside the member's
    communities.
    """
    now = now or datetime.now(UTC)
    x, y = _checked_point(lon, lat, crs)
    _professional(session, member_id)
    day = local_day(now)
    record = _record(session, member_id, day)
    if record is None:
        raise Conflict("今天还没有签到（not checked in today）", "not_checked_in")
    if record["check_out_at"] is not None:
        raise Conflict("今天已经签退过（already checked out today）", "already_checked_out")
    _community_of(session, member_id, x, y)
    session.execute(text(
        f"UPDATE member_service_days SET check_out_at = :at, check_out = {_POINT} "
        "WHERE id = :id"), {"at": now, "x": x, "y": y, "id": record["id"]})
    return _record(session, member_id, day)


# A point's community as grids.locate.find has it (lowest grid code on a shared boundary),
# and the communities of a member's responsible grids ({p}: point, {m}: member id).
_LOCATED = ("(SELECT community_code FROM grids WHERE valid_to IS NULL AND ST_Covers(geom, {p}) "
            "ORDER BY code LIMIT 1)")
_MINE = "(SELECT left(grid_code, 12) FROM member_grids WHERE member_id = {m})"
_IN_AT = f"ST_SetSRID(ST_MakePoint(u.in_lon, u.in_lat), {STORAGE})"
_RECORD_DAYS = text(f"""
    INSERT INTO member_service_days (member_id, day, community_code, check_in_at, check_in,
                                     check_out_at, check_out)
    SELECT r.m, r.day, r.community, r.in_at, r.pin, r.out_at, r.pout
    FROM (SELECT u.m, CAST(u.in_at AT TIME ZONE :tz AS date) AS day, u.in_at, u.out_at,
                 {_LOCATED.format(p=_IN_AT)} AS community, {_IN_AT} AS pin,
                 CASE WHEN u.out_at IS NOT NULL THEN ST_SetSRID(ST_MakePoint(u.out_lon,
                      u.out_lat), {STORAGE}) END AS pout
          FROM unnest(CAST(:member_id AS int[]), CAST(:check_in_at AS timestamptz[]),
                      CAST(:in_lon AS float8[]), CAST(:in_lat AS float8[]),
                      CAST(:check_out_at AS timestamptz[]), CAST(:out_lon AS float8[]),
                      CAST(:out_lat AS float8[])) AS u (m, in_at, in_lon, in_lat, out_at,
                                                         out_lon, out_lat)) AS r
    JOIN members mem ON mem.id = r.m AND mem.kind = 'professional' AND mem.active
    WHERE r.in_at <= :now AND r.community IN {_MINE.format(m="r.m")}
      AND (r.out_at IS NULL OR (r.out_at > r.in_at AND r.out_at <= :now
           AND CAST(r.out_at AT TIME ZONE :tz AS date) = r.day
           AND {_LOCATED.format(p="r.pout")} IN {_MINE.format(m="r.m")}))
    ON CONFLICT (member_id, day) DO NOTHING
""")


def record_days(session: Session, days: Sequence[ServedDay], now: datetime | None = None) -> int:
    """Store many past check-ins (and check-outs, WGS84) in one statement; return how many.

    The rules of check_in and check_out hold: active professional members only, points in
    the communities of their grids, one record per member and local day (an existing one is
    kept), check-out later the same local day; nothing after `now`. Rows breaking a rule are
    left out.
    """
    if not days:
        return 0
    columns = {name: list(col) for name, col in zip(ServedDay._fields, zip(*days, strict=True),
                                                     strict=True)}
    return session.execute(_RECORD_DAYS, {
        **columns, "tz": str(workcal.TZ), "now": now or datetime.now(UTC)}).rowcount


_SHORTFALL = text(f"""
    SELECT m.id AS member_id, m.name, m.department_code, dep.short_name AS department_name,
           (SELECT coalesce(json_agg(json_build_object('code', c.code, 'name', c.name)
                    ORDER BY c.code), '[]') FROM communities c WHERE c.code IN (
                SELECT left(g.grid_code, 12) FROM member_grids g WHERE g.member_id = m.id)
           ) AS communities,
           count(s.id) FILTER (WHERE s.check_out_at IS NOT NULL) AS days,
           count(s.id) FILTER (WHERE s.check_out_at IS NULL AND s.day < :today) AS unfinished
    FROM members m
    JOIN departments dep ON dep.code = m.department_code
    LEFT JOIN member_service_days s ON s.member_id = m.id AND s.day >= :start AND s.day < :end
    WHERE m.kind = 'professional' AND m.active
      AND (CAST(:dep AS text) IS NULL OR m.department_code = :dep)
      AND (CAST(:within AS text) IS NULL OR EXISTS (SELECT 1 FROM member_grids w
           WHERE w.member_id = m.id AND w.grid_code LIKE :within || '%'))
    GROUP BY m.id, dep.short_name
    HAVING NOT :only_short
        OR count(s.id) FILTER (WHERE s.check_out_at IS NOT NULL) < {MIN_DAYS}
    ORDER BY days, m.department_code, m.id
""")


class ShortfallQuery(HierarchyQuery):
    """?month=YYYY-MM (default this month), ?department=, and where (the actor's scope)."""

    month: Param({"type": "string", "pattern": "^[0-9]{4}-[0-9]{2}$",
                  "description": "月份 YYYY-MM (default: this month, Asia/Shanghai)"},
                 parse_month) = Field(None, validate_default=True)
    department: Param({"type": "string", "description": "部门代码 department code"}) = None


def shortfall(session: Session, month: date, department: str | None = None,
              community: str | None = None, now: datetime | None = None,
              only_short: bool = True) -> list[dict]:
    """Return the active professional members who served fewer than MIN_DAYS days in `month`
    (first day of it), fewest first: id, name, department, communities [{code, name}], days
    (checked in and out), unfinished (past days without check-out), shortfall (0 when met).

    `community` filters by any hierarchy code prefix of the members' responsible grids;
    `only_short=False` returns every matching professional member.
    """
    today = local_day(now or datetime.now(UTC))
    rows = session.execute(_SHORTFALL, {
        "start": month, "end": workcal.next_month(month), "today": today, "dep": department or None,
        "within": community or None, "only_short": only_short}).mappings()
    return [{**dict(r), "shortfall": max(0, MIN_DAYS - r["days"])} for r in rows]


def reported_point(body: object) -> tuple[object, object, object]:
    """Return the raw (lon, lat, crs) of a check-in/out request body; Invalid when not an
    object."""
    if not isinstance(body, dict):
        raise Invalid({"body": "应为 JSON 对象（expected an object）"})
    return body.get("lon"), body.get("lat"), body.get("crs")
