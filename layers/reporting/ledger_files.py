"""Writing ledger rows as CSV (UTF-8 with BOM, for Excel) and XLSX (openpyxl).

Text that a spreadsheet would run as a formula (starting with = + - @ or a control
character) is written as plain text: a leading apostrophe in CSV, a string cell in XLSX.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence
from datetime import datetime

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from layers.reporting.ledgers import HEADERS

BOM = "\ufeff"
DATETIME_FORMAT = "yyyy-mm-dd hh:mm"
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_WIDTHS = {"编号": 18, "诉求标题": 30, "问题类别": 20, "地址": 30, "所属网格": 18,
           "责任单位": 14, "状态": 12, "办理用时（天）": 12, "是否按期": 9, "满意度": 9,
           "经度": 12, "纬度": 12}
_TIME_WIDTH = 17


def _csv_value(value: object) -> str:
    """Return a CSV cell: local times as 'YYYY-MM-DD HH:MM:SS', formula-like text defused."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return str(value)


def to_csv(rows: Iterable[Sequence]) -> bytes:
    """Return the ledger as CSV bytes: UTF-8 with a BOM, the Chinese header row first."""
    out = io.StringIO()
    out.write(BOM)
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(HEADERS)
    for row in rows:
        writer.writerow([_csv_value(v) for v in row])
    return out.getvalue().encode("utf-8")


def _cell(ws, value: object) -> WriteOnlyCell:
    """Return a write-only cell; datetimes formatted, text never read as a formula."""
    cell = WriteOnlyCell(ws, value=value)
    if isinstance(value, datetime):
        cell.number_format = DATETIME_FORMAT
    elif isinstance(value, str):
        cell.data_type = "s"
    return cell


def to_xlsx(rows: Iterable[Sequence], title: str = "台账") -> bytes:
    """Return the ledger as XLSX bytes: bold frozen header, column widths, real datetimes."""
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(re.sub(r"[\\/?*\[\]:]", "", title)[:31] or "台账")
    ws.freeze_panes = "A2"
    for i, name in enumerate(HEADERS, start=1):
        width = _TIME_WIDTH if "时间" in name or name == "办理时限" else _WIDTHS.get(name, 12)
        ws.column_dimensions[get_column_letter(i)].width = width
    bold = Font(bold=True)
    header = []
    for name in HEADERS:
        cell = WriteOnlyCell(ws, value=name)
        cell.font = bold
        header.append(cell)
    ws.append(header)
    for row in rows:
        ws.append([_cell(ws, v) for v in row])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
