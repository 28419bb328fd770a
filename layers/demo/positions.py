"""Live demo positions: on-duty demo members whose latest position is getting old report a new
one now — a small move that stays inside one of their responsible grids.

Cheap and idempotent, for cron every few minutes: members reported within REFRESH_AFTER are
left alone, and the reports go through members.record_positions (latest and history).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import shapely
from sqlalchemy import Row, text
from sqlalchemy.orm import Session

from gis.project import transformer
from gis.srid import METRIC, STORAGE
from grids.locate import GridIndex
from layers.demo.people import ACCURACY_M, points_in
from layers.members.store import STALE_AFTER, record_positions

REFRESH_AFTER = STALE_AFTER / 3  # a position older than this gets a fresh one
STEP_M = 60.0  # spread of one move, metres (normal, per axis)
TRIES = 4  # halvings of a move that leaves the grid before a fresh point in the grid
SPREAD = timedelta(minutes=2)  # the new reports' times fall within this before now

_DUE = text("""
    SELECT m.id, ST_X(m.position) AS lon, ST_Y(m.position) AS lat,
           array_agg(g.grid_code ORDER BY g.grid_code) AS grids
    FROM members m JOIN member_grids g ON g.member_id = m.id
    WHERE m.active AND m.on_duty AND m.position IS NOT NULL AND m.position_at < :due
    GROUP BY m.id ORDER BY m.id
""")


def _in_grids(index: GridIndex, due: list) -> list[tuple[Row, object]]:
    """Return each due member with the geometry of the responsible grid its position is in,
    else of its first current responsible grid (members without one are left out)."""
    geom_of = dict(zip(index.codes, index.geoms, strict=True))
    here = index.locate_many(np.array([r.lon for r in due]), np.array([r.lat for r in due]))
    out = []
    for r, code in zip(due, here, strict=True):
        current = [g for g in r.grids if g in geom_of]
        if current:
            out.append((r, geom_of[code if code in current else current[0]]))
    return out


def _moved(rng: np.random.Generator, xy: np.ndarray, geoms: np.ndarray) -> np.ndarray:
    """Return each WGS84 (lon, lat) moved a few dozen metres, staying inside its geometry (a
    random point in it when every smaller move leaves it)."""
    metric = np.column_stack(transformer(STORAGE, METRIC).transform(xy[:, 0], xy[:, 1]))
    step = rng.normal(0.0, STEP_M, xy.shape)
    back = transformer(METRIC, STORAGE)
    out = np.full(xy.shape, np.nan)
    todo = np.arange(len(xy))
    for _ in range(TRIES):
        cand = np.column_stack(back.transform(*(metric[todo] + step[todo]).T))
        hit = shapely.contains_xy(geoms[todo], cand[:, 0], cand[:, 1])
        out[todo[hit]] = cand[hit]
        todo, step = todo[~hit], step / 2
    out[todo] = points_in(geoms[todo], rng)
    return out


def refresh(session: Session, seed: int = 0, now: datetime | None = None) -> int:
    """Give every active on-duty member with a position older than REFRESH_AFTER a new one
    (WGS84, inside a responsible grid, reported within SPREAD before `now`); return how many."""
    now = now or datetime.now(UTC)
    due = session.execute(_DUE, {"due": now - REFRESH_AFTER}).all()
    placed = _in_grids(GridIndex.load(session), due) if due else []
    if not placed:
        return 0
    rng = np.random.default_rng([seed, int(now.timestamp())])
    xy = _moved(rng, np.array([(r.lon, r.lat) for r, _ in placed]),
                np.array([g for _, g in placed], dtype=object))
    ages = rng.uniform(0.0, SPREAD.total_seconds(), len(placed))
    accuracy = rng.uniform(*ACCURACY_M, len(placed))
    reports = [(r.id, float(x), float(y), float(a), now - timedelta(seconds=float(s)))
               for (r, _), (x, y), a, s in zip(placed, xy, accuracy, ages, strict=True)]
    return record_positions(session, reports, now)
