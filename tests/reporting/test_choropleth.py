"""The choropleth (layers.reporting.choropleth and GET /api/v1/choropleth on the real
PostGIS): figures per grid / community / street against a hand count, per 1,000 residents
with a known population, rates without a denominator left unclassed, mapclassify's breaks,
the scope, bad parameters named; and the /leaders page drawing the heat layer and the
choropleth legend in headless Chromium."""

from __future__ import annotations

import mapclassify
import numpy as np
import pytest
from sqlalchemy import update

from grids.tables import GRIDS
from layers.access import roles
from layers.access.actors import Actor
from layers.reporting import choropleth
from tests.browser import log_in, needs_browser
from tests.reporting.test_hotspots import (
    CENTRE_STREET,
    LEADER,
    OTHER_STREET,
    PERIOD,
    all_grids,
    period,
    plant,
)

URL = "/api/v1/choropleth"
Y = [1, 2, 2, 3, 10, 11, 12, 30, 31, 33, 34, 50]


def values(out: dict) -> dict[str, tuple]:
    """Return (value, class) per unit code of an answer."""
    return {f["properties"]["code"]: (f["properties"]["value"], f["properties"]["class"])
            for f in out["features"]}


def two_communities(session) -> tuple[list[str], list[str]]:
    """Return the grids of the first two communities of the centre street."""
    grids = all_grids(session, CENTRE_STREET)
    first, second = sorted({g[:12] for g in grids})[:2]
    return [g for g in grids if g[:12] == first], [g for g in grids if g[:12] == second]


def test_demands_per_grid_and_community_match_a_hand_count(session):
    x, y = two_communities(session)
    plant(session, {x[0]: 2, x[1]: 3, y[0]: 4})
    grid = values(choropleth.choropleth(session, LEADER, period()))
    assert grid[x[0]][0] == 2 and grid[x[1]][0] == 3 and grid[y[0]][0] == 4
    assert sum(v for v, _ in grid.values()) == 9 and len(grid) == len(all_grids(session))
    out = choropleth.choropleth(session, LEADER, period(), level="community")
    com = values(out)
    assert com[x[0][:12]][0] == 5 and com[y[0][:12]][0] == 4
    assert sum(v for v, _ in com.values()) == 9
    assert out["features"][0]["geometry"]["type"] in ("Polygon", "MultiPolygon")


def test_open_and_overdue_count_their_demands(session):
    x, _ = two_communities(session)
    plant(session, {x[0]: 2}, state="received")
    plant(session, {x[0]: 5}, state="closed")
    assert values(choropleth.choropleth(session, LEADER, period(), measure="open"))[x[0]][0] == 2
    late = values(choropleth.choropleth(session, LEADER, period(), measure="overdue"))
    assert late[x[0]][0] == 2  # the open ones are past their deadline (2021); closed are not


def test_per_1000_uses_the_population_and_none_without_one(session):
    x, y = two_communities(session)
    g = GRIDS.c
    session.execute(update(GRIDS).where(g.code.in_(x)).values(population=0))
    session.execute(update(GRIDS).where(g.code == x[0]).values(population=500))
    session.execute(update(GRIDS).where(g.code == x[1]).values(population=1500))
    session.execute(update(GRIDS).where(g.code.in_(y)).values(population=None))
    plant(session, {x[0]: 2, x[1]: 3, y[0]: 4})
    out = choropleth.choropleth(session, LEADER, period(), level="community", measure="per_1000")
    com = values(out)
    assert com[x[0][:12]][0] == 2.5  # 5 demands / 2,000 residents × 1,000
    assert com[y[0][:12]] == (None, None) and out["no_data"]["units"] >= 1
    assert "无数据" == out["no_data"]["label"]


def test_a_rate_without_a_denominator_gets_no_class(session):
    x, _ = two_communities(session)
    plant(session, {x[0]: 2})  # past their deadline, not closed: due 2, on time 0
    out = choropleth.choropleth(session, LEADER, period(), measure="on_time_rate")
    grid = values(out)
    assert grid[x[0]] == (0.0, 0)
    assert grid[x[1]] == (None, None)
    assert out["no_data"]["units"] == len(all_grids(session)) - 1


