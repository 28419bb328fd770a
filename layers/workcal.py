"""The working calendar: deadlines in calendar hours or working days, and working hours.

Times are stored in UTC and counted in Asia/Shanghai. Weekends are rest days unless the
calendar_days table says otherwise (调休 working Saturdays, public holidays).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import text
from sqlalchemy.orm import Session

from gis.localtime import TZ

# The dates a filter may name: outside them are typos, and at date.min/date.max a day's UTC
# bounds overflow.
WORK_START, WORK_END = time(8, 30), time(17, 30)
_MONTH = re.compile(r"([0-9]{4})-([0-9]{2})")  # ASCII digits: \d also takes '٢' and '２'
FIRST_YEAR, LAST_YEAR = 2000, 2100  # the months a report or ledger may name


def month_start(raw: object) -> date | None:
    """Return the first day of month 'YYYY-MM' (ASCII digits, years FIRST_YEAR–LAST_YEAR),
    or None when `raw` is not such a month."""
    found = _MONTH.fullmatch(str(raw))
    if not found or not 1 <= int(found[2]) <= 12 or \
            not FIRST_YEAR <= int(found[1]) <= LAST_YEAR:
        return None
    return date(int(found[1]), int(found[2]), 1)


def next_month(first: date) -> date:
    """Return the first day of the month after `first`'s."""
    return date(first.year + first.month // 12, first.month % 12 + 1, 1)


def aware_utc(raw: object) -> datetime:
    """Return an ISO 8601 time with a UTC offset, in UTC; ValueError (the reason) otherwise."""
    try:
        at = datetime.fromisoformat(str(raw))
    except ValueError:
        raise ValueError("应为 ISO 8601 时间（e.g. 2026-11-27T09:30:00+08:00）") from None
    if at.tzinfo is None:
        raise ValueError("时间需带时区（include a UTC offset）")
    try:
        return at.astimezone(UTC)
    except OverflowError:  # e.g. 0001-01-01T00:00+01:00 falls before year 1 in UTC
        raise ValueError("时间超出范围（time out of range）") from None


def reported_at(raw: object, now: datetime, slack: timedelta = timedelta(0)) -> datetime:
    """Return when something was reported (ISO 8601 with an offset; `now` when absent), no
    later than `now` + `slack`; ValueError (the reason) otherwise."""
    if raw in (None, ""):
        return now
    at = aware_utc(raw)
    if at > now + slack:
        raise ValueError("时间在未来（time is in the future）")
    return at


IsWorking = Callable[[date], bool]


OVERRIDES_SQL = "SELECT day, working FROM calendar_days WHERE day BETWEEN :cal_from AND :cal_to"


def override_params(start: date, days: int = 400) -> dict:
    """Return the bind parameters of OVERRIDES_SQL for `days` days from `start`."""
    return {"cal_from": start, "cal_to": start + timedelta(days=days)}


def rule_from(overrides: dict[date, bool]) -> IsWorking:
    """Return is_working(day): the calendar's overrides, else Monday to Friday."""
    return lambda d: overrides.get(d, d.weekday() < 5)


def day_rule(session: Session, start: date, days: int = 400) -> IsWorking:
    """Return is_working(day) using calendar_days overrides from `start` for `days` days."""
    rows = session.execute(text(OVERRIDES_SQL), override_params(start, days)).all()
    return rule_from(dict(rows))


def add_working_days(start: datetime, days: int, is_working: IsWorking) -> datetime:
    """Return the UTC moment `days` working days after `start` (same local time of day)."""
    local = start.astimezone(TZ)
    day, at = local.date(), local.timetz().replace(tzinfo=None)
    if not is_working(day):
        at = WORK_END
    counted = 0
    while counted < days:
        day += timedelta(days=1)
        counted += is_working(day)
    return datetime.combine(day, at, TZ).astimezone(start.tzinfo)


def add_working_hours(start: datetime, hours: float, is_working: IsWorking) -> datetime:
    """Return the UTC moment after `hours` of working time (08:30–17:30 on working days)."""
    local = start.astimezone(TZ)
    left = timedelta(hours=hours)
    day = local.date()
    cursor = local
    for _ in range(1000):
        if is_working(day):
            open_at = datetime.combine(day, WORK_START, TZ)
            close_at = datetime.combine(day, WORK_END, TZ)
            begin = max(cursor, open_at)
            if begin < close_at:
                if begin + left <= close_at:
                    return (begin + left).astimezone(start.tzinfo)
                left -= close_at - begin
        day += timedelta(days=1)
        cursor = datetime.combine(day, WORK_START, TZ)
    raise ValueError("no working time found within 1000 days")


def deadline(start: datetime, amount: int, unit: str, is_working: IsWorking) -> datetime:
    """Return the deadline for a time limit of `amount` `unit` (hours | working_days)."""
    if unit == "hours":
        return start + timedelta(hours=amount)
    if unit == "working_days":
        return add_working_days(start, amount, is_working)
    raise ValueError(f"unknown time-limit unit {unit!r}")
