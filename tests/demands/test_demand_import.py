"""Importing demand history from CSV/XLSX: located, coded, all or nothing, bad rows by line."""

from __future__ import annotations

import csv
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest
from openpyxl import Workbook
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from gis.coords import wgs84_to_gcj02
from layers import workcal
from layers.demands import events
from layers.demands.escalation import SYSTEM
from layers.demands.imports import bulk_load, write
from layers.demands.imports import importer as demand_import
from layers.demands.imports.importer import BadRows, import_file, parse_mapping

HEADER = ["title", "category", "lon", "lat", "created_at", "crs", "state", "closed_at", "code"]
GOOD = [
    ["暖气不热", "1001", "131.0031", "45.7711", "2025-01-06 09:00:00", "", "", "", ""],
    ["垃圾没人收", "0103", "131.0031", "45.7711", "2025-01-10 16:00", "", "closed",
     "2025-01-12 10:00", "HL-0001"],
    ["路灯不亮", "1403", "131.0031", "45.7711", "2025-01-11T10:00:00+08:00", "", "", "", ""],
]
NOW = datetime(2025, 6, 1, tzinfo=UTC)


def _csv(path: Path, rows: list[list[str]], header: list[str] = HEADER) -> Path:
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def _count(session, sql: str = "SELECT count(*) FROM demands") -> int:
    return session.execute(text(sql)).scalar_one()


def _stored(session, title: str) -> dict:
    return dict(session.execute(text(
        "SELECT d.*, ST_X(geom) AS x, ST_Y(geom) AS y, ST_SRID(geom) AS srid FROM demands d "
        "WHERE title = :t"), {"t": title}).mappings().one())


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


BAD = [
    (["", "1001", "131.0031", "45.7711", "2025-01-06 09:00", "", "", "", ""], "title 必填"),
    (["t", "9999", "131.0031", "45.7711", "2025-01-06 09:00", "", "", "", ""], "unknown category"),
    (["t", "10", "131.0031", "45.7711", "2025-01-06 09:00", "", "", "", ""], "unknown category"),
    (["t", "1001", "东经", "45.7711", "2025-01-06 09:00", "", "", "", ""], "lon 不是有限数字"),
    (["t", "1001", "nan", "45.7711", "2025-01-06 09:00", "", "", "", ""], "lon 不是有限数字"),
    (["t", "1001", "131.0031", "95", "2025-01-06 09:00", "", "", "", ""], "lat 超出范围"),
    (["t", "1001", "120.0", "30.0", "2025-01-06 09:00", "", "", "", ""], "outside every grid"),
    (["t", "1001", "45.7711", "131.0031", "2025-01-06 09:00", "", "", "", ""], "swapped"),
    (["t", "1001", "131.0031", "45.7711", "昨天", "", "", "", ""], "created_at 不是日期时间"),
    (["t", "1001", "131.0031", "45.7711", "", "", "", "", ""], "created_at 必填"),
    (["t", "1001", "131.0031", "45.7711", "2031-01-01", "", "", "", ""], "out of range"),
    (["t", "1001", "131.0031", "45.7711", "2025-01-06", "mars", "", "", ""], "crs"),
    (["t", "1001", "131.0031", "45.7711", "2025-01-06", "", "done", "", ""], "unknown state"),
    (["t", "1001", "131.0031", "45.7711", "2025-01-06", "", "closed", "", ""], "需要 closed_at"),
    (["t", "1001", "131.0031", "45.7711", "2025-01-06", "", "", "2025-01-01", ""],
     "closed before created"),
    (["t", "1001", "131.0031", "45.7711", "2025-01-06", "", "", "", "HL-0001"], "duplicate code"),
    (["t" * 201, "1001", "131.0031", "45.7711", "2025-01-06", "", "", "", ""], "title 最多"),
    (["暖气\u202e", "1001", "131.0031", "45.7711", "2025-01-06", "", "", "", ""],
     "title 含有控制字符"),
    (["t\x07", "1001", "131.0031", "45.7711", "2025-01-06", "", "", "", ""], "title 含有控制字符"),
]


@pytest.mark.parametrize(("row", "reason"), BAD, ids=[r for _, r in BAD])
def test_each_bad_row_is_reported_by_line_and_the_file_refused(session, tmp_path, row, reason):
    before = (_count(session), _count(session, "SELECT count(*) FROM demand_events"))
    with pytest.raises(BadRows) as err:
        import_file(session, _csv(tmp_path / "h.csv", [*GOOD, row]), now=NOW)
    report = err.value.report
    assert report.bad_count >= 1 and report.imported == 0
    assert report.bad[-1].startswith("line 5: ") and reason in report.bad[-1]
    assert (_count(session), _count(session, "SELECT count(*) FROM demand_events")) == before


def test_code_already_stored_is_a_bad_row(session, tmp_path):
    import_file(session, _csv(tmp_path / "a.csv", GOOD[1:2]), now=NOW)
    with pytest.raises(BadRows) as err:
        import_file(session, _csv(tmp_path / "b.csv", GOOD), now=NOW)
    assert err.value.report.bad == ["line 3: code 已存在（code already stored）"]


