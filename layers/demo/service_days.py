"""Demo service days (下沉服务): the demo professional members' check-ins and check-outs of the
current month so far — most serve their five days early in the month, a minority falls short.

Deterministic for a seed, a month and the same members: the whole month is planned and only
what lies before `now` is written (through service_days.record_days), so loading again later
in the month adds the days since, never one twice.
"""

from __future__ import annotations

import calendar
from datetime import UTC, date, datetime, time, timedelta

import numpy as np
from sqlalchemy import text
from sqlalchemy.orm import Session

from grids.locate import GridIndex
from layers.demo.people import points_in
from layers.members.service_days import MIN_DAYS, ServedDay, local_day, record_days
from layers.workcal import TZ

DILIGENT = 0.88  # share of members planning at least MIN_DAYS days
EARLY_DAYS = 12  # the diligent serve within the month's first EARLY_DAYS days
EXTRA_DAYS = 3  # the diligent plan MIN_DAYS up to MIN_DAYS + EXTRA_DAYS days
WEEKEND_WEIGHT = 0.35  # how likely a weekend day is beside a working day
NO_CHECK_OUT = 0.03  # share of days whose check-out was forgotten (not served)
CHECK_IN_H = (8.0, 10.0)  # local hour of the check-in
STAY_H = (3.0, 8.0)  # hours from check-in to check-out

_PROFESSIONALS = text(
    "SELECT m.id, array_agg(g.grid_code ORDER BY g.grid_code) AS grids FROM members m "
    "JOIN member_grids g ON g.member_id = m.id WHERE m.kind = 'professional' AND m.active "
    "GROUP BY m.id ORDER BY m.id")


def _planned_days(rng: np.random.Generator, first: date, length: int) -> list[int]:
    """Return one member's planned days of the month (0 = the first), working days likelier."""
    diligent = rng.random() < DILIGENT
    n = int(rng.integers(MIN_DAYS, MIN_DAYS + EXTRA_DAYS, endpoint=True) if diligent
            else rng.integers(0, MIN_DAYS))
    span = min(length, EARLY_DAYS) if diligent else length
    weights = np.array([WEEKEND_WEIGHT if (first + timedelta(days=d)).weekday() >= 5 else 1.0
                        for d in range(span)])
    return sorted(int(d) for d in rng.choice(span, n, replace=False, p=weights / weights.sum()))


def _month_plan(rng: np.random.Generator, members: list, first: date) -> list[tuple]:
    """Return every planned day of the month as (member id, check-in, check-out or None,
    check-in grid, check-out grid), times in UTC."""
    length = calendar.monthrange(first.year, first.month)[1]
    plan = []
    for member_id, grids in members:
        for d in _planned_days(rng, first, length):
            start = (datetime.combine(first + timedelta(days=d), time(), TZ)
                     + timedelta(hours=float(rng.uniform(*CHECK_IN_H))))
            stay = None if rng.random() < NO_CHECK_OUT else float(rng.uniform(*STAY_H))
            end = None if stay is None else (start + timedelta(hours=stay)).astimezone(UTC)
            plan.append((member_id, start.astimezone(UTC), end, str(rng.choice(grids)),
                         str(rng.choice(grids))))
    return plan


def _past(plan: list[tuple], pin: np.ndarray, pout: np.ndarray, now: datetime) -> list[ServedDay]:
    """Return the planned days over by `now`: checked out, or a past day left without one."""
    today = local_day(now)
    out = []
    for (member_id, start, end, _, _), (x1, y1), (x2, y2) in zip(plan, pin, pout, strict=True):
        if end is not None and end <= now:
            out.append(ServedDay(member_id, start, float(x1), float(y1), end, float(x2), float(y2)))
        elif end is None and local_day(start) < today:
            out.append(ServedDay(member_id, start, float(x1), float(y1), None, None, None))
    return out


def load(session: Session, seed: int, now: datetime | None = None) -> int:
    """Record the active professional members' service days of `now`'s local month up to
    `now` (points inside their grids); return how many days were added."""
    now = now or datetime.now(UTC)
    first = local_day(now).replace(day=1)
    rng = np.random.default_rng([seed, first.year, first.month])
    plan = _month_plan(rng, session.execute(_PROFESSIONALS).all(), first)
    if not plan:
        return 0
    index = GridIndex.load(session)
    geom_of = dict(zip(index.codes, index.geoms, strict=True))
    pin = points_in(np.array([geom_of[p[3]] for p in plan], dtype=object), rng)
    pout = points_in(np.array([geom_of[p[4]] for p in plan], dtype=object), rng)
    return record_days(session, _past(plan, pin, pout, now), now)
