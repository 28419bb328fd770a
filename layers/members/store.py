"""Grid members: the six kinds, their responsible grids, positions and workload."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from pydantic import Field, ValidationInfo, field_validator
from sqlalchemy import text
from sqlalchemy.orm import Session

from gis.checks import parse_number
from gis.contracts import PointBody, Raw, check, fail
from gis.coords import to_wgs84
from gis.errors import BadInput, Conflict, Forbidden, Invalid, NotFound
from gis.srid import STORAGE
from layers import workcal
from layers.access import policy
from layers.access.actors import Actor

KINDS: dict[str, str] = {
    "grid_leader": "网格长",
    "grid_worker": "专职网格员",
    "professional": "专业网格员",
    "part_time": "兼职网格员",
    "rider": "流动网格员",
    "volunteer": "志愿者",
}
MAX_ACCURACY_M = 200.0
FUTURE_SLACK = timedelta(minutes=2)
STALE_AFTER = timedelta(minutes=30)


def member(session: Session, member_id: int) -> dict:
    """Return one member (without the position history); NotFound when unknown."""
    row = session.execute(
        text("SELECT id, kind, name, phone, department_code, organisation, platform, user_id, "
             "on_duty, active, ST_X(position) AS lon, ST_Y(position) AS lat, position_at, "
             "position_accuracy_m FROM members WHERE id = :id"), {"id": member_id}
    ).mappings().first()
    if row is None:
        raise NotFound(f"没有网格成员 {member_id}（unknown member）", "member_not_found")
    return dict(row)


def in_scope(session: Session, member_id: int, scope: str | None) -> bool:
    """Return True when one of the member's responsible grids lies in hierarchy `scope`
    (None = the whole city)."""
    if scope is None:
        return True
    return bool(session.execute(
        text("SELECT EXISTS (SELECT 1 FROM member_grids WHERE member_id = :m "
             "AND grid_code LIKE :p)"), {"m": member_id, "p": scope + "%"}).scalar())


def check_acts_for(session: Session, actor: Actor, member_id: int) -> dict:
    """Return the member when the actor is its own login, or may act for members
    (members.act_for) with one of the member's grids in scope; Forbidden otherwise."""
    found = member(session, member_id)
    if found["user_id"] is not None and found["user_id"] == actor.user_id:
        return found
    if policy.may(actor, "members.act_for") and in_scope(session, member_id, actor.scope):
        return found
    raise Forbidden("只能上报本人的位置（only your own position）")


def _accuracy(raw: object) -> float:
    try:
        accuracy = parse_number("accuracy", raw)
    except BadInput as err:
        raise fail(str(err)) from None
    if not 0 < accuracy <= MAX_ACCURACY_M:
        raise fail(f"定位精度应在 0–{MAX_ACCURACY_M:g} 米之间（too imprecise）")
    return accuracy


class PositionInput(PointBody):
    """A member's reported position: lon/lat in crs, how precise (m) and when (default now)."""

    accuracy: Raw({"type": "number", "exclusiveMinimum": True, "minimum": 0,
                   "maximum": MAX_ACCURACY_M, "description": "定位精度 (m)"},
                  _accuracy) = MAX_ACCURACY_M
    time: Raw({"type": "string", "format": "date-time"}) = Field(None, validate_default=True)

    @field_validator("time", mode="plain")
    @classmethod
    def _not_future(cls, raw: object, info: ValidationInfo) -> datetime:
        try:
            return workcal.reported_at(raw, info.context["now"], FUTURE_SLACK)
        except ValueError as err:
            raise fail(str(err)) from None


def check_position(body: object, now: datetime) -> tuple[float, float, str, float, datetime]:
    """Return (lon, lat) in WGS84, the crs it came in, accuracy (m) and time; Invalid if bad."""
    p = check(PositionInput, body, now=now)
    return *to_wgs84(p.lon, p.lat, p.crs), p.crs, p.accuracy, p.time


# Inside the city: in a current grid or a district outline ({p}: the point's SQL expression).
IN_CITY_SQL = ("(EXISTS (SELECT 1 FROM grids WHERE valid_to IS NULL AND ST_Covers(geom, {p})) "
            "OR EXISTS (SELECT 1 FROM districts WHERE ST_Covers(boundary, {p})))")


_INSIDE_CITY = text("SELECT " + IN_CITY_SQL.format(
    p=f"ST_SetSRID(ST_MakePoint(:x, :y), {STORAGE})"))


def _inside_city(session: Session, lon: float, lat: float) -> bool:
    """Return True when the WGS84 point lies in a current grid or a district outline."""
    return bool(session.execute(_INSIDE_CITY, {"x": lon, "y": lat}).scalar())


