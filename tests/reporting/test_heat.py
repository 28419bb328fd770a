"""The heatmap (layers.reporting.heat and GET /api/v1/heat on the real PostGIS): one weighted
point per grid whose weights add up to the matching demands and follow the filters, weekly
frames that add up per week, the scope, bad parameters named."""

from __future__ import annotations

from datetime import timedelta

import pytest
from shapely.geometry import Point, shape

from layers.access import roles
from layers.access.actors import Actor
from layers.reporting import heat, weights
from tests.reporting.test_hotspots import (
    CENTRE_STREET,
    LEADER,
    OTHER_STREET,
    PERIOD,
    T0,
    all_grids,
    period,
    plant,
)

URL = "/api/v1/heat"


def weights_by_code(out: dict) -> dict[str, int]:
    """Return the heat weight per grid code of an answer (its cells)."""
    return {out["grids"][i]["code"]: n for i, n in out["cells"]}


def test_weights_sum_to_the_matching_demands_and_follow_the_category(session):
    a, b, c = all_grids(session, CENTRE_STREET)[:3]
    plant(session, {a: 3, b: 1}, category="1403")
    plant(session, {b: 2, c: 5}, category="0101")
    out = heat.heat(session, LEADER, period(category="1403"))
    assert out["total"] == 4 and weights_by_code(out) == {a: 3, b: 1} and out["max"] == 3
    both = heat.heat(session, LEADER, period())
    assert both["total"] == 11 and weights_by_code(both) == {a: 3, b: 3, c: 5}
    assert len(both["grids"]) == len(all_grids(session))  # a point per grid, not per demand


def test_state_and_period_filters_apply(session):
    a, b = all_grids(session, CENTRE_STREET)[:2]
    plant(session, {a: 2}, state="received")
    plant(session, {b: 4}, state="closed")
    plant(session, {a: 7}, when=T0 - timedelta(days=60))  # January: outside the period
    out = heat.heat(session, LEADER, period(states=("received",)))
    assert weights_by_code(out) == {a: 2}


def test_each_point_is_inside_its_grid(session):
    out = heat.heat(session, LEADER, period())
    cov = weights.coverage(session)
    shapes = dict(zip(cov.codes, cov.geometry, strict=True))
    for g in out["grids"][:50]:
        assert shape(shapes[g["code"]]).buffer(1e-6).contains(Point(g["lon"], g["lat"]))


def test_weekly_frames_sum_per_week_and_to_the_total(session):
    a, b = all_grids(session, CENTRE_STREET)[:2]
    plant(session, {a: 2})  # Wednesday 2021-03-10: week 10
    plant(session, {a: 1, b: 3}, when=T0 + timedelta(days=7))  # week 11
    out = heat.heat(session, LEADER, period(), weekly=True)
    weeks = {w["week"]: w for w in out["weeks"]}
    assert list(weeks)[0] == "2021-W09" and len(weeks) == 5  # Mon 1 Mar … the week of 29 Mar
    assert weeks["2021-W10"]["total"] == 2 and weeks["2021-W11"]["total"] == 4
    assert weights_by_code({"grids": out["grids"], "cells": weeks["2021-W11"]["cells"]}) == \
        {a: 1, b: 3}
    assert sum(w["total"] for w in out["weeks"]) == out["total"] == 6
    assert weeks["2021-W11"]["max"] == 3


def test_a_street_supervisor_gets_their_street_only(session):
    mine, theirs = all_grids(session, CENTRE_STREET)[0], all_grids(session, OTHER_STREET)[0]
    plant(session, {mine: 2, theirs: 5})
    street = Actor(role=roles.SUPERVISOR, user_id=1, scope=CENTRE_STREET)
    out = heat.heat(session, street, period())
    assert out["total"] == 2 and {g["code"][:9] for g in out["grids"]} == {CENTRE_STREET}


def test_within_outside_the_scope_is_forbidden_over_the_api(client, staff):
    _, headers = staff(roles.SUPERVISOR, CENTRE_STREET)
    resp = client.get(URL, query_string={**PERIOD, "within": OTHER_STREET}, headers=headers)
    assert resp.status_code == 403
    resp = client.get(URL, query_string={**PERIOD, "within": CENTRE_STREET}, headers=headers)
    assert resp.status_code == 200 and resp.get_json()["scope"] == CENTRE_STREET


def test_the_api_answers_weekly_frames(client, staff, session):
    a = all_grids(session, CENTRE_STREET)[0]
    plant(session, {a: 3})
    session.commit()
    _, headers = staff(roles.LEADER)
    out = client.get(URL, query_string={**PERIOD, "weekly": "true"}, headers=headers).get_json()
    assert out["total"] == 3 and len(out["weeks"]) == 5
    assert set(out["weeks"][0]) == {"week", "start", "total", "max", "cells"}


@pytest.mark.parametrize(("query", "field"), [
    ({"weekly": "yes"}, "weekly"), ({"from": "2020-01-01", "to": "2021-01-01", "weekly": "true"},
                                    "weekly"),
    ({"from": "2021-04-01", "to": "2021-03-01"}, "from"), ({"category": "abc"}, "category"),
    ({"state": "lost"}, "state"), ({"within": "12345"}, "within"), ({"source": "x"}, "source"),
])
def test_bad_parameters_are_refused_naming_them(client, staff, query, field):
    _, headers = staff(roles.LEADER)
    resp = client.get(URL, query_string=query, headers=headers)
    assert resp.status_code == 400
    assert field in resp.get_json()["error"]["fields"]