@pytest.mark.parametrize(("scheme", "cls"), [
    ("fisher_jenks", mapclassify.FisherJenks), ("quantiles", mapclassify.Quantiles)])
def test_breaks_are_mapclassifys_on_a_known_vector(scheme, cls):
    classes, bins = choropleth.classify([*Y, None], scheme, 4)
    assert bins == pytest.approx(list(cls(np.array(Y, dtype=float), k=4).bins))
    assert classes[-1] is None and classes[0] == 0 and classes[-2] == 3
    assert all(v <= bins[c] for v, c in zip(Y, classes, strict=False))


def test_k_larger_than_the_distinct_values_gives_fewer_classes():
    classes, bins = choropleth.classify([1, 1, 2, 2, None], "fisher_jenks", 5)
    assert bins == [1.0, 2.0] and classes == [0, 0, 1, 1, None]
    assert choropleth.classify([None, None], "quantiles", 5) == ([None, None], [])


def test_the_legend_names_the_method(session):
    x, _ = two_communities(session)
    plant(session, {x[0]: 2, x[1]: 3})
    out = choropleth.choropleth(session, LEADER, period(), k=2)
    assert out["title"] == "网格诉求数（件） · 自然间断点（Fisher-Jenks）分 2 级"
    assert [r["label"] for r in out["legend"]] == ["0", "1 – 3"] and out["breaks"] == [0, 3]
    out = choropleth.choropleth(session, LEADER, period(), scheme="quantiles", k=2)
    assert "分位数分" in out["title"]


def test_a_street_supervisor_gets_their_units_only(session):
    street = Actor(role=roles.SUPERVISOR, user_id=1, scope=CENTRE_STREET)
    out = choropleth.choropleth(session, street, period(), level="community")
    assert {c[:9] for c in values(out)} == {CENTRE_STREET}


def test_within_outside_the_scope_is_forbidden_over_the_api(client, staff):
    _, headers = staff(roles.SUPERVISOR, CENTRE_STREET)
    resp = client.get(URL, query_string={**PERIOD, "within": OTHER_STREET}, headers=headers)
    assert resp.status_code == 403
    resp = client.get(URL, query_string={**PERIOD, "level": "street"}, headers=headers)
    assert resp.status_code == 200 and resp.mimetype == "application/geo+json"
    assert list(values(resp.get_json())) == [CENTRE_STREET]


@pytest.mark.parametrize(("query", "field"), [
    ({"measure": "x"}, "measure"), ({"scheme": "jenks"}, "scheme"), ({"k": "1"}, "k"),
    ({"k": "10"}, "k"), ({"level": "district"}, "level"), ({"from": "昨天"}, "from"),
    ({"within": "12345"}, "within"),
])
def test_bad_parameters_are_refused_naming_them(client, staff, query, field):
    _, headers = staff(roles.LEADER)
    resp = client.get(URL, query_string=query, headers=headers)
    assert resp.status_code == 400
    assert field in resp.get_json()["error"]["fields"]


@needs_browser
def test_the_page_draws_the_heat_layer_and_the_choropleth_legend(live_url, browser,
                                                                  browser_leader):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    log_in(browser, live_url, *browser_leader, "/leaders/")
    wait = WebDriverWait(browser, 40)
    wait.until(lambda d: "全部时段" in d.find_element(By.ID, "heat-status").text)
    assert browser.find_elements(By.CSS_SELECTOR, ".leaflet-overlay-pane canvas."
                                                  "leaflet-heatmap-layer")
    browser.execute_script("var c = document.querySelector('.folium-map').gridgov;"
                           "c.map.addLayer(c.groups.choropleth);")
    wait.until(lambda d: "Fisher-Jenks" in d.find_element(By.ID, "choropleth-legend").text)
    assert browser.find_elements(By.CSS_SELECTOR, "#choropleth-legend .swatch")
    assert [e for e in browser.get_log("browser") if e["level"] == "SEVERE"] == []
