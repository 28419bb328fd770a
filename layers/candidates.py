"""The nearest responsible units for a demand (派单候选): who may take it, ranked.

Eligible: professional members of the category's department, and — when the community can
solve the category — the grid's grid workers and grid leader. Ranked by responsibility (the
demand's own grid, then its neighbouring grids), on duty, straight-line geodesic distance,
open workload and freshness of the position. After the responsible ones, the nearest members of
the same department elsewhere fill the list (KNN on the geography GiST index); sending work to
them is an override that needs a reason.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import text
from sqlalchemy.orm import Session

from gis.errors import NotFound
from layers.members import KINDS, STALE_AFTER

DISTANCE_NOTE = "直线距离（测地线，米），未考虑道路；straight-line geodesic metres, not by road"
OPEN = "('received', 'dispatched', 'signed', 'resolved', 'verified')"
_ELIGIBLE = ("((m.kind = 'professional' AND m.department_code = d.department_code) OR "
             "(d.community_solvable AND m.kind IN ('grid_worker', 'grid_leader')))")
_FIELDS = (
    "m.id AS member_id, m.kind, m.name, m.department_code, m.on_duty, m.position_at, "
    "ST_Distance(m.position::geography, d.geom::geography) AS distance_m, "
    "ST_X(m.position) AS lon, ST_Y(m.position) AS lat, "
    f"(SELECT count(*) FROM demands x WHERE x.assignee_member_id = m.id AND x.state IN {OPEN}) "
    "AS workload"
)
_DEMAND = (
    "d AS (SELECT x.geom, x.grid_code, c.department_code, c.community_solvable "
    "FROM demands x JOIN categories c ON c.code = x.category_code WHERE x.code = :code)"
)
_RESPONSIBLE = text(f"""
    WITH {_DEMAND},
    cells AS (
        SELECT d.grid_code AS code, 0 AS tier FROM d
        UNION ALL
        SELECT n.code, 1 FROM grids g JOIN grids n ON n.valid_to IS NULL
            AND ST_Intersects(n.geom, g.geom) AND n.code <> g.code, d
        WHERE g.valid_to IS NULL AND g.code = d.grid_code),
    resp AS (
        SELECT DISTINCT ON (mg.member_id) mg.member_id, c.tier, c.code AS via_grid
        FROM cells c JOIN member_grids mg ON mg.grid_code = c.code
        ORDER BY mg.member_id, c.tier, c.code)
    SELECT {_FIELDS}, r.tier, r.via_grid
    FROM resp r JOIN members m ON m.id = r.member_id, d
    WHERE m.active AND {_ELIGIBLE}
    ORDER BY r.tier, m.on_duty DESC, distance_m NULLS LAST, workload, m.position_at DESC
    LIMIT :limit
""")
_NEAREST = text(f"""
    WITH {_DEMAND}
    SELECT {_FIELDS}, 2 AS tier, NULL AS via_grid
    FROM members m, d
    WHERE m.active AND m.position IS NOT NULL AND {_ELIGIBLE} AND m.id <> ALL(:seen)
    ORDER BY m.position::geography <-> d.geom::geography
    LIMIT :limit
""")
REASONS = {0: "负责本网格", 1: "负责相邻网格", 2: "同部门就近，非责任网格（派单需说明理由）"}


def _present(row: dict, now: datetime) -> dict:
    out = dict(row)
    out["kind_label"] = KINDS[out["kind"]]
    out["responsible"] = out["tier"] < 2
    out["reason"] = REASONS[out["tier"]] + (f" {out['via_grid']}" if out["tier"] == 1 else "")
    if out["distance_m"] is not None:
        out["distance_m"] = round(out["distance_m"], 1)
    at = out["position_at"]
    out["position_age_s"] = None if at is None else int((now - at).total_seconds())
    out["stale"] = at is None or now - at > STALE_AFTER
    return out


def candidates(session: Session, code: str, limit: int = 10, now: datetime | None = None) -> dict:
    """Return the ranked units for demand `code` with distance_m, reason and workload."""
    now = now or datetime.now(UTC)
    rows = [dict(r) for r in session.execute(
        _RESPONSIBLE, {"code": code, "limit": limit}).mappings()]
    if len(rows) < limit:
        seen = [r["member_id"] for r in rows]
        rows += [dict(r) for r in session.execute(
            _NEAREST, {"code": code, "limit": limit - len(rows), "seen": seen}).mappings()]
    if not rows and session.execute(
            text("SELECT 1 FROM demands WHERE code = :c"), {"c": code}).first() is None:
        raise NotFound(f"没有诉求 {code[:30]!r}（unknown demand）", "demand_not_found")
    return {"demand": code, "distance": DISTANCE_NOTE,
            "candidates": [_present(r, now) for r in rows]}


def responsible_member_ids(session: Session, code: str) -> set[int]:
    """Return the ids of members eligible and responsible (own or neighbouring grid)."""
    rows = session.execute(_RESPONSIBLE, {"code": code, "limit": 10_000}).mappings()
    return {r["member_id"] for r in rows}
