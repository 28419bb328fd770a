"""Reporting periods: a month (2026-10), a quarter (2026Q4) or a year (2026), as local
(Asia/Shanghai) calendar spans turned into UTC instants."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import Any

from gis.contracts import Param
from gis.errors import BadInput
from gis.localtime import TZ

_FORMS = re.compile(r"(?P<year>\d{4})(?:-(?P<month>\d{2})|Q(?P<quarter>[1-4]))?")


@dataclass(frozen=True)
class ReportPeriod:
    """A named period: its label as asked ('2026-10'), and [start, end) in UTC."""

    label: str
    start: datetime
    end: datetime


def _utc(day: date) -> datetime:
    return datetime.combine(day, time(), TZ).astimezone(UTC)


def _span(year: int, first_month: int, months: int) -> tuple[date, date]:
    """Return the first day of the span and the first day after it."""
    after = first_month - 1 + months
    return date(year, first_month, 1), date(year + after // 12, after % 12 + 1, 1)


def report_period(raw: str | None, name: str = "period") -> ReportPeriod | None:
    """Return period=YYYY-MM | YYYYQn | YYYY as a ReportPeriod (None when absent); BadInput
    naming the parameter otherwise."""
    if raw is None:
        return None
    match = _FORMS.fullmatch(raw.strip())
    month = int(match["month"]) if match and match["month"] else None
    if not match or not 1900 <= int(match["year"]) <= 2999 or (month and not 1 <= month <= 12):
        raise BadInput(f"参数 {name} 应为月份 2026-10、季度 2026Q4 或年份 2026（bad {name}）",
                       "bad_period")
    year = int(match["year"])
    if month:
        first, after = _span(year, month, 1)
    elif match["quarter"]:
        first, after = _span(year, 3 * int(match["quarter"]) - 2, 3)
    else:
        first, after = _span(year, 1, 12)
    return ReportPeriod(raw.strip(), _utc(first), _utc(after))


def current_month(now: datetime) -> str:
    """Return the label of the local month that `now` falls in ('2026-12')."""
    return now.astimezone(TZ).strftime("%Y-%m")


def Period(name: str = "period", description: str = "") -> Any:  # noqa: N802
    """Return the type of a period=YYYY-MM | YYYYQn | YYYY parameter."""
    schema = {"type": "string", "pattern": r"^\d{4}(-\d{2}|Q[1-4])?$",
              "description": description or "月份 2026-10、季度 2026Q4 或年份 2026"}
    return Param(schema, lambda raw: report_period(raw, name))
