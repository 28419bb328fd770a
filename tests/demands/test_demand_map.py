"""The staff demand map's data: clusters at low zoom, points at high zoom, filters, scope,
bad parameters (the API and layers.demands.map_layer on the real PostGIS)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text, update

from layers.access.actors import RESIDENT
from layers.demands import map_layer
from layers.demands import store as demands
from layers.demands.fields import check_new_demand
from layers.demands.tables import DEMANDS
from tests import factories

URL = "/api/v1/demands/map"
CITY = "130.4,45.5,131.6,46.1"
STREET_A, STREET_B = "230903011", "230902031"  # 桃东街道, 兴安街道
POINT_KEYS = {"kind", "code", "category", "category_name", "group", "state", "state_label",
              "overdue", "grid", "days_open", "deadline"}


def grids_of(session, street: str, n: int) -> list[str]:
    """Return the first `n` current grid codes of a street, spread over its communities."""
    return session.execute(text(
        "SELECT code FROM (SELECT DISTINCT ON (community_code) code FROM grids "
        "WHERE valid_to IS NULL AND code LIKE :s || '%' ORDER BY community_code, code) g "
        "ORDER BY code LIMIT :n"), {"s": street, "n": n}).scalars().all()


def file(session, grid: str, category: str = "1403", state: str = "received",
         created: datetime | None = None, deadline: datetime | None = None) -> str:
    """File a demand in `grid` with the factory, then set its state and times; return code."""
    code = factories.demand(session, grid, category)["code"]
    values = {"state": state}
    if created:
        values["created_at"] = created
    if deadline:
        values["deadline"] = deadline
    session.execute(update(DEMANDS).where(DEMANDS.c.code == code).values(**values))
    return code


@pytest.fixture
def city(session):
    """Demands in two streets: A has 6 in two communities (states, categories, periods
    mixed), B has 3; {'a': grids of A, 'b': grids of B}."""
    a, b = grids_of(session, STREET_A, 2), grids_of(session, STREET_B, 1)
    old = datetime(2026, 1, 10, 9, tzinfo=UTC)
    for grid, cat, state in ((a[0], "1403", "received"), (a[0], "1401", "signed"),
                             (a[0], "1101", "dispatched"), (a[1], "1403", "resolved"),
                             (a[1], "1403", "closed")):
        file(session, grid, cat, state)
    file(session, a[1], "0103", "received", created=old, deadline=old + timedelta(days=7))
    for state in ("received", "closed", "signed"):
        file(session, b[0], "1403", state)
    file(session, b[0], "1403", "merged")  # never on the map
    session.commit()
    return {"a": a, "b": b}


def get(client, headers, **query) -> tuple[int, dict]:
    """Return (status, JSON) of the map for `query` (city bbox and zoom 16 by default)."""
    resp = client.get(URL, query_string={"bbox": CITY, "zoom": "16", **query},
                      headers=headers)
    return resp.status_code, resp.get_json()


@pytest.fixture
def few_points(monkeypatch):
    """Points only when no more than two demands match (clusters otherwise)."""
    monkeypatch.setattr(map_layer, "POINTS_BELOW", {11: 2, 13: 2, 15: 2})
    monkeypatch.setattr(map_layer, "POINT_CAP", 2)


def test_clusters_at_city_zoom_sum_to_the_matching_demands_in_scope(client, staff, city,
                                                                     few_points):
    _, leader = staff("leader")
    for zoom, cell in ((12, "street"), (13, "community"), (15, "grid"), (17, "bin")):
        status, out = get(client, leader, zoom=str(zoom))
        assert status == 200 and out["kind"] == "cluster" and out["cell"] == cell
        counts = [f["properties"]["count"] for f in out["features"]]
        assert sum(counts) == out["total"] == 9  # 10 filed, the merged one left out
        groups = sum(sum(f["properties"][g] for g in map_layer.STATE_GROUPS)
                     for f in out["features"])
        assert groups == 9
    _, out = get(client, leader, zoom="11")
    by_street = {f["properties"]["code"]: f["properties"] for f in out["features"]}
    assert by_street[STREET_A]["count"] == 6 and by_street[STREET_A]["name"] == "桃东街道"
    assert (by_street[STREET_A]["waiting"], by_street[STREET_A]["in_hand"],
            by_street[STREET_A]["done"], by_street[STREET_A]["closed"]) == (2, 2, 1, 1)
    assert by_street[STREET_A]["overdue"] == 1  # the old one, past its deadline


def test_points_at_street_zoom_carry_the_fields_and_no_personal_data(client, staff, session):
    grid = grids_of(session, STREET_A, 1)[0]
    body = {"title": "井盖丢失", "description": "张三家门口，电话见备注", "category": "0504",
            "grid_code": grid, "reporter_name": "张三", "reporter_phone": "13900001111"}
    made = demands.create_demand(session, check_new_demand(body), RESIDENT)
    session.commit()
    _, admin = staff("admin", personal_data=True)
    status, out = get(client, admin, zoom="16")
    assert status == 200 and out["kind"] == "point" and out["total"] == 1
    feature = out["features"][0]
    props = feature["properties"]
    assert set(props) == POINT_KEYS
    assert (props["code"], props["category"], props["category_name"], props["group"],
            props["grid"], props["overdue"], props["days_open"]) == (
        made["code"], "0504", "井盖缺失", "waiting", grid, False, 0)
    assert feature["geometry"]["coordinates"] == [round(made["lon"], 6), round(made["lat"], 6)]
    raw = json.dumps(out, ensure_ascii=False)
    assert "张三" not in raw and "13900001111" not in raw and "井盖丢失" not in raw


@pytest.mark.parametrize("query, expected", [
    ({}, 9),
    ({"state": "waiting"}, 3), ({"state": "in_hand"}, 3), ({"state": "done"}, 1),
    ({"state": "closed"}, 2), ({"state": "open"}, 7), ({"state": "signed"}, 2),
    ({"category": "14"}, 7), ({"category": "1403"}, 6), ({"category": "11"}, 1),
    ({"category": "0103"}, 1), ({"from": "2026-01-01", "to": "2026-02-01"}, 1),
    ({"street": STREET_B}, 3), ({"within": STREET_A}, 6), ({"source": "hotline"}, 0),
    ({"within": STREET_A, "state": "waiting", "category": "14"}, 1),
    ({"overdue": "true"}, 1), ({"overdue": "false"}, 8),
])
def test_filters_change_the_counts_as_a_hand_count_says(client, staff, city, query,
                                                        expected):
    _, leader = staff("leader")
    status, out = get(client, leader, **query)
    assert status == 200 and out["total"] == expected == len(out["features"])


def test_within_a_community_counts_only_its_demands(client, staff, city):
    _, leader = staff("leader")
    status, out = get(client, leader, within=city["a"][1][:12])
    assert status == 200 and out["total"] == 3
    assert {f["properties"]["grid"] for f in out["features"]} == {city["a"][1]}


def test_a_street_supervisor_never_gets_another_streets_demands(client, staff, city,
                                                                 few_points):
    _, supervisor = staff("supervisor", STREET_A)
    status, out = get(client, supervisor)
    assert status == 200 and out["scope"] == STREET_A and out["total"] == 6
    _, clusters = get(client, supervisor, zoom="11")
    assert [f["properties"]["code"] for f in clusters["features"]] == [STREET_A]
    status, refused = get(client, supervisor, within=STREET_B)
    assert status == 403 and refused["error"]["code"] == "out_of_scope"
    status, refused = get(client, supervisor, street=STREET_B)
    assert status == 403
    status, inside = get(client, supervisor, within=city["a"][0][:12])
    assert status == 200 and inside["total"] == 3


def test_residents_and_riders_get_no_demand_map(client, staff, city):
    assert get(client, {})[0] == 401
    _, rider = staff("rider")
    assert get(client, rider)[0] == 403


@pytest.mark.parametrize("query, name", [
    ({"zoom": None}, "zoom"), ({"zoom": "abc"}, "zoom"), ({"zoom": "23"}, "zoom"),
    ({"bbox": None}, "bbox"), ({"bbox": "1,2,3"}, "bbox"), ({"bbox": "131,46,130,45"}, "bbox"),
    ({"state": "lost"}, "state"), ({"category": "abc"}, "category"),
    ({"within": "12345"}, "within"), ({"from": "yesterday"}, "from"),
    ({"to": "2026-13-01"}, "to"), ({"source": "tv"}, "source"),
    ({"within": STREET_A, "street": STREET_B}, "within"),
])
def test_bad_parameters_answer_400_naming_the_parameter(client, staff, query, name):
    _, leader = staff("leader")
    args = {"bbox": CITY, "zoom": "12", **query}
    resp = client.get(URL, query_string={k: v for k, v in args.items() if v is not None},
                      headers=leader)
    error = resp.get_json()["error"]
    assert resp.status_code == 400 and name in error["fields"]
    assert any("\u4e00" <= ch <= "\u9fff" for ch in error["fields"][name])  # in Chinese


def test_the_zoom_decides_cells_and_how_many_points():
    assert [map_layer.cell_for(z) for z in (10, 11, 12, 13, 14, 15, 16, 18)] == [
        "street", "street", "street", "community", "community", "grid", "bin", "bin"]
    assert map_layer.points_allowed(12) < map_layer.points_allowed(15) < \
        map_layer.points_allowed(16) == map_layer.POINT_CAP
