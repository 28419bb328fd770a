"""The 两评 pages: staff entry errors beside their cells (nothing stored), scope refusals,
escaped user text, only local URLs, the .xlsx download and a resident voting by code."""

from __future__ import annotations

import io
import re

from openpyxl import load_workbook
from sqlalchemy import text

from layers.evaluations import ballots, interviews, reviews
from tests.core.test_no_external_urls import is_local, links_of
from tests.evaluations import rows
from tests.evaluations.rows import CITY_ADMIN, COMMUNITY, STREET, marks
from tests.pages import csrf, log_in

OTHER_STREET = "230902031"  # 兴安街道


def _sheets(session, round_id: int) -> int:
    return session.execute(text("SELECT count(*) FROM evaluation_sheets WHERE round_id = :r"),
                           {"r": round_id}).scalar()


def _post(client, path: str, data: dict):
    return client.post(path, data={**data, "csrf_token": csrf(client)})


def test_a_bad_score_in_the_staff_entry_is_named_beside_its_cell_and_nothing_is_stored(
        client, session):
    round_id = rows.community_round(session)
    log_in(client, session, "community_staff", STREET)
    resp = _post(client, f"/evaluations/rounds/{round_id}/entry", {
        "unit_code": COMMUNITY, "meeting_on": "2026-11-20",
        **{f"s-0-{d}": "4" for d in rows.DIMS}, "s-1-building": "7", "s-1-party_service": "3"})
    html = resp.get_data(as_text=True)
    assert resp.status_code == 422
    cell = re.search(r'id="s-1-building"[^>]*>\s*<div class="invalid-feedback" '
                     r'data-error-for="s-1-building">([^<]+)<', html)
    assert cell and "第 2 份「社区建设管理」应为 1–5 分" in cell.group(1)
    assert 'data-error-for="s-1-attitude">请为第 2 份「工作人员工作态度」打分' in html
    assert 'value="7"' in html  # what was typed stays in the form
    assert _sheets(session, round_id) == 0


def test_a_meetings_forms_are_stored_as_staff_sheets(client, session):
    round_id = rows.community_round(session)
    user = log_in(client, session, "community_staff", STREET)
    resp = _post(client, f"/evaluations/rounds/{round_id}/entry", {
        "unit_code": COMMUNITY, "meeting_on": "2026-11-20", "note": "社区评议大会",
        **{f"s-0-{d}": "4" for d in rows.DIMS}, **{f"s-3-{d}": "5" for d in rows.DIMS}})
    assert resp.status_code == 302
    stored = session.execute(text(
        "SELECT count(*), min(entered_by), min(source) FROM evaluation_sheets "
        "WHERE round_id = :r"), {"r": round_id}).one()
    assert tuple(stored) == (2, user.id, "staff")


def test_a_streets_staff_cannot_manage_another_streets_round(client, session):
    theirs = rows.community_round(session, area=OTHER_STREET, state="draft")
    log_in(client, session, "community_staff", STREET)
    for path, data in ((f"/evaluations/rounds/{theirs}/state", {"to": "open"}),
                       (f"/evaluations/rounds/{theirs}/ballots",
                        {"count": "3", "community_code": OTHER_STREET + "001"})):
        resp = _post(client, path, data)
        assert resp.status_code == 403 and "不在您的管辖范围" in resp.get_data(as_text=True)
    assert client.get(f"/evaluations/rounds/{theirs}").status_code == 403
    state = session.execute(text("SELECT state, (SELECT count(*) FROM evaluation_ballots "
                                 "WHERE round_id = :r) FROM evaluation_rounds WHERE id = :r"),
                            {"r": theirs}).one()
    assert tuple(state) == ("draft", 0)
    assert f"/evaluations/rounds/{theirs}\"" not in client.get("/evaluations").get_data(
        as_text=True)


def test_a_communitys_staff_enter_only_their_own_community_in_the_street_round(client,
                                                                               session):
    round_id = rows.community_round(session)
    log_in(client, session, "community_staff", COMMUNITY)
    scores = {f"s-0-{d}": "3" for d in rows.DIMS}
    neighbour = _post(client, f"/evaluations/rounds/{round_id}/entry",
                      {"unit_code": STREET + "002", "meeting_on": "2026-11-20", **scores})
    assert neighbour.status_code == 403
    own = _post(client, f"/evaluations/rounds/{round_id}/entry",
                {"unit_code": COMMUNITY, "meeting_on": "2026-11-20", **scores})
    assert own.status_code == 302 and _sheets(session, round_id) == 1


