"""Delivery riders (流动网格员, 四随): reports they file (随手拍), help (随手帮) and leaflets
(随口宣) recorded by staff, monthly points, and the public follow view of a report."""

from __future__ import annotations

from datetime import UTC, datetime

from pydantic import Field, ValidationInfo, field_validator
from sqlalchemy import text
from sqlalchemy.orm import Session

from gis.contracts import Choice, Contract, Param, Raw, UserText, check, fail
from gis.errors import BadInput, Forbidden, NotFound
from layers import workcal
from layers.access import audit, policy
from layers.access.actors import Actor
from layers.access.privacy import mask_phone
from layers.members import store as members

# Points: every weight in one place (per report, per verified report, per help, per leaflets).
POINTS = {"filed": 1, "verified": 3, "help": 2, "leaflets": 1}
LEAFLETS_PER_POINT = 100
VERIFIED_THRESHOLD = 5  # verified reports (all time) a rider needs for 差评消消乐
VERIFIED_STATES = ("verified", "closed")
ACTIVITY_KINDS = {"help": "随手帮", "leaflets": "随口宣"}
MAX_ACTIVITY_COUNT = {"help": 50, "leaflets": 20000}
MAX_ID = 2**31 - 1  # members.id is an int4: larger ids cannot exist


def month_bounds(month: str | None, now: datetime | None = None) -> tuple[str, datetime, datetime]:
    """Return ('YYYY-MM', start, end) of an Asia/Shanghai month as UTC instants (end exclusive);
    the current local month when `month` is empty; BadInput when malformed."""
    if not month:
        local = (now or datetime.now(UTC)).astimezone(workcal.TZ)
        month = f"{local.year:04d}-{local.month:02d}"
    first = workcal.month_start(month)
    if first is None:
        raise BadInput("参数 month 应为 YYYY-MM，如 2026-11", "bad_month")
    after = workcal.next_month(first)
    start = datetime.combine(first, datetime.min.time(), workcal.TZ).astimezone(UTC)
    end = datetime.combine(after, datetime.min.time(), workcal.TZ).astimezone(UTC)
    return month, start, end


class MonthQuery(Contract):
    """?month=YYYY-MM (default: this month, Asia/Shanghai)."""

    month: Param({"type": "string", "pattern": "^[0-9]{4}-[0-9]{2}$",
                  "description": "月份 YYYY-MM (default: this month, Asia/Shanghai)"},
                 lambda raw: month_bounds(raw)[0]) = Field(None, validate_default=True)


def rider(session: Session, member_id: int) -> dict:
    """Return a rider member (id, name, phone, platform, user_id, active, home_grid);
    NotFound when unknown or not a rider."""
    if not 0 < member_id <= MAX_ID:
        raise NotFound(f"没有流动网格员 {member_id}（unknown rider）", "rider_not_found")
    row = session.execute(
        text("SELECT id, name, phone, platform, user_id, active, (SELECT min(grid_code) FROM "
             "member_grids g WHERE g.member_id = m.id) AS home_grid FROM members m "
             "WHERE id = :id AND kind = 'rider'"), {"id": member_id}).mappings().first()
    if row is None:
        raise NotFound(f"没有流动网格员 {member_id}（unknown rider）", "rider_not_found")
    return dict(row)


def rider_of_user(session: Session, user_id: int | None) -> int | None:
    """Return the id of the active rider member linked to login `user_id`, or None."""
    if user_id is None:
        return None
    return session.execute(
        text("SELECT id FROM members WHERE user_id = :u AND kind = 'rider' AND active"),
        {"u": user_id}).scalar()


def own_rider(session: Session, actor: Actor) -> int:
    """Return the id of the active rider member the actor's login acts for; NotFound when the
    login is linked to none (or nobody is logged in)."""
    found = rider_of_user(session, actor.user_id)
    if found is None:
        raise NotFound("您的账号未关联流动网格员，请联系管理员关联（no rider linked to this "
                       "login）", "no_own_rider")
    return found


