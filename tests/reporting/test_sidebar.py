"""The leaders' sidebar (layers.reporting.sidebar and GET /api/v1/leaders/sidebar on the real
PostGIS): newest first, the oldest open first, the most joined first, public fields only,
the scope, bad parameters named."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, update

from layers.access import roles
from layers.access.actors import Actor
from layers.demands.tables import DEMANDS
from layers.reporting import sidebar
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

URL = "/api/v1/leaders/sidebar"
PUBLIC = {"code", "title", "category_name", "state", "state_label", "grid_code", "created_at",
          "days", "joined"}


def codes(rows: list[dict]) -> list[str]:
    return [r["code"] for r in rows]


def planted(session, grid: str, when, state: str = "received", n: int = 1) -> list[str]:
    """Plant `n` demands in `grid` at `when`; return their codes (newest id last)."""
    plant(session, {grid: n}, when=when, state=state)
    d = DEMANDS.c
    return session.execute(select(d.code).order_by(d.id.desc()).limit(n)).scalars().all()[::-1]


def merge_into(session, original: str, repeats: list[str]) -> None:
    """Mark the demands `repeats` as merged duplicates of `original`."""
    d = DEMANDS.c
    oid = session.execute(select(d.id).where(d.code == original)).scalar_one()
    session.execute(update(DEMANDS).where(d.code.in_(repeats))
                    .values(state="merged", duplicate_of=oid))


def test_lists_are_ordered_and_hold_public_fields_only(session):
    g = all_grids(session, CENTRE_STREET)[0]
    old = planted(session, g, T0, "dispatched")[0]
    closed = planted(session, g, T0 + timedelta(days=1), "closed")[0]
    new = planted(session, g, T0 + timedelta(days=5))[0]
    popular = planted(session, g, T0 + timedelta(days=2))[0]
    merge_into(session, popular, planted(session, g, T0 + timedelta(days=3), n=3))
    merge_into(session, old, planted(session, g, T0 + timedelta(days=4), n=1))
    session.execute(update(DEMANDS).values(reporter_name="张三", reporter_phone="13800000000"))
    out = sidebar.sidebar(session, LEADER, period())
    lists = out["lists"]
    assert codes(lists["newest"]) == [new, popular, closed, old]  # merged ones left out
    assert codes(lists["oldest_open"]) == [old, popular, new]
    assert codes(lists["most_joined"]) == [popular, old]
    assert [r["joined"] for r in lists["most_joined"]] == [3, 1]
    rows = [r for rows in lists.values() for r in rows]
    assert all(set(r) == PUBLIC for r in rows)
    assert "张三" not in str(out) and "13800000000" not in str(out)
    assert lists["oldest_open"][0]["state_label"] == "已派单"


def test_at_most_ten_per_list(session):
    g = all_grids(session, CENTRE_STREET)[0]
    planted(session, g, T0, n=12)
    out = sidebar.sidebar(session, LEADER, period())
    assert [len(v) for v in out["lists"].values()] == [10, 10, 0]


def test_a_street_supervisor_sees_their_street_only(session):
    mine, theirs = all_grids(session, CENTRE_STREET)[0], all_grids(session, OTHER_STREET)[0]
    here = planted(session, mine, T0)[0]
    planted(session, theirs, T0 + timedelta(days=1))
    street = Actor(role=roles.SUPERVISOR, user_id=1, scope=CENTRE_STREET)
    assert codes(sidebar.sidebar(session, street, period())["lists"]["newest"]) == [here]


def test_within_outside_the_scope_is_forbidden_over_the_api(client, staff, session):
    g = all_grids(session, CENTRE_STREET)[0]
    here = planted(session, g, T0)[0]
    session.commit()
    _, headers = staff(roles.SUPERVISOR, CENTRE_STREET)
    resp = client.get(URL, query_string={**PERIOD, "within": OTHER_STREET}, headers=headers)
    assert resp.status_code == 403
    resp = client.get(URL, query_string=PERIOD, headers=headers)
    assert resp.status_code == 200
    assert codes(resp.get_json()["lists"]["newest"]) == [here]


@pytest.mark.parametrize(("query", "field"), [
    ({"from": "昨天"}, "from"), ({"state": "lost"}, "state"), ({"within": "12345"}, "within"),
    ({"category": "abc"}, "category"),
])
def test_bad_parameters_are_refused_naming_them(client, staff, query, field):
    _, headers = staff(roles.LEADER)
    resp = client.get(URL, query_string=query, headers=headers)
    assert resp.status_code == 400
    assert field in resp.get_json()["error"]["fields"]
