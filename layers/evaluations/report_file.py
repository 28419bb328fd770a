"""A round's report as .xlsx (openpyxl): the results sheet, one row per unit with its
superior, and a sheet saying what the figures mean. Text is never read as a formula."""

from __future__ import annotations

import io

from openpyxl import Workbook
from openpyxl.styles import Font

from layers.evaluations import catalog


def _text(value: object) -> object:
    """Return a cell value; text starting like a formula is prefixed with an apostrophe."""
    if isinstance(value, str) and value.startswith(("=", "+", "-", "@", "\t", "\r")):
        return "'" + value
    return value


def _header(found: dict) -> list[str]:
    return (["上级主管单位", "被评单位", "单位代码", "有效票数", "其中现场评议", "其中线上投票"]
            + [d["label"] for d in found["dimensions"]]
            + ["综合平均分（1–5）", "百分制", "排名", "说明"])


def _row(found: dict, r: dict) -> list:
    note = f"有效票数少于 {found['min_votes']} 张，不参与排名" if r["few_votes"] else ""
    return ([r["superior_name"], r["name"], r["code"], r["votes"], r["staff_votes"],
             r["ballot_votes"]] + [r["dimensions"][d["key"]] for d in found["dimensions"]]
            + [r["mean"], r["score"], r.get("rank"), note])


def to_xlsx(data: dict) -> bytes:
    """Return the report of `results.report(...)` as XLSX bytes."""
    found = data["round"]
    wb = Workbook()
    ws = wb.active
    ws.title = "评议结果"
    ws.append([_text(found["title"])])
    ws["A1"].font = Font(bold=True, size=14)
    ws.append(_header(found))
    for cell in ws[2]:
        cell.font = Font(bold=True)
    for group in data["superiors"]:
        for r in group["units"]:
            ws.append([_text(v) for v in _row(found, r)])
    ws.freeze_panes = "C3"
    for col, width in zip("ABCDEFGHIJKLMN", (22, 24, 15, 9, 11, 11), strict=False):
        ws.column_dimensions[col].width = width
    about = wb.create_sheet("说明")
    for line in (
        ["评议轮次", found["title"]], ["类型", found["kind_label"]],
        ["期次", found["period_label"]], ["状态", found["state_label"]],
        ["评分", "每项 1–5 分：" + "、".join(f"{k} {v}" for k, v in catalog.SCALE.items())],
        ["百分制", "综合平均分 × 20"], ["最少有效票数", found["min_votes"]],
        ["有效票", "一张现场评议表或一个线上评议码的投票；线上投票不记录投票人"],
    ):
        about.append([_text(v) for v in line])
    about.column_dimensions["A"].width = 14
    about.column_dimensions["B"].width = 70
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