def check_access(session: Session, actor: Actor, member_id: int,
                 permission: str = "riders.view", own: bool = True) -> dict:
    """Return the rider when the actor is the rider's own login (if `own`) or holds
    `permission` with one of the rider's grids in scope; Forbidden otherwise."""
    found = rider(session, member_id)
    if own and actor.user_id is not None and found["user_id"] == actor.user_id:
        return found
    if policy.may(actor, permission) and members.in_scope(session, member_id, actor.scope):
        return found
    raise Forbidden("只能查看或登记本人或辖区内流动网格员的贡献（own or in scope only）")


_LEDGER_SQL = """
WITH r AS (
  SELECT m.id AS member_id, m.name, m.phone, m.platform, m.active,
         (SELECT min(grid_code) FROM member_grids g WHERE g.member_id = m.id) AS home_grid
  FROM members m
  WHERE m.kind = 'rider' AND (CAST(:member AS int) IS NULL OR m.id = :member)
    AND (CAST(:scope AS text) IS NULL OR EXISTS (SELECT 1 FROM member_grids g
         WHERE g.member_id = m.id AND g.grid_code LIKE CAST(:scope AS text) || '%'))
), a AS (
  SELECT member_id, sum(count) FILTER (WHERE kind = 'help') AS help,
         sum(count) FILTER (WHERE kind = 'leaflets') AS leaflets
  FROM rider_activities WHERE at >= :start AND at < :end
    AND member_id IN (SELECT member_id FROM r) GROUP BY member_id
)
SELECT r.*, c.name AS community_name,
  (SELECT count(*) FROM demands d WHERE d.reporter_member_id = r.member_id
     AND d.state <> 'merged' AND d.created_at >= :start AND d.created_at < :end) AS filed,
  (SELECT count(*) FROM demands d WHERE d.reporter_member_id = r.member_id
     AND d.state IN ('verified', 'closed') AND d.verified_at >= :start
     AND d.verified_at < :end) AS verified,
  coalesce(a.help, 0) AS help, coalesce(a.leaflets, 0) AS leaflets
FROM r LEFT JOIN a USING (member_id)
LEFT JOIN communities c ON c.code = left(r.home_grid, 12)
"""