def test_line_numbers_count_line_breaks_inside_quoted_fields(session, tmp_path):
    rows = [["第一行\n第二行", *GOOD[0][1:]], ["", *GOOD[0][1:]]]
    with pytest.raises(BadRows) as err:
        import_file(session, _csv(tmp_path / "h.csv", rows), now=NOW)
    assert err.value.report.bad == ["line 4: title 必填（required）"]


def test_at_most_fifty_bad_rows_are_listed_with_the_count(session, tmp_path):
    rows = [["", *GOOD[0][1:]]] * 70
    with pytest.raises(BadRows) as err:
        import_file(session, _csv(tmp_path / "h.csv", rows), now=NOW)
    assert err.value.report.bad_count == 70 and len(err.value.report.bad) == 50
    assert err.value.report.bad[0].startswith("line 2: ")


def test_skip_bad_imports_the_good_rows(session, tmp_path):
    before = _count(session)
    rows = [GOOD[0], BAD[0][0], GOOD[2]]
    report = import_file(session, _csv(tmp_path / "h.csv", rows), skip_bad=True, now=NOW)
    assert (report.imported, report.bad_count) == (2, 1)
    assert report.bad == ["line 3: title 必填（required）"]
    assert _count(session) == before + 2


def test_missing_required_column_refuses_the_file(session, tmp_path):
    path = _csv(tmp_path / "h.csv", [r[:4] for r in GOOD], HEADER[:4])
    with pytest.raises(demand_import.BadInput, match="created_at"):
        import_file(session, path, now=NOW)


def test_mapping_to_an_unknown_field_is_refused():
    with pytest.raises(demand_import.BadInput, match="字段=列名"):
        parse_mapping(["colour=颜色"])


def _fail_after_copying(monkeypatch) -> None:
    """Make the write fail ("disk full") once the demands have been copied in."""
    original = write.copy_rows

    def failing(session, table, columns, body):
        original(session, table, columns, body)
        raise RuntimeError("disk full")

    monkeypatch.setattr(write, "copy_rows", failing)


def test_a_failure_mid_write_rolls_everything_back(session, tmp_path, monkeypatch):
    before = [_count(session, f"SELECT count(*) FROM {t}")
              for t in ("demands", "demand_imports", "demand_counters")]
    counters = session.execute(text("SELECT day, last FROM demand_counters ORDER BY day")).all()
    _fail_after_copying(monkeypatch)
    with pytest.raises(RuntimeError):
        import_file(session, _csv(tmp_path / "h.csv", GOOD), now=NOW)
    assert [_count(session, f"SELECT count(*) FROM {t}")
            for t in ("demands", "demand_imports", "demand_counters")] == before
    assert session.execute(text("SELECT day, last FROM demand_counters ORDER BY day")).all() \
        == counters


def _structures(session) -> tuple[list, list]:
    return bulk_load.structures(session, demand_import.BULK_TABLES)


def test_bulk_import_stores_the_same_rows_and_rebuilds_indexes_and_keys(session, tmp_path):
    before, structures = _count(session), _structures(session)
    assert {"ix_demands_geom", "ix_demands_state"} <= {n for n, _ in structures[0]}
    assert {"demands_grid_id_fkey", "demands_import_id_fkey"} <= {n for _, n, _ in structures[1]}
    report = import_file(session, _csv(tmp_path / "h.csv", GOOD), now=NOW, bulk=True)
    assert report.imported == 3 and _count(session) == before + 3
    rubbish = _stored(session, "垃圾没人收")
    assert rubbish["code"] == "HL-0001" and rubbish["grid_code"]
    assert rubbish["import_id"] == report.import_id and rubbish["import_line"] == 3
    assert _structures(session) == structures
    with pytest.raises(IntegrityError):  # the foreign keys hold again
        with session.begin_nested():
            session.execute(text("UPDATE demands SET category_code = 'nope' WHERE id = :d"),
                            {"d": rubbish["id"]})


def test_a_failed_bulk_import_restores_indexes_keys_and_rows(session, tmp_path, monkeypatch):
    before, structures = _count(session), _structures(session)
    _fail_after_copying(monkeypatch)
    with pytest.raises(RuntimeError):
        import_file(session, _csv(tmp_path / "h.csv", GOOD), now=NOW, bulk=True)
    assert _count(session) == before and _structures(session) == structures