def record_position(session: Session, member_id: int, body: object,
                    now: datetime | None = None) -> dict:
    """Store a member's reported position as latest and in the history; return the member.

    Refused (Invalid, nothing written): outside the city, a future time, a time not newer
    than the latest, accuracy worse than MAX_ACCURACY_M.
    """
    now = now or datetime.now(UTC)
    lon, lat, crs, accuracy, at = check_position(body, now)
    current = session.execute(
        text("SELECT position_at FROM members WHERE id = :id FOR UPDATE"), {"id": member_id}
    ).first()
    if current is None:
        raise NotFound(f"没有网格成员 {member_id}（unknown member）", "member_not_found")
    if current.position_at is not None and at <= current.position_at:
        raise Invalid({"time": "早于或等于最新位置的时间（not newer than the latest）"})
    if not _inside_city(session, lon, lat):
        raise Invalid({"location": "位置不在七台河市内（outside the city）"})
    point = f"ST_SetSRID(ST_MakePoint(:x, :y), {STORAGE})"
    params = {"id": member_id, "x": lon, "y": lat, "crs": crs, "acc": accuracy, "at": at}
    session.execute(text(
        "INSERT INTO member_positions (member_id, geom, input_crs, accuracy_m, reported_at) "
        f"VALUES (:id, {point}, :crs, :acc, :at)"), params)
    session.execute(text(
        f"UPDATE members SET position = {point}, position_at = :at, position_accuracy_m = :acc "
        "WHERE id = :id"), params)
    return member(session, member_id)


# Many reports at once, under record_position's rules: the latest moves only forward in time,
# and each report moving it is kept in the history.
_RECORD_MANY = text(f"""
    WITH p AS (
        SELECT r.id, ST_SetSRID(ST_MakePoint(r.x, r.y), {STORAGE}) AS geom, r.acc, r.at
        FROM unnest(CAST(:ids AS int[]), CAST(:xs AS float8[]), CAST(:ys AS float8[]),
                    CAST(:accs AS float8[]), CAST(:ats AS timestamptz[])) AS r (id, x, y, acc, at)
        WHERE r.acc > 0 AND r.acc <= :max_acc AND r.at <= :latest_ok
    ), moved AS (
        UPDATE members m SET position = p.geom, position_at = p.at, position_accuracy_m = p.acc
        FROM p WHERE m.id = p.id AND (m.position_at IS NULL OR p.at > m.position_at)
          AND {IN_CITY_SQL.format(p='p.geom')}
        RETURNING m.id, p.geom, p.acc, p.at
    )
    INSERT INTO member_positions (member_id, geom, input_crs, accuracy_m, reported_at)
    SELECT id, geom, 'wgs84', acc, at FROM moved
""")


def record_positions(session: Session,
                     reports: Sequence[tuple[int, float, float, float, datetime]],
                     now: datetime | None = None) -> int:
    """Store many WGS84 (member_id, lon, lat, accuracy_m, time) reports, one per member, as
    latest and in the history in one statement; return how many were stored.

    Left out, as record_position refuses them: outside the city, a future time, a time not
    newer than the latest, accuracy worse than MAX_ACCURACY_M.
    """
    if not reports:
        return 0
    ids, xs, ys, accs, ats = (list(col) for col in zip(*reports, strict=True))
    return session.execute(_RECORD_MANY, {
        "ids": ids, "xs": xs, "ys": ys, "accs": accs, "ats": ats,
        "max_acc": MAX_ACCURACY_M, "latest_ok": (now or datetime.now(UTC)) + FUTURE_SLACK,
    }).rowcount


def set_on_duty(session: Session, member_id: int, on_duty: bool) -> None:
    """Mark a member on or off duty."""
    done = session.execute(text("UPDATE members SET on_duty = :d WHERE id = :id"),
                           {"d": on_duty, "id": member_id}).rowcount
    if not done:
        raise NotFound(f"没有网格成员 {member_id}（unknown member）", "member_not_found")


def link_login(session: Session, member_id: int, user_id: int | None) -> None:
    """Give a member a staff login (or none), so a rider's reports and a worker's orders are
    theirs; one login acts for at most one member."""
    member(session, member_id)
    if user_id is not None:
        other = session.execute(
            text("SELECT id FROM members WHERE user_id = :u AND id <> :m"),
            {"u": user_id, "m": member_id}).scalar()
        if other is not None:
            raise Conflict(f"该账号已关联网格成员 {other}（login already linked）", "login_linked")
    session.execute(text("UPDATE members SET user_id = :u WHERE id = :m"),
                    {"u": user_id, "m": member_id})


MIN_KEEP_DAYS = 1
# The BRIN index on reported_at only skips page ranges it has summarised; rows added since the
# last VACUUM are summarised first (cheap: only the new ranges), so the DELETE reads only the
# old pages even where autovacuum is off.
_SUMMARISE = text("SELECT brin_summarize_new_values('ix_member_positions_reported_at')")
_PRUNE = text("DELETE FROM member_positions WHERE reported_at < :cutoff")


def prune_positions(session: Session, keep_days: int, now: datetime | None = None) -> int:
    """Delete position history reported more than `keep_days` days ago (each member's latest
    position stays on the member row); return how many rows went. BadInput below
    MIN_KEEP_DAYS."""
    if isinstance(keep_days, bool) or not isinstance(keep_days, int) \
            or keep_days < MIN_KEEP_DAYS:
        raise BadInput(f"保留天数至少为 {MIN_KEEP_DAYS} 天（keep at least {MIN_KEEP_DAYS} day）",
                       "bad_keep_days")
    cutoff = (now or datetime.now(UTC)) - timedelta(days=keep_days)
    session.execute(_SUMMARISE)
    return session.execute(_PRUNE, {"cutoff": cutoff}).rowcount

