"""The figures beside the staff demand map: open, overdue, due today, on-duty members, and
the scope's outline and areas (layers.demands.map_scope and its API)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from layers.access.actors import Actor
from layers.demands import map_scope
from tests import factories
from tests.demands.test_demand_map import STREET_A, STREET_B, file, grids_of

URL = "/api/v1/demands/map/scope"
NOW = datetime(2026, 11, 20, 4, 0, tzinfo=UTC)  # 12:00 in Asia/Shanghai


def _demands(session) -> None:
    """In street A: overdue since yesterday, due this afternoon, due at 23:30 local, due
    tomorrow, closed (past its deadline), merged; in street B: late since 11:00 today; an
    on-duty member in each street and an off-duty one in A."""
    a, b = grids_of(session, STREET_A, 1)[0], grids_of(session, STREET_B, 1)[0]
    made = NOW - timedelta(days=3)
    for state, due in (("signed", NOW - timedelta(days=1)), ("received", NOW + timedelta(hours=3)),
                       ("dispatched", NOW + timedelta(hours=11, minutes=30)),
                       ("resolved", NOW + timedelta(hours=13)),
                       ("closed", NOW - timedelta(days=2)), ("merged", NOW)):
        file(session, a, state=state, created=made, deadline=due)
    file(session, b, state="received", created=made, deadline=NOW - timedelta(hours=1))
    factories.member(session, "grid_worker", grids=[a], position=(130.97, 45.78), on_duty=True)
    factories.member(session, "rider", grids=[a], position=(130.97, 45.78), on_duty=False)
    factories.member(session, "grid_worker", grids=[b], position=(130.9, 45.8), on_duty=True)
    session.commit()


def test_scope_figures_match_a_hand_count(session):
    _demands(session)
    street = map_scope.scope_figures(session, Actor("supervisor", 1, scope=STREET_A), NOW)
    assert (street["open"], street["overdue"], street["due_today"], street["on_duty"]) == (
        4, 1, 2, 1)  # due 23:30 local is today, 01:00 local tomorrow is not
    assert street["name"] == "桃东街道" and street["level"] == "street"
    city = map_scope.scope_figures(session, Actor("leader", 2), NOW)
    assert (city["open"], city["overdue"], city["due_today"], city["on_duty"]) == (
        5, 2, 3, 2)  # B was due (and is late) at 11:00 today
    assert city["name"] == "七台河市" and city["outline"] is None


def test_the_scope_opens_on_its_outline_and_lists_only_its_areas(session):
    street = map_scope.scope_figures(session, Actor("supervisor", 1, scope=STREET_A), NOW)
    x0, y0, x1, y1 = street["bbox"]
    assert x0 < x1 and y0 < y1
    assert street["outline"]["type"] in ("Polygon", "MultiPolygon")
    ring = street["outline"]["coordinates"][0]
    ring = ring[0] if street["outline"]["type"] == "MultiPolygon" else ring
    assert all(x0 - 1e-6 <= x <= x1 + 1e-6 and y0 - 1e-6 <= y <= y1 + 1e-6 for x, y in ring)
    codes = [a["code"] for a in street["areas"]]
    assert codes[0] == STREET_A and len(codes) > 1
    assert all(c.startswith(STREET_A) for c in codes)
    assert {a["level"] for a in street["areas"]} == {"street", "community"}
    community = map_scope.scope_figures(
        session, Actor("community_staff", 1, scope=STREET_A + "001"), NOW)
    assert {a["level"] for a in community["areas"]} == {"community", "grid"}


def test_the_scope_api_answers_staff_with_their_scope_only(client, staff, session):
    _demands(session)
    _, supervisor = staff("supervisor", STREET_B)
    out = client.get(URL, headers=supervisor).get_json()
    assert out["scope"] == STREET_B and out["name"] == "兴安街道"
    assert out["overdue"] >= 1 and all(a["code"].startswith(STREET_B) for a in out["areas"])
    assert client.get(URL).status_code == 401
