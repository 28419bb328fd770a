"""Importing demand history (the hotline's 12345 records) from CSV or XLSX, all or nothing.

Every row is checked at once, located in its grid (EPSG:4326, GCJ-02/BD-09 converted) and
given its code and deadline; the rows are written with COPY on the caller's session, inside a
savepoint, and the caller commits.
"""

from __future__ import annotations

import csv
import io
from contextlib import nullcontext
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv
from sqlalchemy import text
from sqlalchemy.orm import Session

from gis.errors import BadInput
from grids.locate import GridIndex
from layers import bulk_load
from layers import demand_import_write as write
from layers.demand_import_checks import FIELDS, REQUIRED, active_small_classes, check_rows

MAX_LISTED = 50
BULK_TABLES = ("demands", "demand_events")


@dataclass
class ImportReport:
    """What an import did: rows read, imported, and the bad rows ('line N: reason')."""

    rows: int
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


def _write(session: Session, rows: pd.DataFrame, note: str, now: datetime,
           progress: write.Progress | None, bulk: bool = False) -> None:
    """Write the good rows and one 'import' event each (COPY); in bulk, with the demand
    tables' secondary indexes and foreign keys set aside and rebuilt."""
    codes = write.assign_codes(session, rows["code"], rows["created"].to_numpy())
    limits = active_small_classes(session).reindex(rows["category"].to_numpy())
    due = write.deadlines(session, rows["created"].to_numpy(),
                          limits["limit_amount"].to_numpy(dtype=np.int64),
                          limits["limit_unit"].to_numpy(dtype=object))
    grid_ids = pd.Series(dict(session.execute(
        text("SELECT code, id FROM grids WHERE valid_to IS NULL")).all()))
    ids = write.reserve_ids(session, len(rows))
    gids = grid_ids.reindex(rows["grid_code"]).to_numpy()
    if progress is not None:
        progress.set_description("写入 writing")
    with bulk_load.set_aside(session, BULK_TABLES) if bulk else nullcontext():
        _copy(session, rows, (ids, codes, gids, due), note, now, progress)


def _copy(session: Session, rows: pd.DataFrame, columns: tuple, note: str, now: datetime,
          progress: write.Progress | None) -> None:
    """COPY the rows (with their ids, codes, grid ids and deadlines) and their events."""
    ids, codes, gids, due = columns
    chunks = [slice(i, i + write.CHUNK) for i in range(0, len(rows), write.CHUNK)]
    write.copy_tables(session, f"COPY demands ({', '.join(write.DEMAND_COLUMNS)}) FROM STDIN "
                      "(FORMAT csv)", (write.demand_table(rows.iloc[c], ids[c], codes[c],
                                                          gids[c], due[c]) for c in chunks),
                      progress)
    write.copy_tables(session, f"COPY demand_events ({', '.join(write.EVENT_COLUMNS)}) FROM "
                      "STDIN (FORMAT csv)", (write.event_table(ids[c], rows.iloc[c], now, note)
                                             for c in chunks), None)


def import_demands(session: Session, frame: pd.DataFrame, note: str, skip_bad: bool = False,
                   progress: write.Progress | None = None, now: datetime | None = None,
                   index: GridIndex | None = None, bulk: bool = False) -> ImportReport:
    """Check and write the rows of `frame` (from select_fields); return what was done.

    Raises BadRows (nothing written) when a row is bad and skip_bad is false. The writes run
    in a savepoint: any failure leaves the session as it was; the caller commits. `bulk`
    (large loads into a quiet service) rebuilds the demand tables' indexes and foreign keys
    after the copy instead of updating them row by row, locking the tables until commit.
    """
    now = now or datetime.now(UTC)
    if progress is not None:
        progress.reset(total=len(frame))
        progress.set_description("检查 checking")
    rows, problems = check_rows(session, frame, index or GridIndex.load(session), now)
    bad = problems.bad
    report = ImportReport(rows=len(frame), bad_count=int(bad.sum()),
                          bad=problems.listing(MAX_LISTED))
    if report.bad_count and not skip_bad:
        raise BadRows(report)
    good = rows[~bad]
    if len(good):
        with session.begin_nested():
            _write(session, good, note, now, progress, bulk)
    report.imported = len(good)
    return report


def import_file(session: Session, path: Path, mapping: dict[str, str] | None = None,
                skip_bad: bool = False, encoding: str = "utf-8",
                progress: write.Progress | None = None, now: datetime | None = None,
                bulk: bool = False) -> ImportReport:
    """Import a CSV or XLSX file of demands (columns named as FIELDS, or mapped); see
    import_demands."""
    frame = select_fields(read_file(path, encoding), mapping or {})
    return import_demands(session, frame, f"导入自 {path.name}", skip_bad, progress, now,
                          bulk=bulk)
