"""History imports: bad rows refuse the file, failures roll back, bulk loads and parts."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from layers.demands.imports import importer as demand_import
from layers.demands.imports.importer import BadRows, import_file, parse_mapping
from tests.demands.importfiles import (
    BAD,
    GOOD,
    HEADER,
    NOW,
    _count,
    _csv,
    _day_rows,
    _fail_after_copying,
    _stored,
    _structures,
)


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
