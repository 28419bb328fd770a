"""红黑榜 against a hand-made fixture: ranks, ties, the unranked units, N beyond the units;
publishing freezes the board against new data and changed weights, once; who may publish;
the page (未发布 / 已发布, escaped names) and the .xlsx holding the same places."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select, text, update

from gis.errors import BadParameter, Conflict, Forbidden
from gis.periods import report_period
from grids.tables import GRIDS, STREETS
from layers.access import roles
from layers.access.actors import Actor
from layers.demands.tables import DEMANDS
from layers.reporting import boards
from layers.reporting.rates import RateRules
from tests import factories
from tests.browser import needs_browser, served
from tests.factories import PASSWORD
from tests.pages import csrf, log_in

T0 = datetime(2025, 3, 10, 2, tzinfo=UTC)  # 10:00 in Qitaihe
NOW = datetime(2025, 5, 1, tzinfo=UTC)
H = timedelta(hours=1)
MARCH = report_period("2025-03")
RULES = RateRules(min_ratings=2)
LEADER = Actor(role=roles.LEADER, user_id=None, name="市领导")


def _demand(session, grid: str, solved: bool = True, satisfaction: str = "satisfied",
            late: bool = False) -> None:
    """File a March demand in `grid`, dispatched, signed in time, closed (late: after its
    deadline) and rated."""
    code = factories.demand(session, grid)["code"]
    session.execute(update(DEMANDS).where(DEMANDS.c.code == code).values(
        created_at=T0, deadline=T0 + 48 * H, sign_deadline=T0 + H, dispatched_at=T0,
        signed_at=T0 + H / 2, state="closed", closed_at=T0 + (72 if late else 24) * H,
        rating_solved=solved, rating_satisfaction=satisfaction))
    demand_id = session.execute(select(DEMANDS.c.id).where(DEMANDS.c.code == code)).scalar_one()
    session.execute(text(
        "INSERT INTO demand_events (demand_id, action, to_state, actor_role, at, note, payload)"
        " VALUES (:d, 'dispatch', 'dispatched', 'admin', :at, '', '{}')"), {"d": demand_id,
                                                                            "at": T0})


@pytest.fixture
def streets(session) -> list[str]:
    """Six streets with demands: A 100, B 65, C 82.5 (on time), D 82.5 (one late),
    E 82.5 (as C, higher code), F one rating only; every other street has none."""
    street = func.left(GRIDS.c.code, 9).label("street")
    grids = dict(session.execute(
        select(street, func.min(GRIDS.c.code)).where(GRIDS.c.valid_to.is_(None))
        .group_by(street).order_by(street).limit(6)).all())
    a, b, c, d, e, f = grids
    for code, second in ((a, {}), (b, {"solved": False, "satisfaction": "dissatisfied"}),
                         (c, {"satisfaction": "dissatisfied"}),
                         (d, {"satisfaction": "dissatisfied", "late": True}),
                         (e, {"satisfaction": "dissatisfied"})):
        _demand(session, grids[code])
        _demand(session, grids[code], **second)
    _demand(session, grids[f])
    return [a, b, c, d, e, f]


def _codes(places: list[dict]) -> list[str]:
    return [p["code"] for p in places]


def _board(session, n: int = 2, rules: RateRules = RULES) -> dict:
    return boards.board(session, LEADER, "street", MARCH, rules, n, NOW)


def test_red_and_black_rank_streets_by_score_with_ties_broken(session, streets):
    a, b, c, d, e, f = streets
    got = _board(session)
    assert _codes(got["red"]) == [a, c] and _codes(got["black"]) == [b, d]
    assert [p["rank"] for p in got["red"]] == [1, 2] and [p["rank"] for p in got["black"]] == [5, 4]
    assert got["ranked"] == 5
    top = got["red"][0]
    assert (top["score"], top["received"], top["rated"], top["response_rate"]) == (100.0, 2, 2, 1)
    assert got["black"][1]["score"] == 82.5 and got["black"][1]["on_time_rate"] == 0.5


def test_units_with_few_ratings_or_no_score_are_listed_with_why(session, streets):
    got = _board(session)
    why = {p["code"]: p["why"] for p in got["excluded"]}
    assert "评价少：1 件，少于 2 件" == why[streets[5]]
    total = session.execute(select(func.count()).select_from(STREETS)).scalar_one()
    assert len(why) == total - 5
    assert all(w.startswith("无得分") for code, w in why.items() if code != streets[5])
    assert not set(why) & set(_codes(got["red"]) + _codes(got["black"]))


def test_n_larger_than_the_units_splits_them_without_overlap(session, streets):
    a, b, c, d, e, _ = streets
    got = _board(session, n=50)
    assert _codes(got["red"]) == [a, c, e] and _codes(got["black"]) == [b, d]


def test_a_published_board_is_unchanged_after_new_data_and_new_weights(session, streets):
    a, b, *_ = streets
    done = boards.publish(session, LEADER, "street", MARCH, RULES, 2, NOW)
    assert {k: done[k] for k in boards.STORED} == {k: v for k, v in _board(session).items()
                                                     if k in boards.STORED}
    assert done["published"]["by_name"] == "市领导" and done["published"]["at"] == NOW
    grid = session.execute(select(func.min(GRIDS.c.code)).where(
        GRIDS.c.code.startswith(b), GRIDS.c.valid_to.is_(None))).scalar_one()
    for _ in range(6):
        _demand(session, grid)
    assert _codes(_board(session)["black"])[0] != b  # the live board moved
    reweighted = _board(session, rules=RateRules(weights=(0, 0, 100), min_ratings=2))
    assert reweighted["weights"] == [0, 0, 100]
    again = boards.published(session, "street", "2025-03")
    assert again == done and _codes(again["black"]) == [b, streets[3]]
    assert again["weights"] == [30.0, 35.0, 35.0]
    audit = session.execute(text("SELECT subject FROM audit_log WHERE action = 'board.publish'"))
    assert [r[0] for r in audit] == ["street:2025-03"]


def test_publishing_twice_is_refused(session, streets):
    boards.publish(session, LEADER, "street", MARCH, RULES, 2, NOW)
    with pytest.raises(Conflict, match="不能重复发布"):
        boards.publish(session, LEADER, "street", MARCH, RULES, 3, NOW)


def test_only_city_wide_leaders_publish_and_only_ended_periods(session, streets):
    with pytest.raises(Forbidden):
        boards.publish(session, Actor(role=roles.SUPERVISOR, user_id=None), "street", MARCH,
                       RULES, 2, NOW)
    with pytest.raises(Forbidden, match="全市"):
        boards.publish(session, Actor(role=roles.LEADER, scope=streets[0]), "street", MARCH,
                       RULES, 2, NOW)
    with pytest.raises(BadParameter, match="尚未结束"):
        boards.publish(session, LEADER, "street", MARCH, RULES, 2, T0)
    assert boards.published(session, "street", "2025-03") is None


def test_a_scoped_supervisor_sees_the_same_city_board(session, streets):
    boss = Actor(role=roles.SUPERVISOR, scope=streets[1])
    assert boards.board(session, boss, "street", MARCH, RULES, 2, NOW) == _board(session)


def test_the_department_board_leaves_out_the_undispatched(session, streets):
    got = boards.board(session, LEADER, "department", MARCH, RULES, 5, NOW)
    why = {p["code"]: p["why"] for p in got["excluded"]}
    assert why[None].startswith("未派往部门") and got["red"] == got["black"] == []


@pytest.fixture
def page_app(app):
    """The app ranking streets with two ratings or more."""
    app.config["RATE_RULES"] = RULES
    return app


URL = "/leaders/board?level=street&period=2025-03&n=2"


def test_the_page_shows_the_draft_then_the_published_board(page_app, session, streets):
    client = page_app.test_client()
    log_in(client, session, roles.LEADER)
    html = client.get(URL).get_data(as_text=True)
    assert "未发布" in html and 'id="publish-form"' in html and 'id="red-table"' in html
    token = csrf(client, URL)
    r = client.post("/leaders/board/publish", data={
        "level": "street", "period": "2025-03", "n": "2", "csrf_token": token})
    assert r.status_code == 302
    html = client.get(URL).get_data(as_text=True)
    assert "已发布" in html and 'id="publish-form"' not in html
    r = client.post("/leaders/board/publish", data={
        "level": "street", "period": "2025-03", "n": "2", "csrf_token": token})
    assert r.status_code == 409 and "不能重复发布" in r.get_data(as_text=True)


def test_a_supervisor_cannot_publish(page_app, session, streets):
    client = page_app.test_client()
    log_in(client, session, roles.SUPERVISOR, streets[0])
    html = client.get(URL).get_data(as_text=True)
    assert "未发布" in html and 'id="publish-form"' not in html
    r = client.post("/leaders/board/publish", data={
        "level": "street", "period": "2025-03", "csrf_token": csrf(client, URL)})
    assert r.status_code == 403
    assert boards.published(session, "street", "2025-03") is None


def test_names_are_escaped_on_the_page(page_app, session, streets):
    session.execute(update(STREETS).where(STREETS.c.code == streets[0])
                    .values(name="<b>桃东</b>"))
    client = page_app.test_client()
    log_in(client, session, roles.LEADER)
    html = client.get(URL).get_data(as_text=True)
    assert "&lt;b&gt;桃东&lt;/b&gt;" in html and "<b>桃东</b>" not in html


def test_the_xlsx_holds_the_same_places_and_figures(page_app, session, streets):
    client = page_app.test_client()
    log_in(client, session, roles.LEADER)
    r = client.get("/leaders/board.xlsx?level=street&period=2025-03&n=2")
    assert r.status_code == 200 and r.mimetype.endswith("spreadsheetml.sheet")
    rows = list(load_workbook(io.BytesIO(r.data)).active.iter_rows(values_only=True))
    shown = {row[2]: row for row in rows if row[0] in (1, 2, 4, 5)}
    live = _board(session, rules=RULES)
    for p in live["red"] + live["black"]:
        assert shown[p["code"]][:8] == (p["rank"], p["name"], p["code"], p["score"],
                                        p["response_rate"], p["resolution_rate"],
                                        p["satisfaction_rate"], p["on_time_rate"])
    assert any(row[0] == "未发布（草稿，随数据变化）" for row in rows)


def test_a_bad_n_is_named_in_chinese(page_app, session):
    client = page_app.test_client()
    log_in(client, session, roles.LEADER)
    r = client.get("/leaders/board?n=0")
    assert r.status_code == 400 and 'id="query-error"' in r.get_data(as_text=True)
    assert "n" in r.get_data(as_text=True)


def _open(driver, base: str, name: str) -> None:
    """Log `name` in, wait for the landing page, then open the board of URL."""
    from selenium.webdriver.support.ui import WebDriverWait

    from tests.browser import log_in as browser_log_in

    browser_log_in(driver, base, name, PASSWORD, "/leaders/board")
    WebDriverWait(driver, 30).until(
        lambda d: d.current_url.startswith(base + "/leaders/board"))
    driver.get(base + URL)


@needs_browser
def test_the_page_fits_a_desktop_and_a_phone(page_app, session, streets, tmp_path):
    from tests.browser import chromium, phone_chromium

    user = log_in(page_app.test_client(), session, roles.LEADER, prefix="t_br")
    with served(page_app, threaded=False) as base:
        with chromium(tmp_path / "wide") as wide:
            _open(wide, base, user.name)
            assert "未发布" in wide.find_element("id", "board-status").text
            wide.save_screenshot(str(tmp_path / "board-1280.png"))
        boards.publish(session, LEADER, "street", MARCH, RULES, 2, NOW)
        session.commit()
        with phone_chromium(tmp_path / "phone") as phone:
            _open(phone, base, user.name)
            assert "已发布" in phone.find_element("id", "board-status").text
            assert phone.execute_script("return document.documentElement.scrollWidth") <= 360
            phone.save_screenshot(str(tmp_path / "board-360.png"))


def test_the_api_answers_the_published_board_and_refuses_others(client, staff, session,
                                                                 streets):
    page = "/api/v1/boards?level=street&period=2025-03&n=2"
    _, leader = staff(roles.LEADER)
    draft = client.get(page, headers=leader).json
    assert draft["published"] is None and draft["ranked"] >= 0
    boards.publish(session, LEADER, "street", MARCH, RULES, 2, NOW)
    session.commit()
    got = client.get(page + "&n=7", headers=leader).json
    assert got["published"]["by_name"] == "市领导" and got["n"] == 2
    assert _codes(got["red"]) == streets[0:3:2]
    _, worker = staff(roles.GRID_WORKER, streets[0])
    assert client.get(page, headers=worker).status_code == 403
    assert client.get("/api/v1/boards?level=grid", headers=leader).status_code == 400
