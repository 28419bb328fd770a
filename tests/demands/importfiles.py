"""Shared pieces of the test_demand_import tests."""

from __future__ import annotations

import csv
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import text

from layers.demands.imports import bulk_load, write
from layers.demands.imports import importer as demand_import

HEADER = ["title", "category", "lon", "lat", "created_at", "crs", "state", "closed_at", "code"]
GOOD = [
    ["暖气不热", "1001", "131.0031", "45.7711", "2025-01-06 09:00:00", "", "", "", ""],
    ["垃圾没人收", "0103", "131.0031", "45.7711", "2025-01-10 16:00", "", "closed",
     "2025-01-12 10:00", "HL-0001"],
    ["路灯不亮", "1403", "131.0031", "45.7711", "2025-01-11T10:00:00+08:00", "", "", "", ""],
]
NOW = datetime(2025, 6, 1, tzinfo=UTC)


def _csv(path: Path, rows: list[list[str]], header: list[str] = HEADER) -> Path:
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def _count(session, sql: str = "SELECT count(*) FROM demands") -> int:
    return session.execute(text(sql)).scalar_one()


def _stored(session, title: str) -> dict:
    return dict(session.execute(text(
        "SELECT d.*, ST_X(geom) AS x, ST_Y(geom) AS y, ST_SRID(geom) AS srid FROM demands d "
        "WHERE title = :t"), {"t": title}).mappings().one())


BAD = [
    (["", "1001", "131.0031", "45.7711", "2025-01-06 09:00", "", "", "", ""], "title 必填"),
    (["t", "9999", "131.0031", "45.7711", "2025-01-06 09:00", "", "", "", ""], "unknown category"),
    (["t", "10", "131.0031", "45.7711", "2025-01-06 09:00", "", "", "", ""], "unknown category"),
    (["t", "1001", "东经", "45.7711", "2025-01-06 09:00", "", "", "", ""], "lon 不是有限数字"),
    (["t", "1001", "nan", "45.7711", "2025-01-06 09:00", "", "", "", ""], "lon 不是有限数字"),
    (["t", "1001", "131.0031", "95", "2025-01-06 09:00", "", "", "", ""], "lat 超出范围"),
    (["t", "1001", "120.0", "30.0", "2025-01-06 09:00", "", "", "", ""], "outside every grid"),
    (["t", "1001", "45.7711", "131.0031", "2025-01-06 09:00", "", "", "", ""], "swapped"),
    (["t", "1001", "131.0031", "45.7711", "昨天", "", "", "", ""], "created_at 不是日期时间"),
    (["t", "1001", "131.0031", "45.7711", "", "", "", "", ""], "created_at 必填"),
    (["t", "1001", "131.0031", "45.7711", "2031-01-01", "", "", "", ""], "out of range"),
    (["t", "1001", "131.0031", "45.7711", "2025-01-06", "mars", "", "", ""], "crs"),
    (["t", "1001", "131.0031", "45.7711", "2025-01-06", "", "done", "", ""], "unknown state"),
    (["t", "1001", "131.0031", "45.7711", "2025-01-06", "", "closed", "", ""], "需要 closed_at"),
    (["t", "1001", "131.0031", "45.7711", "2025-01-06", "", "", "2025-01-01", ""],
     "closed before created"),
    (["t", "1001", "131.0031", "45.7711", "2025-01-06", "", "", "", "HL-0001"], "duplicate code"),
    (["t" * 201, "1001", "131.0031", "45.7711", "2025-01-06", "", "", "", ""], "title 最多"),
    (["暖气\u202e", "1001", "131.0031", "45.7711", "2025-01-06", "", "", "", ""],
     "title 含有控制字符"),
    (["t\x07", "1001", "131.0031", "45.7711", "2025-01-06", "", "", "", ""], "title 含有控制字符"),
]


def _fail_after_copying(monkeypatch) -> None:
    """Make the write fail ("disk full") once the demands have been copied in."""
    original = write.copy_rows

    def failing(session, table, columns, body):
        original(session, table, columns, body)
        raise RuntimeError("disk full")

    monkeypatch.setattr(write, "copy_rows", failing)


def _structures(session) -> tuple[list, list]:
    return bulk_load.structures(session, demand_import.BULK_TABLES)


def _day_rows(day: str, hours: list[int]) -> list[list[str]]:
    return [[f"分批 {h}", "1001", "131.0031", "45.7711", f"{day} {h:02d}:00", "", "", "", ""]
            for h in hours]
