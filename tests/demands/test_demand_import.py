"""History imports: valid rows are located, coded and given deadlines; files and mappings."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import pytest
from openpyxl import Workbook
from sqlalchemy import text

from gis.coords import wgs84_to_gcj02
from layers import workcal
from layers.demands import events
from layers.demands.escalation import SYSTEM
from layers.demands.imports import write
from layers.demands.imports.importer import import_file, parse_mapping
from tests.demands.importfiles import GOOD, NOW, _count, _csv, _stored


def test_valid_csv_rows_are_located_coded_and_given_deadlines(session, tmp_path):
    before = _count(session)
    report = import_file(session, _csv(tmp_path / "h.csv", GOOD), now=NOW)
    assert (report.rows, report.imported, report.bad_count) == (3, 3, 0)
    assert _count(session) == before + 3
    heat = _stored(session, "暖气不热")
    assert heat["code"].startswith("QTH-20250106-") and heat["state"] == "received"
    assert heat["grid_code"] and heat["srid"] == 4326 and heat["source"] == "hotline"
    assert heat["created_at"] == datetime(2025, 1, 6, 1, 0, tzinfo=UTC)  # 09:00 Shanghai
    assert heat["deadline"] == datetime(2025, 1, 7, 1, 0, tzinfo=UTC)  # 24 hours
    rubbish = _stored(session, "垃圾没人收")
    assert rubbish["code"] == "HL-0001" and rubbish["state"] == "closed"
    assert rubbish["closed_at"] == datetime(2025, 1, 12, 2, 0, tzinfo=UTC)
    assert rubbish["import_id"] == report.import_id and rubbish["import_line"] == 3
    record = session.execute(text("SELECT * FROM demand_imports WHERE id = :i"),
                             {"i": report.import_id}).mappings().one()
    assert (record["file_name"], record["run_by"]) == ("h.csv", "system")
    assert (record["rows_read"], record["imported"], record["skipped"], record["bulk"]) == \
        (3, 3, 0, False) and record["imported_at"] == NOW
    assert _count(session, f"SELECT count(*) FROM demand_events WHERE demand_id = "
                           f"{rubbish['id']}") == 0  # one record per file, not an event per row


def test_an_imported_demands_history_starts_with_its_import(session, tmp_path):
    report = import_file(session, _csv(tmp_path / "h.csv", GOOD), now=NOW, run_by="王工")
    heat = _stored(session, "暖气不热")
    assert events.history(session, heat["id"]) == [{
        "action": "import", "from_state": None, "to_state": "received", "actor_role": "system",
        "actor": "王工", "at": NOW, "note": "导入自 h.csv",
        "payload": {"line": 2, "import": report.import_id}, "lon": None, "lat": None}]
    events.append(session, heat["id"], "dispatch", "received", "dispatched", SYSTEM, "派单")
    session.execute(text("UPDATE demands SET state = 'dispatched' WHERE id = :d"),
                    {"d": heat["id"]})
    history = events.history(session, heat["id"])
    assert [(e["action"], e["from_state"], e["to_state"]) for e in history] == [
        ("import", None, "received"), ("dispatch", "received", "dispatched")]


def test_each_import_is_listed_by_the_cli(app, session, tmp_path):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["demands", "import", str(_csv(tmp_path / "list.csv", GOOD)),
                                 "--by", "热线中心"])
    assert result.exit_code == 0, result.output
    import_id = int(result.output.rsplit("(import ", 1)[1].split(")")[0])
    listed = runner.invoke(args=["demands", "imports", "--limit", "1"]).output.splitlines()
    assert listed[0].startswith("id\t") and listed[1].split("\t")[0] == str(import_id)
    assert listed[1].split("\t")[2:] == ["list.csv", "热线中心", "3", "3", "0", "no"]


def test_working_day_deadlines_match_the_calendar_row_by_row(session):
    created = np.array(["2025-01-10T08:00", "2025-01-11T03:00", "2025-01-24T20:00",
                        "2025-09-30T09:59"], dtype="datetime64[us]")
    amounts = np.array([3, 7, 15, 3])
    got = write.deadlines(session, created, amounts, np.array(["working_days"] * 4, object))
    rule = workcal.day_rule(session, datetime(2025, 1, 1).date(), 800)
    for moment, amount, due in zip(created.astype(object), amounts, got.astype(object),
                                   strict=True):
        start = moment.replace(tzinfo=UTC)
        assert due.replace(tzinfo=UTC) == workcal.deadline(start, int(amount), "working_days",
                                                           rule)


def test_generated_codes_continue_the_daily_counter(session, tmp_path):
    session.execute(text("INSERT INTO demand_counters (day, last) VALUES ('2025-01-06', 41) "
                         "ON CONFLICT (day) DO UPDATE SET last = 41"))
    rows = [GOOD[0], [*GOOD[0][:4], "2025-01-06 08:00", "", "", "", ""]]
    import_file(session, _csv(tmp_path / "h.csv", rows), now=NOW)
    codes = session.execute(text("SELECT code FROM demands WHERE code LIKE 'QTH-20250106-%' "
                                 "ORDER BY created_at")).scalars().all()
    assert codes[-2:] == ["QTH-20250106-0042", "QTH-20250106-0043"]


def test_xlsx_with_mapped_chinese_columns(session, tmp_path):
    book = Workbook()
    sheet = book.active
    sheet.append(["标题", "小类", "经度", "纬度", "受理时间", "地址"])
    sheet.append(["下水道堵塞", "1102", 131.0031, 45.7711, datetime(2025, 2, 3, 14, 0), "桃山"])
    sheet.append([None, None, None, None, None, None])  # blank rows are skipped
    sheet.append(["停水", "1101", 131.0031, 45.7711, "2025-02-04 08:00", ""])
    book.save(tmp_path / "h.xlsx")
    mapping = parse_mapping(["title=标题", "category=小类", "lon=经度", "lat=纬度",
                             "created_at=受理时间", "address=地址"])
    report = import_file(session, tmp_path / "h.xlsx", mapping, now=NOW)
    assert report.imported == 2
    assert _stored(session, "下水道堵塞")["address"] == "桃山"
    assert _stored(session, "停水")["created_at"] == datetime(2025, 2, 4, 0, 0, tzinfo=UTC)


def test_gcj02_rows_are_converted_to_wgs84(session, tmp_path):
    glon, glat = wgs84_to_gcj02(131.0031, 45.7711)
    rows = [["火锅店噪音", "0403", f"{glon:.8f}", f"{glat:.8f}", "2025-03-01 10:00", "gcj02",
             "", "", ""]]
    import_file(session, _csv(tmp_path / "h.csv", rows), now=NOW)
    row = _stored(session, "火锅店噪音")
    assert row["input_crs"] == "gcj02" and row["input_lon"] == pytest.approx(glon)
    assert row["x"] == pytest.approx(131.0031, abs=1e-6)
    assert row["y"] == pytest.approx(45.7711, abs=1e-6)
