"""Binary COPY from Arrow columns (gis.pgcopy): every type, NULLs and non-ASCII text arrive
as they were sent."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import pyarrow as pa
import pytest
from sqlalchemy import text

from gis import pgcopy

TYPES = {"i2": "int2", "i4": "int4", "i8": "int8", "f": "float8", "t": "text", "b": "bytea",
         "j": "jsonb", "ts": "timestamptz", "ok": "bool"}


def test_each_type_and_null_round_trips_through_binary_copy(session):
    assert sorted(TYPES.values()) == sorted(pgcopy.TYPES)  # every type it encodes is tried
    session.execute(text("CREATE TEMP TABLE copied (i2 int2, i4 int4, i8 int8, f float8, "
                         "t varchar(20), b bytea, j jsonb, ts timestamptz, ok bool)"))
    moment = datetime(2025, 1, 6, 1, 2, 3, 456789, tzinfo=UTC)
    data = pa.table({
        "i2": pa.array([-3, None, 32767], pa.int16()),
        "i4": pa.array([7, 2**31 - 1, None], pa.int32()),
        "i8": pa.array([None, -(2**40), 5], pa.int64()),
        "f": pa.array([131.0031, None, -0.5]),
        "t": pa.array(["暖气不热", "", None]),
        "b": pa.array([b"\x00\x01", None, b""], pa.binary()),
        "j": pa.array(['{"line": 2}', None, '{"名": "值"}']),
        "ts": pa.array([moment, None, datetime(1999, 12, 31, 23, 0, tzinfo=UTC)],
                       pa.timestamp("us", tz="UTC")),
        "ok": pa.array([True, False, None]),
    })
    cursor = session.connection().connection.driver_connection.cursor()
    pgcopy.copy_in(cursor, f"COPY copied ({', '.join(TYPES)}) FROM STDIN (FORMAT binary)",
                   [pgcopy.rows(part, tuple(TYPES.values()))
                    for part in (data.slice(0, 2), data.slice(2))])
    got = session.execute(text("SELECT * FROM copied")).all()
    assert [tuple(r) for r in got] == [
        (-3, 7, None, 131.0031, "暖气不热", b"\x00\x01", {"line": 2}, moment, True),
        (None, 2**31 - 1, -(2**40), None, "", None, None, None, False),
        (32767, None, 5, -0.5, None, b"", {"名": "值"},
         datetime(1999, 12, 31, 23, 0, tzinfo=UTC), None),
    ]


def test_a_value_too_long_for_its_column_fails_the_copy(session):
    session.execute(text("CREATE TEMP TABLE short (t varchar(2))"))
    cursor = session.connection().connection.driver_connection.cursor()
    with pytest.raises(Exception, match="too long"):
        pgcopy.copy_in(cursor, "COPY short (t) FROM STDIN (FORMAT binary)",
                       [pgcopy.rows(pa.table({"t": ["长长长"]}), ("text",))])


def test_column_and_type_counts_must_match():
    with pytest.raises(ValueError, match="one PostgreSQL type per column"):
        pgcopy.rows(pa.table({"a": np.arange(2)}), ("int8", "text"))
    with pytest.raises(ValueError, match="no binary COPY encoding"):
        pgcopy.rows(pa.table({"a": np.arange(2)}), ("money",))
