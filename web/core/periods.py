"""Reading ?from=&to= local dates (YYYY-MM-DD, both inclusive) into a UTC period."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from gis.errors import BadInput
from gis.localtime import EARLIEST, LATEST
from layers.reporting.board import Period, local_period


def _date(args: Mapping[str, str], name: str) -> date | None:
    raw = args.get(name) or None
    if raw is None:
        return None
    try:
        value = date.fromisoformat(raw)
    except ValueError:
        raise BadInput(f"参数 {name} 应为日期，如 2026-11-01", "bad_date") from None
    if not EARLIEST <= value <= LATEST:
        raise BadInput(f"参数 {name} 应在 {EARLIEST} 到 {LATEST} 之间", "out_of_range")
    return value


def period_args(args: Mapping[str, str]) -> Period | None:
    """Return the period of ?from=&to= (Asia/Shanghai dates), None when neither is given."""
    start, end = _date(args, "from"), _date(args, "to")
    if start is None and end is None:
        return None
    if start and end and start > end:
        raise BadInput("开始日期不能晚于结束日期（from must not be after to）", "bad_period")
    return local_period(start, end)
