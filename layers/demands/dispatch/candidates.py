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

from gis.contracts import Contract
from gis.db import DriverStatement
from gis.errors import Forbidden, NotFound
from gis.params import Limit
from layers.access.actors import Actor
from layers.demands.store import OPEN_STATES
from layers.members.store import KINDS, STALE_AFTER

DISTANCE_NOTE = "直线距离（测地线，米），未考虑道路；straight-line geodesic metres, not by road"
OPEN = "('" + "', '".join(OPEN_STATES) + "')"
_DEP, _SOLVABLE, _POINT = "(SELECT dep FROM d)", "(SELECT solvable FROM d)", "(SELECT g FROM d)"
_ELIGIBLE = (f"((m.kind = 'professional' AND m.department_code = {_DEP}) OR "
             f"({_SOLVABLE} AND m.kind IN ('grid_worker', 'grid_leader')))")
_FIELDS = (
    "m.id AS member_id, m.kind, m.name, m.department_code, m.on_duty, m.position_at, "
    f"ST_Distance(m.position::geography, {_POINT}) AS distance_m, "
    "ST_X(m.position) AS lon, ST_Y(m.position) AS lat, "
    "(SELECT grid_code FROM d) AS demand_grid, "
    f"(SELECT count(*) FROM demands x WHERE x.assignee_member_id = m.id AND x.state IN {OPEN}) "
    "AS workload"
)
# `ranked` has one branch per eligibility rule: the grid workers/leaders branch is skipped by a
# one-time filter when the community cannot solve the category (no scan of every grid worker).
_RESPONSIBLE = f"""
    d AS MATERIALIZED (
        SELECT x.geom::geography AS g, x.grid_code, c.department_code AS dep,
               c.community_solvable AS solvable
        FROM demands x JOIN categories c ON c.code = x.category_code WHERE x.code = :code),
    cells AS (
        SELECT d.grid_code AS code, 0 AS tier FROM d
        UNION ALL
        SELECT n.code, 1 FROM d JOIN grids g ON g.valid_to IS NULL AND g.code = d.grid_code
        JOIN grids n ON n.valid_to IS NULL AND ST_Intersects(n.geom, g.geom) AND n.code <> g.code),
    resp AS (
        SELECT DISTINCT ON (mg.member_id) mg.member_id, c.tier, c.code AS via_grid
        FROM cells c JOIN member_grids mg ON mg.grid_code = c.code
        ORDER BY mg.member_id, c.tier, c.code),
    ranked AS MATERIALIZED (
        SELECT * FROM (
            SELECT {_FIELDS}, r.tier, r.via_grid
            FROM resp r JOIN members m ON m.id = r.member_id
            WHERE m.active AND m.kind = 'professional' AND m.department_code = {_DEP}
            UNION ALL
            SELECT {_FIELDS}, r.tier, r.via_grid
            FROM resp r JOIN members m ON m.id = r.member_id
            WHERE {_SOLVABLE} AND m.active AND m.kind IN ('grid_worker', 'grid_leader')) AS u
        ORDER BY tier, on_duty DESC, distance_m NULLS LAST, workload, position_at DESC
        LIMIT :limit)"""
# One round trip: the responsible members ranked, then the nearest other members of the same
# kind by KNN on the geography index (the demand's point is an InitPlan parameter, so the
# index orders the scan). The Append stops at :limit, so the second branch only runs when the
# responsible ones are too few.
_CANDIDATES = DriverStatement(text(f"""
    WITH {_RESPONSIBLE}
    SELECT * FROM ranked
    UNION ALL (
        SELECT {_FIELDS}, 2 AS tier, NULL AS via_grid
        FROM members m
        WHERE m.active AND m.position IS NOT NULL AND {_ELIGIBLE}
          AND m.id NOT IN (SELECT member_id FROM ranked)
        ORDER BY m.position::geography <-> {_POINT}
        LIMIT :limit)
    LIMIT :limit
"""))
_RESPONSIBLE_IDS = text(f"WITH {_RESPONSIBLE} SELECT member_id FROM ranked")
REASONS = {0: "负责本网格", 1: "负责相邻网格", 2: "同部门就近，非责任网格（派单需说明理由）"}


def _present(row: dict, now: datetime) -> dict:
    out = dict(row)
    del out["demand_grid"]
    out["kind_label"] = KINDS[out["kind"]]
    out["responsible"] = out["tier"] < 2
    out["reason"] = REASONS[out["tier"]] + (f" {out['via_grid']}" if out["tier"] == 1 else "")
    if out["distance_m"] is not None:
        out["distance_m"] = round(out["distance_m"], 1)
    at = out["position_at"]
    out["position_age_s"] = None if at is None else int((now - at).total_seconds())
    out["stale"] = at is None or now - at > STALE_AFTER
    return out


class CandidatesQuery(Contract):
    """?limit= how many ranked units (default 10)."""

    limit: Limit("limit", 10, 50, "how many (default 10)") = 10


def candidates(session: Session, code: str, limit: int = 10, now: datetime | None = None,
               actor: Actor | None = None) -> dict:
    """Return the ranked units for demand `code` with distance_m, reason and workload.

    NotFound for an unknown demand; Forbidden when `actor` is given and the demand lies
    outside its scope (checked from the same query, no extra round trip).
    """
    now = now or datetime.now(UTC)
    rows = _CANDIDATES.rows(session, {"code": code, "limit": limit})
    rows.sort(key=lambda r: r["tier"] == 2)  # stable: responsible ones first, as ranked
    grid = rows[0]["demand_grid"] if rows else session.execute(
        text("SELECT grid_code FROM demands WHERE code = :c"), {"c": code}).scalar()
    if grid is None:
        raise NotFound(f"没有诉求 {code[:30]!r}（unknown demand）", "demand_not_found")
    if actor is not None and not actor.covers(grid):
        raise Forbidden("该诉求不在您的管辖范围内（outside your scope）", "out_of_scope")
    return {"demand": code, "distance": DISTANCE_NOTE,
            "candidates": [_present(r, now) for r in rows]}


def responsible_member_ids(session: Session, code: str) -> set[int]:
    """Return the ids of members eligible and responsible (own or neighbouring grid)."""
    return set(session.execute(_RESPONSIBLE_IDS, {"code": code, "limit": 10_000}).scalars())
