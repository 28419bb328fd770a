"""The city's local time: Asia/Shanghai (times are stored in UTC and shown in it)."""

from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo

TZ = ZoneInfo("Asia/Shanghai")
EARLIEST, LATEST = date(1900, 1, 1), date(2999, 12, 31)  # the dates a caller may ask for
