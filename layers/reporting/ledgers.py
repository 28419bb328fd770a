"""The 民意问题反馈台账 (feedback ledger) of a department or a community, as rows.

Ledgers never carry personal data: reporters' names and phones are not selected here, so
no file written from these rows can contain them. Merged duplicates are left out (they are
the same problem as their original). Times are Asia/Shanghai local, naive (as Excel wants).
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import DateTime, bindparam, func, select, text
from sqlalchemy.orm import Session

from gis.errors import Forbidden
from grids.tables import COMMUNITIES
from layers import workcal
from layers.access import policy, roles
from layers.access.actors import Actor
from layers.access.users import User
from layers.demands import labels
from layers.demands.store import OPEN_STATES
from layers.demands.tables import CATEGORIES, DEMANDS, DEPARTMENTS
from layers.reporting.board import Period

HEADERS: tuple[str, ...] = (
    "编号", "受理时间", "诉求标题", "问题类别", "经度", "纬度", "地址", "所属网格", "责任单位",
    "办理时限", "状态", "结案时间", "办理用时（天）", "是否按期", "满意度",
    "派单时间", "签收时间", "办结时间", "核查时间",
)
TIME_COLUMNS = frozenset({"受理时间", "办理时限", "结案时间", "派单时间", "签收时间", "办结时间",
                          "核查时间"})

_D, _C, _P = DEMANDS.alias("d"), CATEGORIES.alias("c"), CATEGORIES.alias("p")
_DEP, _U, _COM = DEPARTMENTS.alias("dep"), User.__table__.alias("u"), COMMUNITIES.alias("com")
_NOW = bindparam("now", type_=DateTime(timezone=True))
_ROWS = select(
    _D.c.code, _D.c.created_at, _D.c.title, _P.c.name.label("major"), _C.c.name.label("minor"),
    func.ST_X(_D.c.geom).label("lon"), func.ST_Y(_D.c.geom).label("lat"), _D.c.address,
    _D.c.grid_code, func.coalesce(_DEP.c.short_name, _U.c.display_name, _COM.c.name).label("unit"),
    *(_D.c[name] for name in ("deadline", "state", "closed_at", "dispatched_at", "signed_at",
                              "resolved_at", "verified_at", "rating_satisfaction")),
    (func.extract("epoch", func.coalesce(_D.c.closed_at, _NOW) - _D.c.created_at) / 86400.0
     ).label("days"),
).select_from(
    _D.join(_C, _C.c.code == _D.c.category_code)
    .outerjoin(_P, _P.c.code == _C.c.parent_code)
    .outerjoin(_DEP, _DEP.c.code == _D.c.assignee_department_code)
    .outerjoin(_U, _U.c.id == _D.c.assignee_user_id)
    .outerjoin(_COM, _COM.c.code == _D.c.assignee_community_code)
).where(_D.c.state != "merged").order_by(_D.c.created_at, _D.c.id)


def rows_within(actor: Actor, kind: str, code: str) -> str | None:
    """Return the hierarchy prefix the actor's ledger rows are limited to (None: no limit).

    Raise Forbidden for department staff asking for another department or for a community,
    and for anyone asking for a community outside their scope.
    """
    policy.require(actor, "ledgers.download")
    if actor.role == roles.DEPARTMENT_STAFF and (kind == "community"
                                                 or actor.department_code != code):
        raise Forbidden("部门工作人员只能下载本部门的台账", "out_of_scope")
    if kind == "department" or policy.in_reach(actor, code):
        return actor.scope
    if actor.scope and actor.scope.startswith(code):
        return actor.scope  # a grid worker: only their grid within the community
    raise Forbidden(f"{code} 不在您的管辖范围内", "out_of_scope")


def unit_name(session: Session, kind: str, code: str) -> str | None:
    """Return a department's short name or a community's name; None when unknown."""
    sql = {"department": "SELECT short_name FROM departments WHERE code = :c",
           "community": "SELECT name FROM communities WHERE code = :c"}[kind]
    return session.execute(text(sql), {"c": code}).scalar()


def ledger_rows(session: Session, kind: str, code: str, period: Period | None = None,
                within: str | None = None, now: datetime | None = None) -> list[tuple]:
    """Return the ledger rows (values in HEADERS order) of a department (its assigned demands)
    or a community (demands in its grids), created in `period`, optionally only inside the
    hierarchy prefix `within`; lon/lat WGS84 to 6 decimals."""
    unit = {"department": _D.c.assignee_department_code == code,
            "community": _D.c.grid_code.like(code + "%")}[kind]
    stmt = _ROWS.where(unit)
    if within:
        stmt = stmt.where(_D.c.grid_code.like(within + "%"))
    since, until = period or (None, None)
    if since:
        stmt = stmt.where(_D.c.created_at >= since)
    if until:
        stmt = stmt.where(_D.c.created_at < until)
    now = now or datetime.now(UTC)
    rows = session.execute(stmt, {"now": now}).mappings()
    return [_row(r, now) for r in rows]


def _local(moment: datetime | None) -> datetime | None:
    """Return a UTC moment as a naive Asia/Shanghai datetime (to the second)."""
    if moment is None:
        return None
    return moment.astimezone(workcal.TZ).replace(tzinfo=None, microsecond=0)


def _on_time(r: dict, now: datetime) -> str:
    """Return 是/否 for closed demands and open ones past the deadline, else 办理中."""
    if r["state"] == "closed":
        return "是" if r["closed_at"] <= r["deadline"] else "否"
    if r["state"] in OPEN_STATES and r["deadline"] < now:
        return "否"
    return "办理中"


def _row(r: dict, now: datetime) -> tuple:
    """Return one ledger row in HEADERS order."""
    category = f"{r['major']}/{r['minor']}" if r["major"] else r["minor"]
    return (
        r["code"], _local(r["created_at"]), r["title"], category,
        round(r["lon"], 6), round(r["lat"], 6), r["address"], r["grid_code"], r["unit"] or "",
        _local(r["deadline"]), labels.state_label(r["state"]), _local(r["closed_at"]),
        round(float(r["days"]), 1), _on_time(r, now),
        labels.satisfaction_label(r["rating_satisfaction"]),
        _local(r["dispatched_at"]), _local(r["signed_at"]), _local(r["resolved_at"]),
        _local(r["verified_at"]),
    )
