"""Importing demand history (the hotline's 12345 records) from CSV or XLSX, all or nothing.

The rows are taken in order of creation, in parts: each part is checked (vectorised) and
located in its grid (EPSG:4326, GCJ-02/BD-09 converted) in a background thread while the part
before is given its codes and deadlines and written with binary COPY on the caller's session,
inside a savepoint; the caller commits. The import is one `demand_imports` record; each
demand keeps its id and its line in the file.
"""

from __future__ import annotations

import csv
import io
from collections import deque
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import nullcontext
from dataclasses import dataclass, field
from datetime import UTC, datetime
from itertools import islice
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv
from sqlalchemy import text
from sqlalchemy.orm import Session

from gis.errors import BadInput
from grids.locate import GridIndex
from layers.demands.imports import bulk_load, write
from layers.demands.imports.checks import (
    FIELDS,
    REQUIRED,
    Known,
    Problems,
    check_rows,
    parse_times,
)

MAX_LISTED = 50
PART_ROWS = 100_000  # checked in a thread while the part before is written
PARTS_AHEAD = 2  # checked parts waiting to be written, at most (bounds the memory)
BULK_TABLES = ("demands",)


@dataclass
class ImportReport:
    """What an import did: rows read, its record's id, imported, and the bad rows ('line N:
    reason')."""

    rows: int
    import_id: int | None = None
    imported: int = 0
    bad_count: int = 0
    bad: list[str] = field(default_factory=list)


class BadRows(BadInput):
    """The file has bad rows and was refused; `report` lists them by line number."""

    def __init__(self, report: ImportReport) -> None:
        super().__init__(f"{report.bad_count} 行有误，文件未导入（file refused: "
                         f"{report.bad_count} bad rows; --skip-bad imports the others）",
                         "bad_rows")
        self.report = report


def parse_mapping(pairs: list[str] | tuple[str, ...]) -> dict[str, str]:
    """Return {field: file column} from 'field=column' pairs; BadInput on unknown fields."""
    out = {}
    for pair in pairs:
        name, sep, column = pair.partition("=")
        if not sep or name.strip() not in FIELDS or not column.strip():
            raise BadInput(f"映射 {pair!r} 应为 字段=列名，字段为：{', '.join(FIELDS)}", "bad_map")
        out[name.strip()] = column.strip()
    return out


def _header(data: bytes, encoding: str) -> list[str]:
    try:
        first = data[:65536].decode(encoding, errors="strict").lstrip("\ufeff")
    except UnicodeDecodeError:
        first = data[:65536].decode(encoding, errors="ignore").lstrip("\ufeff")
    return [h.strip() for h in next(csv.reader(io.StringIO(first)), [])]


def _line_numbers(data: bytes, frame: pd.DataFrame) -> np.ndarray:
    """Return each record's first line in the file (header = line 1)."""
    n = len(frame)
    if data.count(b"\n") + (not data.endswith(b"\n")) == n + 1 or n == 0:
        return np.arange(2, n + 2)
    inner = sum(frame[c].str.count("\n").to_numpy(dtype=np.int64) for c in frame.columns)
    return 2 + np.concatenate([[0], np.cumsum(inner + 1)[:-1]])


def read_csv(path: Path, encoding: str = "utf-8") -> pd.DataFrame:
    """Return the CSV's cells as text columns plus 'line' (its line number in the file)."""
    data = path.read_bytes()
    names = _header(data, encoding)
    if len(set(names)) != len(names):
        raise BadInput("表头有重复的列名（duplicate column names）", "bad_header")
    try:
        table = pacsv.read_csv(
            pa.py_buffer(data), read_options=pacsv.ReadOptions(encoding=encoding),
            convert_options=pacsv.ConvertOptions(
                column_types={n: pa.string() for n in names}, strings_can_be_null=False,
                quoted_strings_can_be_null=False))
    except (pa.ArrowInvalid, UnicodeDecodeError) as err:
        raise BadInput(f"无法读取 CSV（cannot read the file; try --encoding gbk）: {err}",
                       "bad_file") from None
    frame = table.rename_columns([n.strip().lstrip("\ufeff") for n in table.column_names])
    frame = frame.to_pandas(types_mapper=lambda _t: pd.StringDtype("pyarrow", na_value=np.nan))
    return frame.assign(line=_line_numbers(data, frame))


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    return str(value)