def _hostile(session) -> int:
    """A round with votes, a review and an interview whose texts are markup."""
    round_id = rows.community_round(session)
    reviews.create(session, CITY_ADMIN, {
        "year": "2026", "unit_code": STREET, "person_name": "<b>王某</b>", "score": "91.5",
        "grade": "excellent", "remarks": "<script>alert(1)</script>"})
    interviews.create(session, CITY_ADMIN, {
        "unit_kind": "community", "unit_code": COMMUNITY, "held_on": "2026-11-02",
        "reason": "<img src=x onerror=alert(2)>", "interviewers": "区委组织部",
        "interviewees": "社区书记", "follow_up": "<i>已整改</i>"})
    session.commit()
    return round_id


def _pages(round_id: int) -> list[str]:
    base = f"/evaluations/rounds/{round_id}"
    return ["/evaluations", "/evaluations/rounds/new", base, f"{base}/entry", f"{base}/report",
            "/evaluations/departments?period=2026H2", "/evaluations/reviews?year=2026",
            "/evaluations/interviews", "/evaluations/interviews/new", "/evaluate"]


def test_pages_escape_user_text_and_load_only_local_urls(client, session):
    round_id = _hostile(session)
    log_in(client, session, "supervisor", STREET)
    for page in _pages(round_id):
        resp = client.get(page)
        html = resp.get_data(as_text=True)
        assert resp.status_code == 200, page
        assert [u for _t, _a, u in links_of(html) if not is_local(u)] == [], page
        assert not re.search(r"(?:https?:)?//(?!localhost/)", html), page
        assert "<script>alert" not in html and "<img src=x" not in html, page
    reviews_page = client.get("/evaluations/reviews?year=2026").get_data(as_text=True)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in reviews_page
    assert "&lt;b&gt;王某&lt;/b&gt;" in reviews_page
    assert "&lt;img src=x onerror=alert(2)&gt;" in client.get(
        "/evaluations/interviews").get_data(as_text=True)


def test_the_ballot_sheet_shows_the_codes_once_and_prints_three_by_eight(client, session):
    round_id = rows.community_round(session, state="draft")
    log_in(client, session, "community_staff", STREET)
    resp = _post(client, f"/evaluations/rounds/{round_id}/ballots",
                 {"count": "24", "community_code": COMMUNITY})
    html = resp.get_data(as_text=True)
    codes = re.findall(r"data-code>([0-9A-Z-]{14})<", html)
    assert resp.status_code == 200 and len(set(codes)) == 24
    assert "grid-template-columns: repeat(3, 1fr)" in html and "http://localhost/evaluate" in html
    assert [u for _t, _a, u in links_of(html) if not is_local(u)] == []
    detail = client.get(f"/evaluations/rounds/{round_id}").get_data(as_text=True)
    assert "评议码已发 24 个" in detail and codes[0] not in detail


def test_the_report_downloads_as_xlsx_with_the_figures(client, session):
    round_id = rows.community_round(session)
    [code] = rows.codes(session, round_id)
    ballots.cast(session, code, marks(COMMUNITY, [5, 4, 3, 2, 1]))
    session.commit()
    log_in(client, session, "leader", STREET)
    resp = client.get(f"/evaluations/rounds/{round_id}/report.xlsx")
    assert resp.status_code == 200 and "attachment" in resp.headers["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(resp.data))["评议结果"]
    row = next(r for r in sheet.iter_rows(min_row=3, values_only=True) if r[2] == COMMUNITY)
    assert row[3:6] == (1, 0, 1) and row[6:11] == (5, 4, 3, 2, 1) and row[12] == 60.0


def test_a_resident_votes_with_a_code_once(client, session):
    round_id = rows.community_round(session)
    [code] = rows.codes(session, round_id)
    session.commit()
    opened = _post(client, "/evaluate", {"code": code.lower()})
    assert opened.status_code == 200 and "康宁社区" in opened.get_data(as_text=True)
    half = _post(client, "/evaluate/vote", {"code": code, **marks(COMMUNITY, [5, 5, 5, 5, 5])
                                            } | {f"m-{COMMUNITY}-solving": ""})
    assert half.status_code == 422
    assert 'data-error-for="m-230903011001-solving">请为康宁社区「问题解决成效」打分' in \
        half.get_data(as_text=True)
    done = _post(client, "/evaluate/vote", {"code": code, **marks(COMMUNITY, [5, 5, 5, 5, 5])})
    assert done.status_code == 200 and "感谢您的评议" in done.get_data(as_text=True)
    again = _post(client, "/evaluate", {"code": code})
    assert again.status_code == 409 and "只能投一次" in again.get_data(as_text=True)
