"""Writing checked demand rows in bulk: codes, deadlines, COPY into demands and events."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, time
from typing import Protocol

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv
from psycopg.copy import QueuedLibpqWriter
from sqlalchemy import text
from sqlalchemy.orm import Session

from gis.errors import BadInput
from layers import workcal
from layers.demand_import_checks import LOCAL_OFFSET

CHUNK = 100_000
WORK_END = np.timedelta64(17 * 60 + 30, "m")
DEMAND_COLUMNS = ("id", "code", "title", "description", "category_code", "state", "source",
                  "geom", "input_crs", "input_lon", "input_lat", "address", "grid_id",
                  "grid_code", "reporter_name", "reporter_phone", "created_at", "deadline",
                  "closed_at")
EVENT_COLUMNS = ("demand_id", "action", "to_state", "actor_role", "at", "note", "payload")


class Progress(Protocol):
    """What an import reports its progress to (tqdm fits)."""

    def reset(self, total: int | None = None) -> None:
        """Start again at 0 of `total`."""

    def update(self, n: int = 1) -> bool | None:
        """Count `n` more done."""

    def set_description(self, desc: str | None = None, refresh: bool = True) -> None:
        """Say which phase is running."""


def local_days(moments: np.ndarray) -> np.ndarray:
    """Return the Asia/Shanghai calendar day (datetime64[D]) of UTC datetime64 moments."""
    return (moments + LOCAL_OFFSET).astype("datetime64[D]")


def assign_codes(session: Session, codes: pd.Series, created: np.ndarray) -> np.ndarray:
    """Return the codes, generating QTH-YYYYMMDD-NNNN (from the daily counters, in bulk and in
    order of creation) where none was given."""
    out = codes.to_numpy(dtype=object).copy()
    todo = np.nonzero(codes.to_numpy(dtype=object) == "")[0]
    if not len(todo):
        return out
    todo = todo[np.argsort(created[todo], kind="stable")]
    days, first, counts = np.unique(local_days(created[todo]), return_index=True,
                                    return_counts=True)
    rows = session.execute(
        text("INSERT INTO demand_counters (day, last) SELECT * FROM unnest(CAST(:d AS date[]), "
             "CAST(:n AS int[])) ON CONFLICT (day) DO UPDATE SET last = demand_counters.last "
             "+ EXCLUDED.last RETURNING day, last"),
        {"d": days.astype(object).tolist(), "n": counts.tolist()}).all()
    last = dict(rows)
    group = np.repeat(np.arange(len(days)), counts)
    numbers = (np.array([last[d] for d in days.astype(object)]) - counts + 1)[group] \
        + np.arange(len(todo)) - first[group]
    prefix = pd.Series([f"QTH-{d:%Y%m%d}-" for d in days.astype(object)], dtype="str")
    made = prefix.iloc[group].reset_index(drop=True) + pd.Series(numbers).astype("str") \
        .str.zfill(4)
    out[todo] = made.to_numpy(dtype=object)
    given = codes[codes != ""]
    if len(given) and np.isin(out[todo], given.to_numpy(dtype=object)).any():
        raise BadInput("生成的编号与文件中的 code 冲突（generated code collides with a given "
                       "one）", "code_collision")
    return out


def _working_targets(session: Session, days: np.ndarray, amounts: np.ndarray):
    """Return (target day, start day is working) for each (local day, working days) pair."""
    span = int((days.max() - days.min()).astype(int)) + 400
    rule = workcal.day_rule(session, days.min().astype(object), span)
    target, working = np.empty(len(days), dtype="datetime64[D]"), np.empty(len(days), bool)
    for i, (day, amount) in enumerate(zip(days.astype(object), amounts, strict=True)):
        start = datetime.combine(day, time(12), workcal.TZ)
        target[i] = workcal.add_working_days(start, int(amount), rule).date()
        working[i] = rule(day)
    return target, working


def deadlines(session: Session, created: np.ndarray, amounts: np.ndarray,
              units: np.ndarray) -> np.ndarray:
    """Return UTC datetime64 deadlines, as workcal.deadline would give row by row."""
    out = created + amounts.astype("timedelta64[h]").astype("timedelta64[us]")
    rows = np.nonzero(units == "working_days")[0]
    if not len(rows):
        return out
    local = created[rows] + LOCAL_OFFSET
    day = local.astype("datetime64[D]")
    keys = day.astype(np.int64) * 1000 + amounts[rows].astype(np.int64)
    pairs, inverse = np.unique(keys, return_inverse=True)
    target, working = _working_targets(session, (pairs // 1000).astype("datetime64[D]"),
                                       pairs % 1000)
    time_of_day = np.where(working[inverse], local - day, WORK_END.astype("m8[us]"))
    out[rows] = target[inverse] + time_of_day - LOCAL_OFFSET
    return out


def reserve_ids(session: Session, n: int) -> np.ndarray:
    """Return `n` new demand ids taken from the demands id sequence."""
    sequence = session.execute(text("SELECT pg_get_serial_sequence('demands', 'id')")).scalar()
    ids = session.execute(
        text("SELECT array_agg(nextval(CAST(:s AS regclass))) FROM generate_series(1, :n)"),
        {"s": sequence, "n": n}).scalar_one()
    return np.asarray(ids, dtype=np.int64)


def point_wkb_hex(lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    """Return hex WKB of 2D points as fixed-width byte strings (PostGIS takes the column SRID)."""
    raw = np.empty((len(lon), 21), dtype=np.uint8)
    raw[:, :5] = (1, 1, 0, 0, 0)
    raw[:, 5:13] = np.asarray(lon, dtype="<f8").view(np.uint8).reshape(-1, 8)
    raw[:, 13:21] = np.asarray(lat, dtype="<f8").view(np.uint8).reshape(-1, 8)
    digits = np.frombuffer(b"0123456789ABCDEF", dtype=np.uint8)
    hexed = np.empty((len(lon), 42), dtype=np.uint8)
    hexed[:, 0::2], hexed[:, 1::2] = digits[raw >> 4], digits[raw & 15]
    return hexed.view("S42").ravel()


def _utc(values: np.ndarray) -> pa.Array:
    return pa.array(values, type=pa.timestamp("us", tz="UTC"), from_pandas=True)


def copy_tables(session: Session, sql: str, tables: Iterable[pa.Table],
                progress: Progress | None) -> None:
    """Stream tables as CSV into COPY `sql` on the session's connection, one by one (the
    server ingests each while the next is built)."""
    cursor = session.connection().connection.driver_connection.cursor()
    options = pacsv.WriteOptions(include_header=False)
    with cursor.copy(sql, writer=QueuedLibpqWriter(cursor)) as copy:
        for table in tables:
            sink = pa.BufferOutputStream()
            pacsv.write_csv(table, sink, options)
            copy.write(sink.getvalue())
            if progress is not None:
                progress.update(table.num_rows)


def demand_table(rows: pd.DataFrame, ids: np.ndarray, codes: np.ndarray, grid_ids: np.ndarray,
                 due: np.ndarray) -> pa.Table:
    """Return the Arrow table of demand rows in DEMAND_COLUMNS order."""
    def column(name: str, empty_is_null: bool = False) -> pa.Array:
        values = rows[name].replace("", None) if empty_is_null else rows[name]
        return pa.array(values, from_pandas=True)

    geom = point_wkb_hex(rows["lon_w"].to_numpy(), rows["lat_w"].to_numpy())
    source = pa.array(rows["source"].replace("", "hotline"))
    arrays = [pa.array(ids), pa.array(codes), column("title"), column("description"),
              column("category"), pa.array(rows["state"].to_numpy(dtype=object)), source,
              pa.array(geom).cast(pa.string()), pa.array(rows["input_crs"].to_numpy(dtype=object)),
              pa.array(rows["input_lon"].to_numpy()), pa.array(rows["input_lat"].to_numpy()),
              column("address"), pa.array(grid_ids),
              pa.array(rows["grid_code"].to_numpy(dtype=object)),
              column("reporter_name", True), column("reporter_phone", True),
              _utc(rows["created"].to_numpy()), _utc(due), _utc(rows["closed"].to_numpy())]
    return pa.table(arrays, names=list(DEMAND_COLUMNS))


def event_table(ids: np.ndarray, rows: pd.DataFrame, now: datetime, note: str) -> pa.Table:
    """Return the Arrow table of one 'import' event per demand in EVENT_COLUMNS order."""
    n = len(ids)
    payload = '{"line": ' + rows["line"].astype("str") + "}"
    at = np.full(n, np.datetime64(now.astimezone(UTC).replace(tzinfo=None), "us"))
    return pa.table([pa.array(ids), pa.array(np.full(n, "import")),
                     pa.array(rows["state"].to_numpy(dtype=object)),
                     pa.array(np.full(n, "system")), _utc(at), pa.array(np.full(n, note)),
                     pa.array(payload)],
                    names=list(EVENT_COLUMNS))