def read_xlsx(path: Path) -> pd.DataFrame:
    """Return the first sheet's cells as text columns plus 'line' (its row number)."""
    from openpyxl import load_workbook

    book = load_workbook(path, read_only=True, data_only=True)
    try:
        rows = book.worksheets[0].iter_rows(values_only=True)
        names = [_cell(v).strip() for v in next(rows, ())]
        records, lines = [], []
        for number, row in enumerate(rows, start=2):
            if any(v not in (None, "") for v in row):
                records.append([_cell(v) for v in row[:len(names)]])
                lines.append(number)
    finally:
        book.close()
    frame = pd.DataFrame(records, columns=names, dtype="str") if records else \
        pd.DataFrame({n: pd.Series(dtype="str") for n in names})
    return frame.fillna("").assign(line=np.asarray(lines, dtype=np.int64))


def read_file(path: Path, encoding: str = "utf-8") -> pd.DataFrame:
    """Return a CSV or XLSX file's cells as text columns plus 'line'."""
    if path.suffix.lower() == ".xlsx":
        return read_xlsx(path)
    if path.suffix.lower() in (".csv", ".txt"):
        return read_csv(path, encoding)
    raise BadInput("只支持 .csv 和 .xlsx 文件（use a .csv or .xlsx file）", "bad_file")


def select_fields(frame: pd.DataFrame, mapping: dict[str, str]) -> pd.DataFrame:
    """Return one stripped text column per field (absent optional fields empty) and 'line'."""
    columns = {}
    for name in FIELDS:
        column = mapping.get(name, name)
        if column in frame.columns:
            columns[name] = frame[column].str.strip()
        elif name in REQUIRED or name in mapping:
            raise BadInput(f"缺少列 {column!r}（missing column; map it with --map "
                           f"{name}=列名）", "missing_column")
        else:
            columns[name] = pd.Series("", index=frame.index, dtype="str")
    return pd.DataFrame(columns).assign(line=frame["line"].to_numpy())


@dataclass
class _Writer:
    """Writes checked parts of a file, each in order of creation: codes, deadlines, ids, then
    binary COPY of the demands."""

    session: Session
    known: Known
    grid_ids: pd.Series = field(init=False)

    def __post_init__(self) -> None:
        self.grid_ids = pd.Series(dict(self.session.execute(
            text("SELECT code, id FROM grids WHERE valid_to IS NULL")).all()))

    def write(self, part: write.Prepared) -> None:
        """Write one part's good rows (sorted by creation, after every earlier part's), so ids
        and codes grow with the rows and their indexes are appended to, not split."""
        rows = part.rows
        created = rows["created"].to_numpy()
        codes = write.assign_codes(self.session, rows["code"], created, self.known.given_codes)
        limits = self.known.categories.reindex(rows["category"].to_numpy())
        due = write.deadlines(self.session, created,
                              limits["limit_amount"].to_numpy(dtype=np.int64),
                              limits["limit_unit"].to_numpy(dtype=object))
        ids = write.reserve_ids(self.session, len(rows))
        write.copy_part(self.session, part, ids, codes,
                        self.grid_ids.reindex(rows["grid_code"]).to_numpy(), due)


def _check_part(part: pd.DataFrame, known: Known, index: GridIndex, now: datetime,
                import_id: int) -> tuple[write.Prepared, Problems]:
    rows, problems = check_rows(part, known, index, now)
    return write.prepare(rows[~problems.bad], import_id), problems


