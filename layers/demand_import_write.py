"""Writing checked demand rows in bulk: codes, deadlines, COPY into demands and events."""

from __future__ import annotations

from datetime import UTC, datetime, time
from typing import Protocol

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv
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
    for day, start, count in zip(days.astype(object), first, counts, strict=True):
        numbers = np.arange(last[day] - count + 1, last[day] + 1)
        out[todo[start:start + count]] = [f"QTH-{day:%Y%m%d}-{n:04d}" for n in numbers]
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
    keys = np.stack([day.astype(np.int64), amounts[rows].astype(np.int64)], axis=1)
    pairs, inverse = np.unique(keys, axis=0, return_inverse=True)
    target, working = _working_targets(session, pairs[:, 0].astype("datetime64[D]"), pairs[:, 1])
    time_of_day = np.where(working[inverse.ravel()], local - day, WORK_END.astype("m8[us]"))
    out[rows] = target[inverse.ravel()] + time_of_day - LOCAL_OFFSET
    return out


def reserve_ids(session: Session, n: int) -> np.ndarray:
    """Return `n` new demand ids taken from the demands id sequence."""
    ids = session.execute(
        text("SELECT nextval(pg_get_serial_sequence('demands', 'id')) "
             "FROM generate_series(1, :n)"), {"n": n}).scalars().all()
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


def copy_table(session: Session, sql: str, table: pa.Table, progress: Progress | None) -> None:
    """Stream `table` as CSV into COPY `sql` on the session's connection, chunk by chunk."""
    cursor = session.connection().connection.driver_connection.cursor()
    options = pacsv.WriteOptions(include_header=False)
    with cursor.copy(sql) as copy:
        for batch in table.to_batches(CHUNK):
            sink = pa.BufferOutputStream()
            pacsv.write_csv(batch, sink, options)
            copy.write(sink.getvalue())
            if progress is not None:
                progress.update(batch.num_rows)


def demand_table(rows: pd.DataFrame, ids: np.ndarray, codes: np.ndarray, grid_ids: np.ndarray,
                 due: np.ndarray) -> pa.Table:
    """Return the Arrow table of demand rows in DEMAND_COLUMNS order."""
    def nullable(name: str) -> pa.Array:
        return pa.array(rows[name].replace("", None), type=pa.string(), from_pandas=True)

    geom = point_wkb_hex(rows["lon_w"].to_numpy(), rows["lat_w"].to_numpy())
    columns = [ids, codes.astype(str), rows["title"], rows["description"], rows["category"],
               rows["state"], rows["source"].replace("", "hotline"), geom, rows["input_crs"],
               rows["input_lon"], rows["input_lat"], rows["address"], grid_ids,
               rows["grid_code"], nullable("reporter_name"), nullable("reporter_phone"),
               _utc(rows["created"].to_numpy()), _utc(due), _utc(rows["closed"].to_numpy())]
    arrays = [c if isinstance(c, pa.Array) else pa.array(np.asarray(c), from_pandas=True)
              for c in columns]
    arrays[7] = arrays[7].cast(pa.string())
    return pa.table(arrays, names=list(DEMAND_COLUMNS))


def event_table(ids: np.ndarray, rows: pd.DataFrame, now: datetime, note: str) -> pa.Table:
    """Return the Arrow table of one 'import' event per demand in EVENT_COLUMNS order."""
    n = len(ids)
    payload = '{"line": ' + rows["line"].astype(str) + "}"
    at = np.full(n, np.datetime64(now.astimezone(UTC).replace(tzinfo=None), "us"))
    return pa.table([pa.array(ids), pa.array(np.full(n, "import")),
                     pa.array(rows["state"].to_numpy(dtype=str)), pa.array(np.full(n, "system")),
                     _utc(at), pa.array(np.full(n, note)), pa.array(payload)],
                    names=list(EVENT_COLUMNS))