def points(row: dict) -> int:
    """Return the points a month's counts earn (weights in POINTS, leaflets per 100)."""
    return (POINTS["filed"] * row["filed"] + POINTS["verified"] * row["verified"]
            + POINTS["help"] * row["help"]
            + POINTS["leaflets"] * (row["leaflets"] // LEAFLETS_PER_POINT))


def _ledger(session: Session, month: str | None, member_id: int | None,
            scope: str | None) -> tuple[str, list[dict]]:
    label, start, end = month_bounds(month)
    rows = session.execute(text(_LEDGER_SQL), {"member": member_id, "scope": scope,
                                               "start": start, "end": end}).mappings()
    out = []
    for r in rows:
        row = {**r, "help": int(r["help"]), "leaflets": int(r["leaflets"])}
        row["points"] = points(row)
        out.append(row)
    return label, out


def contributions(session: Session, member_id: int, month: str | None = None) -> dict:
    """Return one rider's month: reports filed and verified, help, leaflets, points, and the
    verified reports of all time (for 差评消消乐); NotFound when not a rider."""
    label, rows = _ledger(session, month, member_id, None) if 0 < member_id <= MAX_ID else ("", [])
    if not rows:
        raise NotFound(f"没有流动网格员 {member_id}（unknown rider）", "rider_not_found")
    row = {k: v for k, v in rows[0].items() if k not in ("name", "phone")}
    row.update(month=label, weights=dict(POINTS), leaflets_per_point=LEAFLETS_PER_POINT,
               verified_total=verified_total(session, member_id),
               review_threshold=VERIFIED_THRESHOLD)
    return row


def monthly_ledger(session: Session, month: str | None = None,
                   scope: str | None = None) -> dict:
    """Return {'month', 'riders': [...]} for the active riders whose grids lie in `scope`,
    most points first (rows include name and phone: callers mask them)."""
    label, rows = _ledger(session, month, None, scope)
    rows = [r for r in rows if r.pop("active")]
    rows.sort(key=lambda r: (-r["points"], -r["verified"], r["member_id"]))
    return {"month": label, "riders": rows}


def ledger_for(session: Session, actor: Actor, month: str | None = None) -> dict:
    """Return the monthly ledger of the riders in the actor's scope as the actor may see it:
    phones masked without the personal-data grant, unmasked reads audited."""
    book = monthly_ledger(session, month, actor.scope)
    if policy.may(actor, "personal_data.read"):
        audit.record(session, actor, "read_personal_data",
                     f"riders:{actor.scope or 'city'}:{book['month']}")
    else:
        for row in book["riders"]:
            row["phone"] = mask_phone(row["phone"])
    return book


def verified_total(session: Session, member_id: int) -> int:
    """Return how many of the rider's reports ever reached verified or closed."""
    return session.execute(
        text("SELECT count(*) FROM demands WHERE reporter_member_id = :m "
             "AND state IN ('verified', 'closed')"), {"m": member_id}).scalar_one()


class ActivityInput(Contract):
    """随手帮 (help: how many people) or 随口宣 (leaflets: how many handed out), when (default
    now, never in the future) and a note."""

    kind: Choice(ACTIVITY_KINDS, "应为 help（随手帮）或 leaflets（随口宣）", required=True)
    count: Raw({"type": "integer", "minimum": 1,
                "maximum": max(MAX_ACTIVITY_COUNT.values()),
                "description": "help ≤ 50, leaflets ≤ 20000"}) = Field(1, validate_default=True)
    note: UserText(500) = ""
    at: Raw({"type": "string", "format": "date-time"}) = Field(None, validate_default=True)

    @field_validator("count", mode="plain")
    @classmethod
    def _count(cls, raw: object, info: ValidationInfo) -> int:
        top = MAX_ACTIVITY_COUNT.get(str(info.data.get("kind")), 1)
        if isinstance(raw, bool) or not isinstance(raw, int) or not 1 <= raw <= top:
            raise fail(f"应为 1–{top} 的整数")
        return raw

    @field_validator("at", mode="plain")
    @classmethod
    def _at(cls, raw: object, info: ValidationInfo) -> datetime:
        try:
            return workcal.reported_at(raw, info.context["now"])
        except ValueError as err:
            raise fail(str(err)) from None


def check_activity(body: object, now: datetime) -> tuple[str, int, str, datetime]:
    """Return (kind, count, note, time) of a help/leaflets record; Invalid lists bad fields."""
    a = check(ActivityInput, body, now=now)
    return a.kind, a.count, a.note, a.at


def record_activity(session: Session, member_id: int, actor: Actor, body: object,
                    now: datetime | None = None) -> dict:
    """Record help given (随手帮) or leaflets handed out (随口宣) by a rider, as staff in scope
    (never the rider's own login); return the stored row."""
    if not policy.may(actor, "riders.record") or actor.user_id is None:
        raise Forbidden("随手帮、随口宣由网格员或社区工作人员登记（staff only）")
    if rider(session, member_id)["user_id"] == actor.user_id:
        raise Forbidden("不能为本人登记贡献（not for yourself）", "own_record")
    check_access(session, actor, member_id, "riders.record", own=False)
    kind, count, note, at = check_activity(body, now or datetime.now(UTC))
    row = session.execute(
        text("INSERT INTO rider_activities (member_id, kind, count, note, at, recorded_by) "
             "VALUES (:m, :k, :c, :n, :at, :u) RETURNING id, member_id, kind, count, note, at, "
             "recorded_by, created_at"),
        {"m": member_id, "k": kind, "c": count, "n": note, "at": at, "u": actor.user_id})
    return dict(row.mappings().one())
