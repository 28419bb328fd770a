"""A round's results equal a hand count; too few votes are flagged, not ranked; the report
(.xlsx) holds the same figures; departments' half-year figures come from closed rounds."""

from __future__ import annotations

import io

from openpyxl import load_workbook

from layers.evaluations import ballots, report_file, results
from tests.evaluations import rows
from tests.evaluations.rows import CITY_ADMIN, COMMUNITY, marks

OTHER = "230903011002"  # 宝山社区


def _voted(session) -> int:
    """A round: 康宁 gets two ballots and a meeting of two forms (4 votes), 宝山 one ballot."""
    round_id = rows.community_round(session, min_votes=3)
    for scores in ([5, 5, 4, 4, 3], [4, 3, 4, 2, 5]):
        [code] = rows.codes(session, round_id)
        ballots.cast(session, code, marks(COMMUNITY, scores))
    rows.staff_sheet(session, round_id, COMMUNITY, [[3, 3, 3, 3, 3], [5, 4, 5, 4, 5]])
    [code] = rows.codes(session, round_id, community=OTHER)
    ballots.cast(session, code, marks(OTHER, [2, 2, 2, 2, 2]))
    return round_id


def test_results_equal_a_hand_count(session):
    data = results.results(session, CITY_ADMIN, _voted(session))
    unit = {u["code"]: u for u in data["units"]}
    kangning = unit[COMMUNITY]
    assert (kangning["votes"], kangning["staff_votes"], kangning["ballot_votes"]) == (4, 2, 2)
    assert kangning["dimensions"]["building"] == (5 + 4 + 3 + 5) / 4  # 4.25
    assert kangning["dimensions"]["expertise"] == (4 + 2 + 3 + 4) / 4  # 3.25
    everything = [5, 5, 4, 4, 3, 4, 3, 4, 2, 5, 3, 3, 3, 3, 3, 5, 4, 5, 4, 5]
    assert kangning["mean"] == round(sum(everything) / 20, 2)  # 3.85
    assert kangning["score"] == 77.0 and kangning["rank"] == 1 and not kangning["few_votes"]


def test_a_unit_with_fewer_votes_than_the_minimum_is_flagged_and_not_ranked(session):
    data = results.results(session, CITY_ADMIN, _voted(session))
    unit = {u["code"]: u for u in data["units"]}
    assert unit[OTHER]["few_votes"] and "rank" not in unit[OTHER]
    assert unit[OTHER]["score"] == 40.0
    silent = unit["230903011003"]
    assert (silent["votes"], silent["mean"], silent["few_votes"]) == (0, None, True)


def test_the_report_goes_to_the_street_and_its_xlsx_holds_the_figures(session):
    round_id = _voted(session)
    data = results.report(session, CITY_ADMIN, round_id)
    assert [g["name"] for g in data["superiors"]] == ["桃东街道党工委、办事处"]
    book = load_workbook(io.BytesIO(report_file.to_xlsx(data)))
    sheet = book["评议结果"]
    header = [c.value for c in sheet[2]]
    by_code = {r[2]: dict(zip(header, r, strict=True)) for r in sheet.iter_rows(min_row=3,
                                                                                 values_only=True)}
    assert by_code[COMMUNITY]["有效票数"] == 4
    assert by_code[COMMUNITY]["社区建设管理"] == 4.25
    assert by_code[COMMUNITY]["百分制"] == 77.0
    assert "不参与排名" in by_code[OTHER]["说明"]
    assert book["说明"]["B1"].value == data["round"]["title"]


def test_departments_half_year_figures_come_from_closed_rounds_only(session):
    dims = ["solving", "speed", "attitude"]
    closed = rows.department_round(session, "230903", "2026H2")
    still_open = rows.department_round(session, "230902", "2026H2")
    for round_id, scores in ((closed, [4, 4, 5]), (closed, [2, 3, 4]), (still_open, [1, 1, 1])):
        [code] = rows.codes(session, round_id, community=None)
        ballots.cast(session, code, marks("heating", scores, dims))
    rows.close(session, closed)
    heating = {r["code"]: r for r in results.department_assessment(
        session, CITY_ADMIN, "2026H2")}["heating"]
    assert (heating["votes"], heating["rounds"]) == (2, 1)
    assert heating["dimensions"] == {"solving": 3.0, "speed": 3.5, "attitude": 4.5}
    assert heating["score"] == round((4 + 4 + 5 + 2 + 3 + 4) / 6 * 20, 1)
