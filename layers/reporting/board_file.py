"""A 红黑榜 as .xlsx (openpyxl): the red, the black and the unranked units with the figures
behind each place, and the rules used. Text is never read as a formula."""

from __future__ import annotations

import io

from openpyxl import Workbook
from openpyxl.styles import Font

from gis.localtime import TZ
from layers.reporting.units import LEVEL_LABELS

COLUMNS = (("rank", "名次"), ("name", "单位"), ("code", "单位代码"), ("score", "综合得分"),
           ("response_rate", "响应率"), ("resolution_rate", "解决率"),
           ("satisfaction_rate", "满意率"), ("on_time_rate", "按期结案率"),
           ("received", "受理"), ("dispatched", "派遣"), ("rated", "评价"),
           ("overdue", "超期"), ("returned", "回退"), ("reworked", "返工"), ("escalated", "升级"))
RATE_KEYS = {"response_rate", "resolution_rate", "satisfaction_rate", "on_time_rate"}
WIDTHS = (6, 24, 12, 9, 8, 8, 8, 10, 7, 7, 7, 7, 7, 7, 7, 40)
RED, BLACK = "C00000", "404040"


def _text(value: object) -> object:
    """Return a cell value; text starting like a formula is prefixed with an apostrophe."""
    if isinstance(value, str) and value.startswith(("=", "+", "-", "@", "\t", "\r")):
        return "'" + value
    return value


def status_line(data: dict) -> str:
    """Return 已发布 (time, by whom) or 未发布（草稿）."""
    done = data.get("published")
    if not done:
        return "未发布（草稿，随数据变化）"
    at = done["at"].astimezone(TZ).strftime("%Y-%m-%d %H:%M")
    return f"已发布：{at}，发布人 {done['by_name']}"


def _section(ws, title: str, places: list[dict], colour: str, why: bool = False) -> None:
    """Append a titled table of places (with the reason column for unranked units)."""
    ws.append([])
    ws.append([title])
    ws.cell(ws.max_row, 1).font = Font(bold=True, size=12, color=colour)
    ws.append([label for _, label in COLUMNS] + (["原因"] if why else []))
    for cell in ws[ws.max_row]:
        cell.font = Font(bold=True)
    for p in places:
        ws.append([_text(p[k]) for k, _ in COLUMNS] + ([_text(p["why"])] if why else []))
        for (k, _), cell in zip(COLUMNS, ws[ws.max_row], strict=False):
            if k in RATE_KEYS:
                cell.number_format = "0.0%"
    if not places:
        ws.append(["（无）"])


def to_xlsx(data: dict) -> bytes:
    """Return the board of boards.board()/published() as XLSX bytes."""
    wb = Workbook()
    ws = wb.active
    ws.title = "红黑榜"
    ws.append([f"{data['period']} {LEVEL_LABELS[data['level']]}红黑榜"])
    ws["A1"].font = Font(bold=True, size=14)
    w = data["weights"]
    ws.append([status_line(data)])
    ws.append([f"综合得分 = 响应率 {w[0]:g}%、解决率 {w[1]:g}%、满意率 {w[2]:g}% 加权；"
               f"评价少于 {data['min_ratings']} 件或无得分的单位不参与排名；"
               f"基本满意{'计' if data['basic_is_satisfied'] else '不计'}为满意；"
               f"参与排名 {data['ranked']} 个，红榜、黑榜各至多 {data['n']} 名"])
    _section(ws, "红榜", data["red"], RED)
    _section(ws, "黑榜（倒数第一在前）", data["black"], BLACK)
    _section(ws, "评价少/无得分 不参与排名", data["excluded"], "808080", why=True)
    for i, width in enumerate(WIDTHS):
        ws.column_dimensions[chr(ord("A") + i)].width = width
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
