"""The rates per unit and period against a hand count: 三率, on-time, counts, zero
denominators, the score's weights, scope and the API's answers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, insert, select, text, update

from gis.periods import report_period
from layers.access import roles
from layers.access.actors import Actor
from layers.demands.tables import DEMAND_EVENTS, DEMANDS
from layers.reporting.rates import COUNTS, RateRules, rates, with_rates
from tests import factories
from tests.pages import log_in

G1, G2 = "230903011001001", "230903012001001"  # grids of 桃东 and 桃南街道
S1, S2, S3 = G1[:9], G2[:9], "230903013"
T0 = datetime(2025, 3, 10, 2, tzinfo=UTC)  # 10:00 in Qitaihe
LEADER = Actor(role=roles.LEADER, user_id=1)
H = timedelta(hours=1)


def _demand(session, grid: str, category: str, **values) -> int:
    """File a demand, then set its columns (created at T0 unless given); return its id."""
    code = factories.demand(session, grid, category)["code"]
    values = {"created_at": T0, "deadline": T0 + 48 * H, **values}
    session.execute(update(DEMANDS).where(DEMANDS.c.code == code).values(**values))
    return session.execute(select(DEMANDS.c.id).where(DEMANDS.c.code == code)).scalar_one()


def _events(session, demand_id: int, *actions: str) -> None:
    session.execute(insert(DEMAND_EVENTS), [
        {"demand_id": demand_id, "action": a, "to_state": "signed", "actor_role": "admin",
         "at": T0 + H, "note": "", "payload": {}} for a in actions])


@pytest.fixture
def fixture(session):
    """Four demands of March 2025 in S1 and S2, one of April, one merged; see each line."""
    signed = {"sign_deadline": T0 + H, "dispatched_at": T0}
    d1 = _demand(session, G1, "0102", state="closed", signed_at=T0 + H / 2, **signed,
                 closed_at=T0 + 24 * H, rating_solved=True, rating_satisfaction="satisfied")
    _events(session, d1, "dispatch")
    d2 = _demand(session, G1, "0103", state="closed", signed_at=T0 + 2 * H, **signed,
                 closed_at=T0 + 72 * H, rating_solved=False, rating_satisfaction="basic")
    _events(session, d2, "dispatch", "return", "dispatch")
    _demand(session, G1, "0201", state="received", deadline=T0 + 2 * H)  # overdue, due
    dept = session.execute(text("SELECT code FROM departments ORDER BY code LIMIT 1")).scalar()
    d4 = _demand(session, G2, "0402", state="closed", signed_at=T0 + H / 2, **signed,
                 closed_at=T0 + 24 * H, rating_solved=True, rating_satisfaction="dissatisfied",
                 assignee_department_code=dept, escalation_level=1)
    _events(session, d4, "dispatch", "rework")
    _demand(session, G1, "1401", created_at=T0 + 30 * 24 * H)  # April: another period
    merged = _demand(session, G1, "0102", state="merged")
    session.execute(update(DEMANDS).where(DEMANDS.c.id == merged).values(duplicate_of=d1))
    return dept


def _row(answer: dict, code: str | None) -> dict:
    return next(r for r in answer["units"] if r["code"] == code)


def test_street_figures_match_a_hand_count(session, fixture):
    got = rates(session, LEADER, "street", report_period("2025-03"))
    s1 = _row(got, S1)
    assert {k: s1[k] for k in ("received", "dispatched", "responded", "rated", "solved",
                                "satisfied", "due", "closed_on_time", "returned", "reworked",
                                "escalated", "overdue")} == {
        "received": 3, "dispatched": 2, "responded": 1, "rated": 2, "solved": 1,
        "satisfied": 2, "due": 3, "closed_on_time": 1, "returned": 1, "reworked": 0,
        "escalated": 0, "overdue": 1}
    assert (s1["response_rate"], s1["resolution_rate"], s1["satisfaction_rate"]) == (0.5, 0.5, 1)
    assert s1["on_time_rate"] == pytest.approx(1 / 3) and s1["score"] == 67.5
    s2 = _row(got, S2)
    assert (s2["received"], s2["reworked"], s2["escalated"], s2["score"]) == (1, 1, 1, 65.0)


def test_rates_are_null_when_their_denominator_is_zero(session, fixture):
    s3 = _row(rates(session, LEADER, "street", report_period("2025-03")), S3)
    assert s3["received"] == 0 and s3["few_ratings"] is True
    assert all(s3[k] is None for k in ("response_rate", "resolution_rate",
                                       "satisfaction_rate", "on_time_rate", "score"))


def test_received_over_every_unit_of_a_level_is_the_period_total(session, fixture):
    period = report_period("2025-03")
    filed = session.execute(select(func.count()).where(
        DEMANDS.c.created_at >= period.start, DEMANDS.c.created_at < period.end,
        DEMANDS.c.duplicate_of.is_(None))).scalar_one()
    for level in ("grid", "community", "street", "district", "department"):
        got = rates(session, LEADER, level, period)
        assert sum(r["received"] for r in got["units"]) == got["total"]["received"] == filed


def test_departments_and_the_undispatched_rest(session, fixture):
    got = rates(session, LEADER, "department", report_period("2025-03"))
    assert _row(got, fixture)["received"] == 1 and _row(got, None)["received"] == 3


def test_weights_and_basic_satisfaction_are_settings(session, fixture):
    rules = RateRules(weights=(0, 0, 100), min_ratings=1, basic_is_satisfied=False)
    s1 = _row(rates(session, LEADER, "street", report_period("2025-03"), rules), S1)
    assert s1["satisfaction_rate"] == 0.5 and s1["score"] == 50.0 and not s1["few_ratings"]


def test_a_quarter_and_a_year_hold_the_april_demand_too(session, fixture):
    assert _row(rates(session, LEADER, "street", report_period("2025Q1")), S1)["received"] == 3
    assert _row(rates(session, LEADER, "street", report_period("2025")), S1)["received"] == 4


def test_a_street_supervisor_gets_only_its_street(session, fixture):
    boss = Actor(role=roles.SUPERVISOR, user_id=1, scope=S1)
    got = rates(session, boss, "street", report_period("2025-03"))
    assert [r["code"] for r in got["units"]] == [S1] and got["total"]["received"] == 3


def test_the_api_answers_leaders_and_refuses_others(client, staff, fixture):
    _, leader = staff(roles.LEADER)
    r = client.get("/api/v1/rates?level=street&period=2025-03", headers=leader)
    assert r.status_code == 200 and r.json["total"]["received"] == 4
    assert "response_rate" in r.json["definitions"]
    _, worker = staff(roles.GRID_WORKER, S1)
    assert client.get("/api/v1/rates", headers=worker).status_code == 403


@pytest.mark.parametrize(("query", "name"), [
    ("level=city", "level"), ("period=2025-13", "period"), ("period=25Q1", "period"),
    ("period=2025Q5", "period")])
def test_bad_parameters_are_named_in_chinese(client, staff, query, name):
    _, leader = staff(roles.LEADER)
    r = client.get(f"/api/v1/rates?{query}", headers=leader)
    assert r.status_code == 400 and name in r.json["error"]["message"]


def test_the_rates_page_ranks_units_and_states_the_definitions(client, session, fixture):
    log_in(client, session, roles.LEADER)
    html = client.get("/leaders/rates?level=street&period=2025-03").get_data(as_text=True)
    assert 'id="rates-table"' in html and "响应率 = 按时响应 / 派遣量" in html
    assert html.index("桃东街道") < html.index("桃南街道")  # 67.5 before 65.0 (both 评价少)


def test_a_bad_period_on_the_page_is_named_and_this_month_shown(client, session):
    log_in(client, session, roles.SUPERVISOR, S1)
    r = client.get("/leaders/rates?period=2025-13")
    assert r.status_code == 400 and 'id="query-error"' in r.get_data(as_text=True)
    assert "period" in r.get_data(as_text=True)


def test_no_score_without_all_three_rates():
    counts = dict.fromkeys(COUNTS, 0) | {"received": 3, "dispatched": 2, "responded": 2}
    got = with_rates(counts, RateRules())
    assert got["response_rate"] == 1.0 and got["resolution_rate"] is None
    assert got["score"] is None
