"""Emerging hot spots: the ArcGIS Pro patterns on constructed weekly series, the Mann-Kendall
test against pymannkendall, weekly Gi* on planted demands, and the API's period rules
(layers.reporting.emerging and GET /api/v1/hotspots/emerging on the real PostGIS)."""

from __future__ import annotations

from datetime import datetime, timedelta

import numpy as np
import pymannkendall
import pytest

from gis.localtime import TZ
from layers.access import roles
from layers.demands.queries import DemandFilter
from layers.reporting import emerging
from tests.reporting.test_hotspots import LEADER, OTHER_STREET, by_code, cluster, plant

URL = "/api/v1/hotspots/emerging"
MONDAY = datetime(2021, 3, 1, 10, tzinfo=TZ)  # a Monday, before any demo demand
WEEKS = 10
UP, DOWN, FLAT = (3.0, 0.001), (-3.0, 0.001), (0.2, 0.8)  # (trend z, trend p)


def series(text: str) -> np.ndarray:
    """Return weekly confidence bins from a string: H hot (99), C cold (-99), . neither."""
    return np.array([{"H": 99, "C": -99, ".": 0}[c] for c in text])


@pytest.mark.parametrize(("weeks", "trend", "expected"), [
    (".........H", FLAT, "new_hot"),
    ("......HHHH", FLAT, "consecutive_hot"),
    ("HHHHHHHHHH", UP, "intensifying_hot"),
    (".HHHHHHHHH", FLAT, "persistent_hot"),
    ("HHHHHHHHHH", DOWN, "diminishing_hot"),
    ("H..H.H...H", FLAT, "sporadic_hot"),
    ("HH.HH....H", UP, "sporadic_hot"),
    ("C....C...H", FLAT, "oscillating_hot"),
    ("C........H", FLAT, "oscillating_hot"),
    ("HHHHHHHHH.", FLAT, "historical_hot"),
    (".........C", FLAT, "new_cold"),
    ("CCCCCCCCCC", DOWN, "intensifying_cold"),
    ("CCCCCCCCCC", UP, "diminishing_cold"),
    ("CCCCCCCCCC", FLAT, "persistent_cold"),
    ("H...H....C", FLAT, "oscillating_cold"),
    ("HHHH......", FLAT, "none"),
    ("..........", FLAT, "none"),
])
def test_weekly_series_get_the_arcgis_pro_pattern(weeks, trend, expected):
    assert emerging.pattern(series(weeks), *trend) == expected


def test_ninety_percent_of_weeks_is_the_line_for_intensifying():
    eight_of_ten = series("..HHHHHHHH")  # 80 %: a final run, not intensifying
    assert emerging.pattern(eight_of_ten, *UP) == "consecutive_hot"
    assert emerging.pattern(series(".HHHHHHHHH"), *UP) == "intensifying_hot"


def test_every_pattern_has_a_chinese_label_and_rule_in_the_legend():
    legend = emerging.legend(["new_hot", "none", "new_hot"])
    assert {b["pattern"]: b["grids"] for b in legend}["new_hot"] == 2
    assert len(legend) == 17 and all(b["label"] and b["rule"] for b in legend)
    assert emerging.label("intensifying_cold") == "加剧冷点"


def test_mann_kendall_matches_pymannkendall_with_ties():
    x = np.round(np.random.default_rng(7).normal(size=(40, 16)), 1)
    x[0], x[1] = 0.0, np.arange(16)
    tau, z, p = emerging.mann_kendall(x)
    for i, row in enumerate(x):
        r = pymannkendall.original_test(row)
        assert (tau[i], z[i], p[i]) == pytest.approx((r.Tau, r.z, r.p), abs=1e-12)


def weekly(session, grids: list[str], counts: list[int]) -> None:
    """Plant counts[t] demands in each of `grids` in week t from MONDAY."""
    for t, k in enumerate(counts):
        plant(session, dict.fromkeys(grids, k), when=MONDAY + timedelta(weeks=t))


def run(session) -> dict:
    """Return the emerging hot spots of the WEEKS weeks from MONDAY, city-wide."""
    start = MONDAY.replace(hour=0)
    f = DemandFilter(since=start, until=start + timedelta(weeks=WEEKS))
    return emerging.emerging(session, LEADER, f)


def test_a_cluster_only_in_the_last_week_is_a_new_hot_spot(session):
    centre, around = cluster(session)
    weekly(session, [centre, *around], [0] * (WEEKS - 1) + [20])
    out = run(session)
    assert by_code(out)[centre]["pattern"] == "new_hot"
    assert by_code(out)[centre]["label"] == "新增热点"
    assert out["total"] == 20 * (1 + len(around)) and len(out["weeks"]) == WEEKS
    assert out["weeks"][0] == "2021-W09"


def test_a_steady_cluster_every_week_is_a_persistent_hot_spot(session):
    centre, around = cluster(session)
    weekly(session, [centre, *around], [12] * WEEKS)
    props = by_code(run(session))[centre]
    assert props["pattern"] == "persistent_hot" and props["hot_weeks"] == WEEKS
    assert props["trend_z"] == 0 and props["count"] == 12 * WEEKS


def test_a_growing_cluster_intensifies_while_a_steady_one_diminishes_beside_it(session):
    steady, around = cluster(session)
    growing, near = cluster(session, OTHER_STREET)
    weekly(session, [steady, *around], [20] * WEEKS)
    weekly(session, [growing, *near], [10 + 2 * t for t in range(WEEKS)])
    grids = by_code(run(session))
    assert grids[growing]["pattern"] == "intensifying_hot" and grids[growing]["tau"] > 0
    assert grids[steady]["pattern"] == "diminishing_hot" and grids[steady]["tau"] < 0


@pytest.mark.parametrize(("query", "field"), [
    ({"from": "2021-03-01", "to": "2021-03-20"}, "from"),  # 3 weeks
    ({"from": "2019-01-01", "to": "2021-03-01"}, "from"),  # 113 weeks
    ({"from": "2021-03-01", "to": "2021-03-01"}, "from"),
    ({"level": "street"}, "level"),
])
def test_a_period_outside_4_to_104_weeks_is_refused_naming_it(client, staff, query, field):
    _, headers = staff(roles.LEADER)
    resp = client.get(URL, query_string=query, headers=headers)
    assert resp.status_code == 400 and field in resp.get_json()["error"]["fields"]


def test_the_api_answers_twelve_weeks_by_default_in_the_scope(client, staff):
    _, headers = staff(roles.SUPERVISOR, OTHER_STREET)
    resp = client.get(URL, headers=headers)
    assert resp.status_code == 200 and resp.mimetype == "application/geo+json"
    out = resp.get_json()
    assert len(out["weeks"]) == emerging.DEFAULT_WEEKS and out["scope"] == OTHER_STREET
    assert {f["properties"]["code"][:9] for f in out["features"]} == {OTHER_STREET}
    assert client.get(URL, query_string={"within": "230903016"},
                      headers=headers).status_code == 403
