"""组织评议 and 约谈: a secretary's annual review and an interview are stored and listed in
scope; bad input is refused field by field in Chinese."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from gis.errors import Conflict, Forbidden, Invalid
from layers.access.actors import Actor
from layers.evaluations import interviews, reviews
from tests import factories
from tests.evaluations.rows import CITY_ADMIN, COMMUNITY, STREET

STREET_SUPERVISOR = Actor(role="supervisor", user_id=None, scope=STREET)
OTHER = "230902031001"


def _review(**changes) -> dict:
    return {"year": "2026", "unit_code": COMMUNITY, "person_name": "李书记", "score": "88.5",
            "grade": "good", "remarks": "接诉即办成效明显", **changes}


def test_a_secretarys_review_is_stored_and_listed_for_the_year(session):
    reviews.create(session, STREET_SUPERVISOR, _review())
    listed = reviews.list_year(session, STREET_SUPERVISOR, 2026)
    assert [(r["person_name"], float(r["score"]), r["grade_label"], r["unit_name"], r["level"])
            for r in listed] == [("李书记", 88.5, "较好", "康宁社区", "社区党组织书记")]
    assert reviews.list_year(session, STREET_SUPERVISOR, 2025) == []
    with pytest.raises(Conflict):
        reviews.create(session, STREET_SUPERVISOR, _review())


def test_a_bad_review_names_each_field_in_chinese(session):
    with pytest.raises(Invalid) as err:
        reviews.create(session, CITY_ADMIN, _review(year="26", score="101", grade="",
                                                    person_name=" "))
    assert err.value.fields == {"year": "年度应为 2000–2100 的四位年份",
                                "person_name": "请填写书记姓名",
                                "score": "得分应为 0–100 的数，最多一位小数",
                                "grade": "请选择评议等次（好、较好、一般、差）"}


def test_a_review_outside_the_scope_is_refused_and_not_listed(session):
    with pytest.raises(Forbidden):
        reviews.create(session, STREET_SUPERVISOR, _review(unit_code=OTHER))
    reviews.create(session, CITY_ADMIN, _review(unit_code=OTHER))
    assert reviews.list_year(session, STREET_SUPERVISOR, 2026) == []


def _interview(**changes) -> dict:
    return {"unit_kind": "community", "unit_code": COMMUNITY, "held_on": "2026-11-02",
            "reason": "群众评议满意度连续两季度靠后", "interviewers": "桃东街道党工委",
            "interviewees": "康宁社区党委书记", "demand_codes": "", **changes}


def test_an_interview_is_stored_with_its_demands_and_listed_with_its_rates_quarter(session):
    grid = session.execute(text(
        "SELECT min(code) FROM grids WHERE valid_to IS NULL AND code LIKE :c || '%'"),
        {"c": COMMUNITY}).scalar()
    demand = factories.demand(session, grid)["code"]
    interviews.create(session, STREET_SUPERVISOR, _interview(demand_codes=f"{demand}，"))
    [row] = interviews.list_interviews(session, STREET_SUPERVISOR)
    assert (row["unit_name"], row["demand_codes"], row["state_label"], row["rates_period"]) == (
        "康宁社区", [demand], "整改中", "2026Q4")
    interviews.follow_up(session, STREET_SUPERVISOR, row["id"],
                         {"follow_up": "已召开整改会", "state": "closed"})
    assert interviews.list_interviews(session, STREET_SUPERVISOR)[0]["state"] == "closed"


def test_an_interview_naming_unknown_units_or_demands_is_refused(session):
    with pytest.raises(Invalid) as err:
        interviews.create(session, CITY_ADMIN, _interview(
            unit_code="230903011999", demand_codes="QTH-19000101-0001", reason=""))
    assert set(err.value.fields) == {"reason"}
    with pytest.raises(Invalid) as err:
        interviews.create(session, CITY_ADMIN, _interview(
            unit_code="230903011999", demand_codes="QTH-19000101-0001"))
    assert err.value.fields == {"unit_code": "没有代码为 230903011999 的社区",
                                "demand_codes": "没有这些诉求：QTH-19000101-0001"}


def test_interviews_outside_the_scope_are_refused_and_not_listed(session):
    with pytest.raises(Forbidden):
        interviews.create(session, STREET_SUPERVISOR, _interview(unit_code=OTHER))
    interviews.create(session, CITY_ADMIN, _interview(unit_code=OTHER))
    interviews.create(session, CITY_ADMIN, _interview(unit_kind="department",
                                                      unit_code="heating"))
    assert interviews.list_interviews(session, STREET_SUPERVISOR) == []
    assert len(interviews.list_interviews(session, CITY_ADMIN)) == 2
