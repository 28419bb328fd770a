"""The heatmap of demand density: the demands matching the hot spot filter counted per grid
in the database (one GROUP BY the stored grid id, never one point per demand), each grid a
weighted point at its inner point (WGS84), and the same per local ISO week for the animation.
"""

from __future__ import annotations

import threading
from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import numpy as np
import shapely
from shapely.geometry import shape
from sqlalchemy.orm import Session

from gis.errors import BadParameter
from gis.localtime import TZ
from gis.params import OneOf
from layers.access import policy
from layers.access.actors import Actor
from layers.demands.queries import DemandFilter
from layers.reporting import weights
from layers.reporting.emerging import weekly_counts
from layers.reporting.hotspots import PERMISSION, HotspotQuery, grid_counts

MAX_WEEKS = 26
DECIMALS = 6
_LOCK = threading.Lock()
_POINTS: dict[tuple, np.ndarray] = {}


class HeatQuery(HotspotQuery):
    """The hot spot filter (category, state or group, source, overdue, from, to, within /
    district / street / community / grid) and weekly=true for one frame per week."""

    weekly: OneOf("weekly", ("true", "false"), "逐周 one frame per ISO week (≤ 26 weeks)",
                  blank_is_absent=True) = None


def inner_points(cov: weights.Coverage) -> np.ndarray:
    """Return each grid's inner point (lon, lat; a point on the surface of its map geometry),
    computed once per generation of grids."""
    held = _POINTS.get(cov.key)
    if held is None:
        geoms = [shape(g) for g in cov.geometry]
        held = np.round(shapely.get_coordinates(shapely.point_on_surface(geoms)), DECIMALS)
        with _LOCK:
            _POINTS.clear()
            _POINTS[cov.key] = held
    return held


def scoped(session: Session, actor: Actor, f: DemandFilter
           ) -> tuple[DemandFilter, weights.Coverage, np.ndarray]:
    """Return (the filter limited to `within` or the actor's scope, the coverage, the
    positions of its grids); Forbidden when `within` is outside the actor's scope."""
    policy.require(actor, PERMISSION, f.within)
    f = replace(f, within=f.within or actor.scope)
    cov = weights.coverage(session)
    return f, cov, weights.part(cov, f.within)


def weeks_of(f: DemandFilter) -> tuple[datetime, list[date]]:
    """Return (the UTC start of the local ISO week holding `f.since`, the Mondays of the
    weeks through the one holding `f.until`); BadParameter naming `weekly` past MAX_WEEKS."""
    first, last = (_monday(t.astimezone(TZ).date())
                   for t in (f.since, f.until - timedelta(microseconds=1)))
    n = (last - first).days // 7 + 1
    if n > MAX_WEEKS:
        raise BadParameter("weekly", f"逐周热力图最多 {MAX_WEEKS} 周（所选 from–to 跨 {n} 周），"
                                     "请缩短时段", "out_of_range")
    return (datetime.combine(first, time(), TZ).astimezone(UTC),
            [first + timedelta(weeks=i) for i in range(n)])


def _monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def _cells(counts: np.ndarray, positions: np.ndarray) -> list[list[int]]:
    """Return [[index in the answer's grids, count], …] of the grids with demands."""
    y = counts[positions]
    return [[int(i), int(y[i])] for i in np.flatnonzero(y)]


def heat(session: Session, actor: Actor, f: DemandFilter, weekly: bool = False,
         now: datetime | None = None) -> dict:
    """Return the heat of the demands matching `f` (its since/until set): `grids` (code, lon,
    lat of each grid of the area), `cells` ([grid index, count] where count > 0), `total`,
    `max`, and with `weekly` one frame per week ({week, start, total, max, cells})."""
    now = now or datetime.now(UTC)
    start, mondays = weeks_of(f) if weekly else (None, [])
    f, cov, positions = scoped(session, actor, f)
    y = grid_counts(session, f, now, cov)
    points = inner_points(cov)[positions]
    out: dict[str, Any] = {
        "scope": f.within, "period": {"from": f.since.astimezone(UTC),
                                      "to": f.until.astimezone(UTC)},
        "total": int(y[positions].sum()), "max": int(y[positions].max(initial=0)),
        "grids": [{"code": cov.codes[at], "lon": float(x), "lat": float(yy)}
                  for at, (x, yy) in zip(positions, points, strict=True)],
        "cells": _cells(y, positions)}
    if weekly:
        out["weeks"] = frames(session, f, now, cov, positions, start, mondays)
    return out


def frames(session: Session, f: DemandFilter, now: datetime, cov: weights.Coverage,
           positions: np.ndarray, start: datetime, mondays: list[date]) -> list[dict]:
    """Return one frame per week (Monday `mondays[i]`): its ISO week label, start, total,
    max and cells, from one aggregate grouped by week and stored grid id."""
    counts = weekly_counts(session, f, now, cov, start, len(mondays))
    out = []
    for t, monday in enumerate(mondays):
        col = counts[:, t]
        year, week, _ = monday.isocalendar()
        out.append({"week": f"{year}-W{week:02d}", "start": monday.isoformat(),
                    "total": int(col[positions].sum()),
                    "max": int(col[positions].max(initial=0)),
                    "cells": _cells(col, positions)})
    return out
