"""The 民意问题反馈台账 (feedback ledger) of a department or a community, as rows.

Ledgers never carry personal data: reporters' names and phones are not selected here, so
no file written from these rows can contain them. Merged duplicates are left out (they are
the same problem as their original). Times are Asia/Shanghai local, naive (as Excel wants).
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import text
from sqlalchemy.orm import Session

from gis.errors import Forbidden
from layers import workcal
from layers.access import policy, roles
from layers.access.actors import Actor
from layers.demands import labels
from layers.demands.store import OPEN_STATES
from layers.reporting.board import Period

HEADERS: tuple[str, ...] = (
    "编号", "受理时间", "诉求标题", "问题类别", "经度", "纬度", "地址", "所属网格", "责任单位",
    "办理时限", "状态", "结案时间", "办理用时（天）", "是否按期", "满意度",
    "派单时间", "签收时间", "办结时间", "核查时间",
)
TIME_COLUMNS = frozenset({"受理时间", "办理时限", "结案时间", "派单时间", "签收时间", "办结时间",
                          "核查时间"})

_ROWS = """
SELECT d.code, d.created_at, d.title, p.name AS major, c.name AS minor,
       ST_X(d.geom) AS lon, ST_Y(d.geom) AS lat, d.address, d.grid_code,
       coalesce(dep.short_name, u.display_name, com.name) AS unit,
       d.deadline, d.state, d.closed_at, d.dispatched_at, d.signed_at, d.resolved_at,
       d.verified_at, d.rating_satisfaction,
       EXTRACT(EPOCH FROM (coalesce(d.closed_at, :now) - d.created_at)) / 86400.0 AS days
FROM demands d
JOIN categories c ON c.code = d.category_code
LEFT JOIN categories p ON p.code = c.parent_code
LEFT JOIN departments dep ON dep.code = d.assignee_department_code
LEFT JOIN users u ON u.id = d.assignee_user_id
LEFT JOIN communities com ON com.code = d.assignee_community_code
WHERE d.state <> 'merged' AND {where}
  AND d.created_at >= coalesce(CAST(:since AS timestamptz), '-infinity')
  AND d.created_at < coalesce(CAST(:until AS timestamptz), 'infinity')
ORDER BY d.created_at, d.id
"""


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
    where = {"department": "d.assignee_department_code = :code",
             "community": "d.grid_code LIKE :code || '%'"}[kind]
    if within:
        where += " AND d.grid_code LIKE :within || '%'"
    since, until = period or (None, None)
    now = now or datetime.now(UTC)
    rows = session.execute(
        text(_ROWS.format(where=where)),
        {"code": code, "within": within, "since": since, "until": until, "now": now}).mappings()
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
