"""The leaders' charts: the monthly trend against a hand count (and the rates' one
definition), the category mix, departments by on-time rate, scope, the API's answers and
the page (local files only, three ECharts charts that save as PNG)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, text, update
from sqlalchemy.orm import Session

from gis.periods import report_period
from layers.access import roles, users
from layers.access.actors import Actor
from layers.demands.tables import DEMANDS
from layers.reporting import trends
from layers.reporting.rates import COUNTS, RATES, RateRules, rates, with_rates
from tests import committed as committed_rows
from tests import factories
from tests.browser import log_in, needs_browser
from tests.core.test_no_external_urls import _ABSOLUTE, is_local, links_of
from tests.pages import log_in as page_log_in

G1, G2 = "230903011001001", "230903012001001"  # grids of 桃东 and 桃南街道
S1 = G1[:9]
H = timedelta(hours=1)
T0 = datetime(2025, 3, 10, 2, tzinfo=UTC)  # 10:00 in Qitaihe, March 2025
NOW = datetime(2025, 4, 20, 4, tzinfo=UTC)  # the trend's last month is 2025-04
LEADER = Actor(role=roles.LEADER, user_id=1)
RULES = RateRules()


def _demand(session, grid: str, category: str, **values) -> int:
    """File a demand, then set its columns (created at T0 unless given); return its id."""
    code = factories.demand(session, grid, category)["code"]
    values = {"created_at": T0, "deadline": T0 + 48 * H, **values}
    session.execute(update(DEMANDS).where(DEMANDS.c.code == code).values(**values))
    return session.execute(select(DEMANDS.c.id).where(DEMANDS.c.code == code)).scalar_one()


@pytest.fixture
def fixture(session):
    """March 2025: three demands in S1, one in S2, one merged; April: one closed; a demand
    filed at 00:30 on 1 January 2025 local time (still 2024 in UTC); returns departments."""
    dept_a, dept_b = session.execute(text(
        "SELECT code FROM departments WHERE active ORDER BY code LIMIT 2")).scalars().all()
    d1 = _demand(session, G1, "0102", state="closed", closed_at=T0 + 24 * H,
                 assignee_department_code=dept_a, rating_satisfaction="satisfied")
    _demand(session, G1, "0103", state="closed", closed_at=T0 + 72 * H,  # late
            assignee_department_code=dept_a, rating_satisfaction="dissatisfied")
    _demand(session, G1, "0201", state="received")
    _demand(session, G2, "0402", state="closed", closed_at=T0 + 10 * H,
            assignee_department_code=dept_b)
    merged = _demand(session, G1, "0102", state="merged")
    session.execute(update(DEMANDS).where(DEMANDS.c.id == merged).values(duplicate_of=d1))
    april = T0 + 30 * 24 * H
    _demand(session, G1, "1401", created_at=april, deadline=april + 48 * H, state="closed",
            closed_at=april + H)
    new_year = datetime(2024, 12, 31, 16, 30, tzinfo=UTC)
    _demand(session, G1, "0101", created_at=new_year, deadline=new_year + 48 * H)
    return dept_a, dept_b


def _month(trend: dict, month: str) -> dict:
    return next(r for r in trend["rows"] if r["month"] == month)


def test_the_trend_counts_each_local_month_by_hand(session, fixture):
    trend = trends.monthly_trend(session, LEADER, 12, RULES, NOW)
    assert trend["rows"][0]["month"] == "2024-05"
    assert len(trend["rows"]) == 12 and trend["rows"][-1]["month"] == "2025-04"
    march, april = _month(trend, "2025-03"), _month(trend, "2025-04")
    assert (march["received"], march["closed"], march["due"], march["closed_on_time"]) == (
        4, 3, 4, 2)
    assert (april["received"], april["closed"]) == (1, 1)
    assert march["label"] == "2025年3月" and march["on_time_rate"] == 0.5
    assert _month(trend, "2025-01")["received"] == 1  # 00:30 local on 1 January
    assert _month(trend, "2024-12")["received"] == 0
    quiet = _month(trend, "2024-06")
    assert quiet["received"] == 0 and all(quiet[k] is None for k in RATES)


def test_the_trend_rates_are_the_rates_of_the_same_counts(session, fixture):
    trend = trends.monthly_trend(session, LEADER, 12, RULES, NOW)
    for row in trend["rows"]:
        expected = with_rates({k: row[k] for k in COUNTS}, RULES)
        assert {k: row[k] for k in RATES} == {k: expected[k] for k in RATES}
    total = rates(session, LEADER, "district", report_period("2025-03"), RULES, NOW)["total"]
    assert {k: _month(trend, "2025-03")[k] for k in COUNTS} == {k: total[k] for k in COUNTS}


def test_the_category_mix_sums_to_the_periods_demands(session, fixture):
    mix = trends.category_mix(session, LEADER, report_period("2025-03"))
    assert mix["total"] == sum(c["count"] for c in mix["categories"]) == 4
    top = mix["categories"][0]
    assert (top["code"], top["name"], top["count"]) == ("01", "市容环境", 2)
    assert {c["code"]: c["count"] for c in top["children"]} == {"0102": 1, "0103": 1}
    assert [c["code"] for c in mix["categories"]] == ["01", "02", "04"]
    for group in mix["categories"]:
        assert sum(c["count"] for c in group["children"]) == group["count"]


def test_departments_are_sorted_best_first_with_rateless_ones_last(session, fixture):
    dept_a, dept_b = fixture
    got = trends.department_on_time(session, LEADER, report_period("2025-03"), RULES, NOW)
    rows = got["departments"]
    assert [r["code"] for r in rows[:2]] == [dept_b, dept_a]
    assert (rows[0]["on_time_rate"], rows[1]["on_time_rate"]) == (1.0, 0.5)
    assert all(r["on_time_rate"] is None for r in rows[2:]) and None not in [
        r["code"] for r in rows]
    assert "按期结案率" in got["definition"]


def test_a_street_supervisor_charts_only_its_street(session, fixture):
    dept_a, dept_b = fixture
    boss = Actor(role=roles.SUPERVISOR, user_id=1, scope=S1)
    assert _month(trends.monthly_trend(session, boss, 12, RULES, NOW), "2025-03")[
        "received"] == 3
    assert trends.category_mix(session, boss, report_period("2025-03"))["total"] == 3
    rows = trends.department_on_time(session, boss, report_period("2025-03"), RULES, NOW)
    by_code = {r["code"]: r for r in rows["departments"]}
    assert by_code[dept_a]["due"] == 2 and by_code[dept_b]["on_time_rate"] is None


def test_the_api_answers_leaders_and_refuses_grid_workers(client, staff, fixture):
    _, leader = staff(roles.LEADER)
    r = client.get("/api/v1/charts/trend?months=3", headers=leader)
    assert r.status_code == 200 and len(r.json["rows"]) == 3
    assert r.json["labels"]["on_time_rate"] == "按期结案率"
    r = client.get("/api/v1/charts/categories?period=2025-03", headers=leader)
    assert r.status_code == 200 and r.json["total"] == 4
    r = client.get("/api/v1/charts/departments?period=2025Q1", headers=leader)
    assert r.status_code == 200 and r.json["departments"][0]["on_time_rate"] == 1.0
    _, worker = staff(roles.GRID_WORKER, S1)
    assert client.get("/api/v1/charts/trend", headers=worker).status_code == 403


@pytest.mark.parametrize(("path", "name"), [
    ("trend?months=0", "months"), ("trend?months=37", "months"), ("trend?months=x", "months"),
    ("categories?period=2025-13", "period"), ("departments?period=25Q1", "period")])
def test_bad_parameters_are_named_in_chinese(client, staff, path, name):
    _, leader = staff(roles.LEADER)
    r = client.get(f"/api/v1/charts/{path}", headers=leader)
    assert r.status_code == 400 and name in r.json["error"]["message"]
    assert re.search(r"[\u4e00-\u9fff]", r.json["error"]["message"])


def test_the_page_loads_echarts_and_only_local_files(client, session):
    page_log_in(client, session, roles.LEADER)
    html = client.get("/leaders/charts").get_data(as_text=True)
    links = links_of(html)
    assert [u for _t, _a, u in links if not is_local(u)] == []
    assert _ABSOLUTE.findall(re.sub(r"xmlns=\"[^\"]*\"", "", html)) == []
    scripts = {u for tag, _a, u in links if tag == "script"}
    assert {"/static/vendor/echarts/echarts.min.js", "/static/js/leaders/charts.js"} <= scripts
    assert 'href="/leaders/charts"' in html  # the menu entry
    for asset in scripts:
        assert client.get(asset).status_code == 200, asset


def test_grid_workers_are_refused_the_page(client, session):
    page_log_in(client, session, roles.GRID_WORKER, "230903011001")
    assert client.get("/leaders/charts").status_code == 403


USER, PASSWORD = "t_browser_charts", "browser-pass-123"


@pytest.fixture
def committed(engine):
    """A leader login and two demands of this month, committed (the browser reads through
    another connection); removed afterwards."""
    with Session(engine) as s:
        users.create_user(s, USER, roles.LEADER, PASSWORD)
        codes = [factories.demand(s, G1, c)["code"] for c in ("0102", "0201")]
        s.commit()
    try:
        yield codes
    finally:
        committed_rows.remove(engine, codes=codes, user_names=[USER])


CHART_STATE = """
if (!window.echarts) return null;
return ['chart-trend', 'chart-categories', 'chart-departments'].map(function (id) {
  var c = echarts.getInstanceByDom(document.getElementById(id));
  var o = c && c.getOption();
  if (!o || !o.series || !o.series.length) return null;
  return {series: o.series.map(function (s) { return s.data.length; }),
          save: o.toolbox[0].feature.saveAsImage, title: o.title[0].text};
});"""


@needs_browser
def test_the_browser_draws_three_charts_that_save_as_png(live_url, browser, committed):
    from selenium.webdriver.support.ui import WebDriverWait

    log_in(browser, live_url, USER, PASSWORD, "/leaders/charts")
    state = WebDriverWait(browser, 40).until(
        lambda d: (s := d.execute_script(CHART_STATE)) and all(s) and s)
    trend, categories, departments = state
    assert trend["series"] == [12] * 6 and "趋势" in trend["title"]
    assert categories["series"][0] >= 2 and "分类" in categories["title"]
    assert len(departments["series"]) == 1 and "按期结案率" in departments["title"]
    for chart in state:
        assert chart["save"]["type"] == "png" and chart["save"]["title"] == "保存为图片"
        assert chart["save"]["name"]
    assert [e for e in browser.get_log("browser") if e["level"] == "SEVERE"] == []
