"""The start page `/`: each role lands where its day's work begins, with its scope's figures."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from sqlalchemy import update

from gis.localtime import TZ
from layers.access import roles
from layers.access.actors import Actor
from layers.demands.figures import scope_counts
from layers.demands.tables import DEMANDS
from tests import factories
from tests.pages import log_in

GRID = "230903011001001"  # a grid of 桃东街道's first community
STREET = GRID[:9]
CATEGORIES = ("0102", "0103", "0201", "0402", "1401")  # distinct: none joins another


def _set(session, code: str, **values) -> None:
    session.execute(update(DEMANDS).where(DEMANDS.c.code == code).values(**values))


def _fixture(session, now: datetime) -> dict[str, str]:
    """Five demands in GRID: waiting, in hand and overdue, due today, resolved, closed late."""
    kinds = zip(("waiting", "late", "today", "resolved", "closed"), CATEGORIES, strict=True)
    made = {k: factories.demand(session, GRID, c, title=k)["code"] for k, c in kinds}
    _set(session, made["late"], state="dispatched", deadline=now - timedelta(days=1))
    _set(session, made["today"], state="signed", deadline=now + timedelta(minutes=1))
    _set(session, made["resolved"], state="resolved", deadline=now + timedelta(days=3))
    _set(session, made["closed"], state="closed", closed_at=now, deadline=now - timedelta(1),
         rating_satisfaction="basic", rating_solved=True)
    return made


def _noon() -> datetime:
    """Return today's 12:00 in Qitaihe (so 'due today' and 'this month' are unambiguous)."""
    return datetime.combine(datetime.now(TZ).date(), time(12), TZ)


def test_scope_counts_match_a_hand_count(session):
    now = _noon()
    _fixture(session, now)
    got = scope_counts(session, Actor(role=roles.DISPATCHER, user_id=1, scope=GRID), now)
    assert (got["waiting"], got["in_hand"], got["awaiting_verification"]) == (1, 2, 1)
    assert (got["open"], got["overdue"], got["due_today"]) == (4, 1, 1)
    assert got["month_received"] == 5 and got["month_closed"] == 1
    assert got["month_closed_on_time"] == 0 and got["on_time_rate"] == 0.0
    assert got["month_rated"] == got["month_satisfied"] == 1
    assert got["satisfaction_rate"] == 1.0


def test_rates_are_none_without_a_denominator(session):
    got = scope_counts(session, Actor(role=roles.LEADER, user_id=1, scope=GRID))
    assert got["month_closed"] == 0 and got["on_time_rate"] is None
    assert got["satisfaction_rate"] is None


def test_a_resident_gets_report_and_board(client):
    html = client.get("/").get_data(as_text=True)
    assert 'id="start-report"' in html and 'id="start-board"' in html
    assert 'id="start-mine"' not in html and "工作台" not in html


def test_a_rider_also_gets_its_own_page(client, session):
    log_in(client, session, roles.RIDER)
    html = client.get("/").get_data(as_text=True)
    assert 'id="start-report"' in html and 'id="start-mine"' in html


def test_a_supervisor_starts_on_the_map(client, session):
    log_in(client, session, roles.SUPERVISOR, STREET)
    r = client.get("/")
    assert r.status_code == 302 and r.headers["Location"].endswith("/map")


def test_a_dispatcher_sees_the_queue_and_its_oldest(client, session):
    made = _fixture(session, datetime.now(UTC))
    log_in(client, session, roles.DISPATCHER, GRID)
    html = client.get("/").get_data(as_text=True)
    assert "工作台" in html and 'id="card-waiting"' in html
    assert f">{made['waiting']}</a>" in html  # the oldest waiting demand, linked
    assert 'id="card-verification"' in html and 'id="card-overdue"' in html


def test_a_leader_sees_the_month_but_no_queue(client, session):
    log_in(client, session, roles.LEADER)
    html = client.get("/").get_data(as_text=True)
    assert 'id="card-on-time"' in html and 'id="card-satisfaction"' in html
    assert 'id="card-waiting"' not in html


def test_titles_on_the_start_page_are_escaped(client, session):
    code = factories.demand(session, GRID, title="<b>x</b>")["code"]
    log_in(client, session, roles.DISPATCHER, GRID)
    html = client.get("/").get_data(as_text=True)
    assert code in html and "&lt;b&gt;x&lt;/b&gt;" in html and "<b>x</b>" not in html


def test_grid_workers_and_department_staff_start_on_their_orders(client, session):
    log_in(client, session, roles.GRID_WORKER, GRID[:12])
    r = client.get("/")
    assert r.status_code == 302 and r.headers["Location"].endswith("/work")


def test_community_staff_see_their_orders_and_the_verification_queue(client, session):
    made = _fixture(session, datetime.now(UTC))
    session.execute(update(DEMANDS).where(DEMANDS.c.code.in_([made["late"], made["today"]]))
                    .values(assignee_community_code=GRID[:12]))
    log_in(client, session, roles.COMMUNITY_STAFF, GRID[:12])
    html = client.get("/").get_data(as_text=True)
    orders = html[html.index('id="card-orders"'):]
    assert '<div class="fs-3 fw-semibold">2</div>' in orders[:400]
    assert "其中已超期 1" in orders[:600] and 'id="card-verification"' in html
