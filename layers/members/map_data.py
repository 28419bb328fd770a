"""Plain data for the staff member map (网格力量): on-duty members' positions by kind, stale
flags, and coverage gaps (grids lacking a professional member of a department, or a rider).

Positions are EPSG:4326 lon/lat rounded to 6 decimals. No phone numbers ever; names only for
the staff page that asks for them.
"""

from __future__ import annotations

from datetime import UTC, datetime

from pydantic import ConfigDict, Field
from sqlalchemy import text
from sqlalchemy.orm import Session

from gis.contracts import Contract, required
from gis.params import Bbox, Limit
from layers.members.store import KINDS, STALE_AFTER

DECIMALS = 6
_SCOPED_ON_DUTY = """
    FROM members m
    WHERE active AND on_duty AND position IS NOT NULL
      AND (CAST(:scope AS text) IS NULL OR EXISTS (SELECT 1 FROM member_grids mg
           WHERE mg.member_id = m.id AND mg.grid_code LIKE CAST(:scope AS text) || '%'))
"""
_COLUMNS = "SELECT id, kind, name, ST_X(position) AS lon, ST_Y(position) AS lat, position_at"
_ON_DUTY = text(f"{_COLUMNS} {_SCOPED_ON_DUTY} ORDER BY kind, id")
# `&&` on the partial GiST index ix_members_position (migration 0016); total before LIMIT.
_ON_DUTY_IN_BOX = text(f"""
    {_COLUMNS}, count(*) OVER () AS total {_SCOPED_ON_DUTY}
      AND position && ST_MakeEnvelope(:x0, :y0, :x1, :y1, 4326)
    ORDER BY kind, id LIMIT :limit
""")
_ON_DUTY_COUNTS = text(f"""
    SELECT kind, count(*) AS on_duty,
           count(*) FILTER (WHERE position_at IS NULL OR position_at < :fresh_since) AS stale
    {_SCOPED_ON_DUTY} GROUP BY kind
""")
_UNCOVERED = text("""
    SELECT g.code FROM grids g
    WHERE g.valid_to IS NULL AND NOT EXISTS (
        SELECT 1 FROM member_grids mg JOIN members m ON m.id = mg.member_id
        WHERE mg.grid_code = g.code AND m.active AND m.kind = :kind
          AND (CAST(:dep AS text) IS NULL OR m.department_code = :dep))
    ORDER BY g.code
""")
_COVERED_BY_DEPARTMENT = text("""
    SELECT DISTINCT m.department_code, mg.grid_code
    FROM member_grids mg JOIN members m ON m.id = mg.member_id
    WHERE m.active AND m.kind = 'professional'
""")


def _row(r, now: datetime, with_names: bool) -> dict:
    """Return one compact member row (never a phone; the name only when asked for)."""
    age = now - r["position_at"] if r["position_at"] else None
    row = {"id": r["id"], "kind": r["kind"], "lon": round(r["lon"], DECIMALS),
           "lat": round(r["lat"], DECIMALS),
           "age_min": None if age is None else max(0, int(age.total_seconds() // 60)),
           "stale": age is None or age > STALE_AFTER}
    if with_names:
        row["name"] = r["name"]
    return row


def on_duty(session: Session, now: datetime | None = None,
            with_names: bool = False, scope: str | None = None) -> list[dict]:
    """Return on-duty members with a position (responsible for a grid in hierarchy `scope`,
    None = the whole city): id, kind, lon, lat (WGS84), age_min, stale (position older than
    STALE_AFTER), and name only when `with_names`; never phones."""
    now = now or datetime.now(UTC)
    return [_row(r, now, with_names)
            for r in session.execute(_ON_DUTY, {"scope": scope}).mappings()]


ON_DUTY_LIMIT, ON_DUTY_MAX = 5000, 20000  # markers per viewport: default and cap


class OnDutyQuery(Contract):
    """?bbox= (required) and ?limit= of the member map's markers."""

    model_config = ConfigDict(json_schema_extra=required("bbox"))

    bbox: Bbox(required=True) = Field(None, validate_default=True)
    limit: Limit("limit", ON_DUTY_LIMIT, ON_DUTY_MAX,
                 f"at most this many (default {ON_DUTY_LIMIT})") = ON_DUTY_LIMIT


def on_duty_in(session: Session, bbox: tuple[float, float, float, float], limit: int,
               now: datetime | None = None, with_names: bool = False,
               scope: str | None = None) -> tuple[list[dict], int]:
    """Return (rows, total): the on_duty rows (same fields) of the members in `scope` whose
    position is inside `bbox` (minlon, minlat, maxlon, maxlat, EPSG:4326), at most `limit`
    in kind, id order, and how many are inside it in all."""
    now = now or datetime.now(UTC)
    x0, y0, x1, y1 = bbox
    found = session.execute(_ON_DUTY_IN_BOX, {"scope": scope, "x0": x0, "y0": y0, "x1": x1,
                                              "y1": y1, "limit": limit}).mappings().all()
    return [_row(r, now, with_names) for r in found], (found[0]["total"] if found else 0)


def on_duty_counts(session: Session, now: datetime | None = None,
                   scope: str | None = None) -> dict[str, dict]:
    """Return kind_counts of every on-duty member with a position in `scope`, counted in
    SQL (no rows fetched): per kind (KINDS order) label, on_duty and stale."""
    now = now or datetime.now(UTC)
    out = kind_counts([])
    for kind, n, stale in session.execute(_ON_DUTY_COUNTS, {"scope": scope,
                                                            "fresh_since": now - STALE_AFTER}):
        out[kind].update(on_duty=n, stale=stale)
    return out


def _in_scope(codes, scope: str | None) -> list[str]:
    return [c for c in codes if scope is None or c.startswith(scope)]


def grids_without_professional(session: Session, department: str,
                               scope: str | None = None) -> list[str]:
    """Return the current grid codes (in `scope`) no active professional member of
    `department` covers."""
    return _in_scope(session.execute(
        _UNCOVERED, {"kind": "professional", "dep": department}).scalars(), scope)


def grids_without_rider(session: Session, scope: str | None = None) -> list[str]:
    """Return the current grid codes (in `scope`) with no active rider (流动网格员)
    responsible for them."""
    return _in_scope(session.execute(_UNCOVERED, {"kind": "rider", "dep": None}).scalars(),
                     scope)


def coverage(session: Session, departments: list[str],
             scope: str | None = None) -> dict[str, list[str]]:
    """Return, per department code, the current grid codes (in `scope`) lacking a
    professional member of it (one query for all departments)."""
    grids = _in_scope(session.execute(
        text("SELECT code FROM grids WHERE valid_to IS NULL ORDER BY code")).scalars(), scope)
    covered: dict[str, set[str]] = {d: set() for d in departments}
    for dep, grid in session.execute(_COVERED_BY_DEPARTMENT):
        if dep in covered:
            covered[dep].add(grid)
    return {d: [g for g in grids if g not in covered[d]] for d in departments}


def kind_counts(rows: list[dict]) -> dict[str, dict]:
    """Return per member kind (in KINDS order): label, on-duty count and stale count."""
    out = {k: {"label": label, "on_duty": 0, "stale": 0} for k, label in KINDS.items()}
    for r in rows:
        out[r["kind"]]["on_duty"] += 1
        out[r["kind"]]["stale"] += r["stale"]
    return out