def test_cli_imports_and_commits_nothing_when_refused(app, session, tmp_path):
    before = _count(session)
    runner = app.test_cli_runner()
    bad = _csv(tmp_path / "bad.csv", [GOOD[0], BAD[0][0]])
    result = runner.invoke(args=["demands", "import", str(bad)])
    assert result.exit_code == 1 and "line 3: title" in result.output
    assert _count(session) == before
    good = _csv(tmp_path / "good.csv", [GOOD[0]])
    result = runner.invoke(args=["demands", "import", str(good), "--map", "title=title"])
    assert result.exit_code == 0, result.output
    assert "1 demands imported" in result.output and _count(session) == before + 1
    result = runner.invoke(args=["demands", "import", str(_csv(tmp_path / "more.csv", GOOD[2:])),
                                 "--bulk"])
    assert result.exit_code == 0, result.output
    assert "1 demands imported" in result.output and _count(session) == before + 2


def test_gbk_file_with_its_encoding(session, tmp_path):
    path = tmp_path / "gbk.csv"
    path.write_bytes(("title,category,lon,lat,created_at\n"
                      "下水道堵塞,1102,131.0031,45.7711,2025-02-03 14:00\n").encode("gbk"))
    assert import_file(session, path, encoding="gbk", now=NOW).imported == 1
    with pytest.raises(demand_import.BadInput, match="encoding"):
        import_file(session, path, now=NOW)


def _day_rows(day: str, hours: list[int]) -> list[list[str]]:
    return [[f"分批 {h}", "1001", "131.0031", "45.7711", f"{day} {h:02d}:00", "", "", "", ""]
            for h in hours]


def test_parts_are_written_in_order_of_creation_with_codes_in_that_order(session, tmp_path,
                                                                         monkeypatch):
    monkeypatch.setattr(demand_import, "PART_ROWS", 2)
    rows = _day_rows("2025-02-03", [15, 9, 11, 8, 13])  # file order is not time order
    report = import_file(session, _csv(tmp_path / "h.csv", rows), now=NOW)
    assert (report.imported, report.bad_count) == (5, 0)
    stored = session.execute(text(
        "SELECT title, code, id FROM demands WHERE title LIKE '分批 %' ORDER BY created_at"
    )).all()
    assert [r.title for r in stored] == ["分批 8", "分批 9", "分批 11", "分批 13", "分批 15"]
    assert [r.code for r in stored] == sorted(r.code for r in stored)
    assert [r.id for r in stored] == sorted(r.id for r in stored)
    assert _count(session, "SELECT count(*) FROM demands WHERE title LIKE '分批 %' AND "
                           f"import_id = {report.import_id}") == 5


def test_a_bad_row_in_a_later_part_refuses_the_whole_file(session, tmp_path, monkeypatch):
    monkeypatch.setattr(demand_import, "PART_ROWS", 2)
    before = [_count(session, f"SELECT count(*) FROM {t}")
              for t in ("demands", "demand_imports", "demand_counters")]
    counters = session.execute(text("SELECT day, last FROM demand_counters ORDER BY day")).all()
    rows = [*_day_rows("2025-02-04", [8, 9, 10, 11]), [*_day_rows("2025-02-04", [23])[0][:4],
                                                        "2025-02-04 23:00", "", "", "",
                                                        "HL-bad-part"]]
    rows[-1][1] = "9999"  # the last part (by time) holds the bad row
    with pytest.raises(BadRows) as err:
        import_file(session, _csv(tmp_path / "h.csv", rows), now=NOW)
    assert err.value.report.bad_count == 1 and err.value.report.imported == 0
    assert err.value.report.bad[0].startswith("line 6: category")
    assert [_count(session, f"SELECT count(*) FROM {t}")
            for t in ("demands", "demand_imports", "demand_counters")] == before
    assert session.execute(text("SELECT day, last FROM demand_counters ORDER BY day")
                           ).all() == counters


def test_skip_bad_across_parts_lists_bad_rows_by_line(session, tmp_path, monkeypatch):
    monkeypatch.setattr(demand_import, "PART_ROWS", 2)
    rows = _day_rows("2025-02-05", [14, 8, 12, 9, 10])
    rows[0][0] = rows[3][0] = ""  # lines 2 and 5, in different parts by time
    before = _count(session)
    report = import_file(session, _csv(tmp_path / "h.csv", rows), skip_bad=True, now=NOW)
    assert (report.imported, report.bad_count) == (3, 2)
    assert report.bad == ["line 2: title 必填（required）", "line 5: title 必填（required）"]
    assert _count(session) == before + 3
    assert session.execute(text("SELECT rows_read, imported, skipped FROM demand_imports "
                                "WHERE id = :i"), {"i": report.import_id}).one() == (5, 3, 2)


def test_sparse_demand_columns_are_indexed_only_where_set(session):
    definitions = dict(session.execute(text(
        "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'demands' AND indexname "
        "IN ('ix_demands_duplicate_of', 'ix_demands_assignee_member_id', "
        "'ix_demands_assignee_user_id')")).all())
    assert len(definitions) == 3 and all("IS NOT NULL" in d for d in definitions.values())
    session.execute(text("SET LOCAL enable_seqscan = off"))
    plan = session.execute(text(
        "EXPLAIN SELECT count(*) FROM demands WHERE duplicate_of = 1")).scalars().all()
    assert "ix_demands_duplicate_of" in " ".join(plan)