def checked_parts(frame: pd.DataFrame, known: Known, index: GridIndex, now: datetime,
                  import_id: int) -> Iterator[tuple[write.Prepared, Problems]]:
    """Yield the file's rows checked part by part in order of creation, the good rows
    prepared for COPY; the parts are checked in a background thread (no database), so the
    caller writes one while the next is checked."""
    order = np.argsort(parse_times(frame["created_at"]), kind="stable")
    parts = (frame.iloc[order[i:i + PART_ROWS]] for i in range(0, len(frame), PART_ROWS))
    pool = ThreadPoolExecutor(1, thread_name_prefix="import-checks")
    try:
        ahead = deque(pool.submit(_check_part, part, known, index, now, import_id)
                      for part in islice(parts, PARTS_AHEAD))
        while ahead:
            done = ahead.popleft().result()
            for part in islice(parts, 1):
                ahead.append(pool.submit(_check_part, part, known, index, now, import_id))
            yield done
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _write_parts(parts, writer: _Writer, report: ImportReport, skip_bad: bool,
                 progress: write.Progress | None) -> list[tuple[int, str]]:
    """Write each checked part's good rows (while no row is bad, or all with skip_bad),
    counting into `report`; return the first MAX_LISTED problems (line, text)."""
    listed: list[tuple[int, str]] = []
    try:
        for good, problems in parts:
            report.bad_count += int(problems.bad.sum())
            listed = sorted(listed + problems.entries(MAX_LISTED))[:MAX_LISTED]
            if not report.bad_count or skip_bad:
                if len(good.rows):
                    writer.write(good)
                report.imported += len(good.rows)
            if progress is not None:
                progress.update(len(problems.lines))
    finally:
        parts.close()
    return listed


def import_demands(session: Session, frame: pd.DataFrame, source: write.Source,
                   skip_bad: bool = False, progress: write.Progress | None = None,
                   now: datetime | None = None, index: GridIndex | None = None,
                   bulk: bool = False) -> ImportReport:
    """Check and write the rows of `frame` (from select_fields) as one import of `source`;
    return what was done.

    Raises BadRows when a row is bad and skip_bad is false: what was written before the bad
    row was found, the import's record included, is rolled back with the savepoint the writes
    run in, so nothing stays. Any failure leaves the session as it was; the caller commits.
    `bulk` (large loads into a quiet service) rebuilds the demands table's indexes and foreign
    keys after the copy instead of updating them row by row, locking it until commit.
    """
    now = now or datetime.now(UTC)
    report = ImportReport(rows=len(frame))
    if progress is not None:
        progress.reset(total=len(frame))
        progress.set_description("导入 importing")
    known = Known.load(session, frame)
    index = index or GridIndex.load(session)
    with session.begin_nested(), \
            bulk_load.set_aside(session, BULK_TABLES) if bulk else nullcontext():
        report.import_id = write.open_record(session, source, now, bulk)
        parts = checked_parts(frame, known, index, now, report.import_id)
        listed = _write_parts(parts, _Writer(session, known), report, skip_bad, progress)
        report.bad = [entry for _, entry in listed]
        if report.bad_count and not skip_bad:
            report.imported, report.import_id = 0, None
            raise BadRows(report)
        write.close_record(session, report.import_id, report.rows, report.imported,
                           report.bad_count)
    return report


def import_file(session: Session, path: Path, mapping: dict[str, str] | None = None,
                skip_bad: bool = False, encoding: str = "utf-8",
                progress: write.Progress | None = None, now: datetime | None = None,
                bulk: bool = False, run_by: str = "system") -> ImportReport:
    """Import a CSV or XLSX file of demands (columns named as FIELDS, or mapped), run by
    `run_by`; see import_demands."""
    frame = select_fields(read_file(path, encoding), mapping or {})
    return import_demands(session, frame, write.Source(path.name, run_by), skip_bad, progress,
                          now, bulk=bulk)
