"""The city's local time: Asia/Shanghai (times are stored in UTC and shown in it)."""

from __future__ import annotations

from zoneinfo import ZoneInfo

TZ = ZoneInfo("Asia/Shanghai")
