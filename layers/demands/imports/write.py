"""Writing checked demand rows in bulk: the import's record, codes, deadlines, COPY."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time
from typing import Protocol

import numpy as np
import pandas as pd
import pyarrow as pa
from sqlalchemy import text
from sqlalchemy.orm import Session

from gis import pgcopy
from gis.errors import BadInput
from gis.srid import STORAGE
from layers import workcal
from layers.demands.imports.checks import LOCAL_OFFSET

WORK_END = np.timedelta64(17 * 60 + 30, "m")
# COPY columns: what a checked row gives (encoded in the checking thread), then what the
# database assigns (ids, codes, grid ids, deadlines; encoded when the part is written)
DEMAND_STATIC = {"title": "text", "description": "text", "category_code": "text",
                 "state": "text", "source": "text", "geom": "bytea", "input_crs": "text",
                 "input_lon": "float8", "input_lat": "float8", "address": "text",
                 "grid_code": "text", "reporter_name": "text", "reporter_phone": "text",
                 "created_at": "timestamptz", "closed_at": "timestamptz",
                 "import_id": "int4", "import_line": "int4"}
DEMAND_ASSIGNED = {"id": "int8", "code": "text", "grid_id": "int4", "deadline": "timestamptz"}
DEMAND_COLUMNS = (*DEMAND_STATIC, *DEMAND_ASSIGNED)


class Progress(Protocol):
    """What an import reports its progress to (tqdm fits)."""

    def reset(self, total: int | None = None) -> None:
        """Start again at 0 of `total`."""

    def update(self, n: int = 1) -> bool | None:
        """Count `n` more done."""

    def set_description(self, desc: str | None = None, refresh: bool = True) -> None:
        """Say which phase is running."""


@dataclass(frozen=True)
class Source:
    """Where an import's rows come from: the file's name and who ran the import."""

    file_name: str
    run_by: str = "system"


def open_record(session: Session, source: Source, now: datetime, bulk: bool) -> int:
    """Insert the import's record (its counts filled in by close_record); return its id."""
    return session.execute(
        text("INSERT INTO demand_imports (file_name, run_by, imported_at, bulk) "
             "VALUES (:f, :r, :at, :b) RETURNING id"),
        {"f": source.file_name[:255], "r": source.run_by[:100], "at": now, "b": bulk}
    ).scalar_one()


def close_record(session: Session, import_id: int, rows: int, imported: int,
                 skipped: int) -> None:
    """Store the import's counts: rows read, demands imported, bad rows skipped."""
    session.execute(
        text("UPDATE demand_imports SET rows_read = :r, imported = :i, skipped = :s "
             "WHERE id = :id"), {"r": rows, "i": imported, "s": skipped, "id": import_id})


def records(session: Session, limit: int = 20) -> list[dict]:
    """Return the latest imports, newest first."""
    return [dict(r) for r in session.execute(
        text("SELECT id, file_name, run_by, imported_at, rows_read, imported, skipped, bulk "
             "FROM demand_imports ORDER BY id DESC LIMIT :n"), {"n": limit}).mappings()]


def local_days(moments: np.ndarray) -> np.ndarray:
    """Return the Asia/Shanghai calendar day (datetime64[D]) of UTC datetime64 moments."""
    return (moments + LOCAL_OFFSET).astype("datetime64[D]")


def assign_codes(session: Session, codes: pd.Series, created: np.ndarray,
                 given: frozenset[str] = frozenset()) -> np.ndarray:
    """Return the codes, generating QTH-YYYYMMDD-NNNN (from the daily counters, in bulk and in
    order of creation) where none was given; `given` holds every code the file gives."""
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
    given = given | frozenset(codes[codes != ""])
    if given and not given.isdisjoint(out[todo]):
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
    return np.sort(np.asarray(ids, dtype=np.int64))


def point_ewkb(lon: np.ndarray, lat: np.ndarray) -> pa.Array:
    """Return little-endian EWKB points with SRID 4326, one binary value per point."""
    raw = np.empty((len(lon), 25), dtype=np.uint8)
    raw[:, :9] = np.frombuffer(b"\x01\x01\x00\x00\x20" + STORAGE.to_bytes(4, "little"),
                               np.uint8)
    raw[:, 9:17] = np.asarray(lon, dtype="<f8").view(np.uint8).reshape(-1, 8)
    raw[:, 17:25] = np.asarray(lat, dtype="<f8").view(np.uint8).reshape(-1, 8)
    return pgcopy.binary_rows(raw)


def _utc(values: np.ndarray) -> pa.Array:
    return pa.array(values, type=pa.timestamp("us", tz="UTC"), from_pandas=True)


def copy_rows(session: Session, table: str, columns: tuple[str, ...], body: pa.Buffer) -> None:
    """COPY binary rows (gis.pgcopy) into `table`'s `columns` on the session's connection."""
    cursor = session.connection().connection.driver_connection.cursor()
    pgcopy.copy_in(cursor, f"COPY {table} ({', '.join(columns)}) FROM STDIN (FORMAT binary)",
                   [body])


@dataclass
class Prepared:
    """A checked part's good rows, with the COPY fields that need nothing from the database
    already encoded (done in the checking thread)."""

    rows: pd.DataFrame
    demand_fields: list[pa.Array]


def prepare(rows: pd.DataFrame, import_id: int) -> Prepared:
    """Encode the good rows' demand fields that do not depend on ids, codes or deadlines,
    with the import's id and each row's line (pure; safe in a background thread)."""
    def column(name: str, empty_is_null: bool = False) -> pa.Array:
        values = rows[name].replace("", None) if empty_is_null else rows[name]
        return pa.array(values, type=pa.string(), from_pandas=True)

    demands = pa.table([
        column("title"), column("description"), column("category"),
        pa.array(rows["state"].to_numpy(dtype=object), pa.string()),
        pa.array(rows["source"].replace("", "hotline"), type=pa.string()),
        point_ewkb(rows["lon_w"].to_numpy(), rows["lat_w"].to_numpy()),
        pa.array(rows["input_crs"].to_numpy(dtype=object), pa.string()),
        pa.array(rows["input_lon"].to_numpy()), pa.array(rows["input_lat"].to_numpy()),
        column("address"), pa.array(rows["grid_code"].to_numpy(dtype=object), pa.string()),
        column("reporter_name", True), column("reporter_phone", True),
        _utc(rows["created"].to_numpy()), _utc(rows["closed"].to_numpy()),
        pa.array(np.full(len(rows), import_id, dtype=np.int32)),
        pa.array(rows["line"].to_numpy(dtype=np.int32))],
        names=list(DEMAND_STATIC))
    return Prepared(rows, pgcopy.encode(demands, tuple(DEMAND_STATIC.values())))


def copy_part(session: Session, part: Prepared, ids: np.ndarray, codes: np.ndarray,
              grid_ids: np.ndarray, due: np.ndarray) -> None:
    """COPY a prepared part's demands, with their ids, codes, grid ids and deadlines."""
    assigned = pa.table([pa.array(ids), pa.array(codes, pa.string()),
                         pa.array(grid_ids.astype(np.int32)), _utc(due)],
                        names=list(DEMAND_ASSIGNED))
    copy_rows(session, "demands", DEMAND_COLUMNS, pgcopy.join(
        [*part.demand_fields, *pgcopy.encode(assigned, tuple(DEMAND_ASSIGNED.values()))]))
