"""Hot spots per grid (Getis-Ord Gi*, queen contiguity, FDR): a planted cluster is found, a
uniform field is not, counts add up, the scope bounds the study area, bad parameters are
named (layers.reporting.hotspots and GET /api/v1/hotspots on the real PostGIS)."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
from shapely.geometry import shape
from sqlalchemy import func, insert, select

from gis.localtime import TZ
from grids.queries import neighbours
from grids.tables import GRIDS
from layers.access import roles
from layers.access.actors import Actor
from layers.demands.queries import DemandFilter
from layers.demands.tables import DEMANDS
from layers.reporting import hotspots, weights

URL = "/api/v1/hotspots"
T0 = datetime(2021, 3, 10, 2, tzinfo=UTC)  # before any demo demand: the test's rows only
PERIOD = {"from": "2021-03-01", "to": "2021-04-01"}
CENTRE_STREET = "230903016"  # 桃山街道, central Taoshan
OTHER_STREET = "230902031"  # 兴安街道
LEADER = Actor(role=roles.LEADER, user_id=1)
_SEQ = itertools.count()


def plant(session, counts: dict[str, int], when: datetime = T0, category: str = "1403",
          state: str = "received") -> int:
    """Insert counts[grid] demands into each grid (at its inner point, created `when`) with
    one Core INSERT, past the intake (no duplicate joining); return how many."""
    g = GRIDS.c
    grids = session.execute(select(g.code, g.id, func.ST_AsEWKT(func.ST_PointOnSurface(g.geom)))
                            .where(g.valid_to.is_(None), g.code.in_(list(counts)))).all()
    rows = [{"code": f"HS{next(_SEQ):09d}", "title": "热点测试", "description": "",
             "category_code": category, "state": state, "source": "hotline", "geom": point,
             "input_crs": "wgs84", "address": "", "grid_id": grid_id, "grid_code": code,
             "created_at": when, "deadline": when + timedelta(days=7), "overdue": False,
             "escalation_level": 0}
            for code, grid_id, point in grids for _ in range(counts[code])]
    if rows:
        session.execute(insert(DEMANDS), rows)
    return len(rows)


def all_grids(session, prefix: str = "") -> list[str]:
    """Return the current grid codes under `prefix`, by code."""
    return session.execute(select(GRIDS.c.code).where(
        GRIDS.c.valid_to.is_(None), GRIDS.c.code.startswith(prefix)).order_by(GRIDS.c.code)
    ).scalars().all()


def cluster(session, street: str = CENTRE_STREET) -> tuple[str, list[str]]:
    """Return the grid of `street` with the most queen neighbours, and those neighbours."""
    best = max(all_grids(session, street), key=lambda c: len(neighbours(session, c)))
    return best, [n["code"] for n in neighbours(session, best)]


def period(**more) -> DemandFilter:
    """Return the filter of March 2021 (Asia/Shanghai) with `more`."""
    return DemandFilter(since=datetime(2021, 3, 1, tzinfo=TZ),
                        until=datetime(2021, 4, 1, tzinfo=TZ), **more)


def by_code(out: dict) -> dict[str, dict]:
    """Return the features' properties by grid code."""
    return {f["properties"]["code"]: f["properties"] for f in out["features"]}


def test_planted_cluster_of_adjacent_grids_is_hot_at_99_percent_after_fdr(session):
    centre, around = cluster(session)
    plant(session, dict.fromkeys(all_grids(session), 1))  # a background of one per grid
    plant(session, dict.fromkeys([centre, *around], 20))
    out = hotspots.hotspots(session, LEADER, period())
    grid = by_code(out)
    assert grid[centre]["confidence"] == 99 and grid[centre]["gi_z"] > 2.58
    assert grid[centre]["label"] == "此处诉求显著偏多，置信度 99%"
    assert sum(grid[c]["confidence"] == 99 for c in around) >= len(around) // 2
    far = all_grids(session, OTHER_STREET)
    assert all(grid[c]["confidence"] <= 0 for c in far)
    assert next(b for b in out["legend"] if b["confidence"] == 99)["grids"] >= 1


def test_uniform_field_has_no_hot_or_cold_spot(session):
    plant(session, dict.fromkeys(all_grids(session), 2))
    out = hotspots.hotspots(session, LEADER, period())
    assert {f["properties"]["confidence"] for f in out["features"]} == {0}
    assert {f["properties"]["gi_z"] for f in out["features"]} == {0.0}


def test_poisson_noise_with_a_fixed_seed_finds_nothing_at_99_percent(session):
    codes = all_grids(session)
    noise = np.random.default_rng(14).poisson(3, len(codes))
    plant(session, {c: int(k) for c, k in zip(codes, noise, strict=True)})
    out = hotspots.hotspots(session, LEADER, period())
    assert all(abs(f["properties"]["confidence"]) < 99 for f in out["features"])


def test_counts_sum_to_the_matching_demands_and_every_grid_is_a_feature(session):
    centre, around = cluster(session)
    plant(session, {centre: 5, around[0]: 2})
    plant(session, {around[1]: 4}, category="0102")  # another category
    plant(session, {around[2]: 3}, when=T0 - timedelta(days=60))  # another period
    plant(session, {around[3]: 7}, state="merged")  # a merged duplicate: never counted
    out = hotspots.hotspots(session, LEADER, period(category="1403"))
    assert out["total"] == 7 == sum(f["properties"]["count"] for f in out["features"])
    assert len(out["features"]) == out["grids"] == len(all_grids(session))
    assert hotspots.hotspots(session, LEADER, period())["total"] == 11
    inner = shape(out["features"][0]["geometry"]).representative_point()  # lon/lat
    assert 130 < inner.x < 132 and 45 < inner.y < 47


def test_queen_weights_match_the_grids_that_touch_in_postgis(session):
    cov = weights.coverage(session)
    assert weights.coverage(session) is cov  # built once per generation of grids
    centre, around = cluster(session)
    at = cov.codes.index(centre)
    linked = {cov.codes[j] for j in cov.adjacency[at].indices}
    assert linked == set(around)


def test_a_grid_without_a_neighbour_in_the_area_is_joined_to_the_nearest(session):
    cov = weights.coverage(session)
    west, east = cov.codes.index(all_grids(session, OTHER_STREET)[0]), \
        cov.codes.index(all_grids(session, CENTRE_STREET)[0])
    links = weights.links_of(cov, np.array([west, east]))
    assert links.toarray().tolist() == [[0, 1], [1, 0]]


def test_a_street_supervisor_gets_gi_star_over_the_street_only(session):
    centre, around = cluster(session)
    plant(session, dict.fromkeys([centre, *around], 6))
    plant(session, dict.fromkeys(all_grids(session, OTHER_STREET), 9))
    street = Actor(role=roles.SUPERVISOR, user_id=1, scope=CENTRE_STREET)
    out = hotspots.hotspots(session, street, period())
    assert out["scope"] == CENTRE_STREET and out["total"] == 6 * (1 + len(around))
    assert {c[:9] for c in by_code(out)} == {CENTRE_STREET}
    assert out["grids"] == len(all_grids(session, CENTRE_STREET))


def test_within_outside_the_scope_is_forbidden_over_the_api(client, staff):
    _, headers = staff(roles.SUPERVISOR, CENTRE_STREET)
    resp = client.get(URL, query_string={**PERIOD, "within": OTHER_STREET}, headers=headers)
    assert resp.status_code == 403
    resp = client.get(URL, query_string={**PERIOD, "within": CENTRE_STREET + "001"},
                      headers=headers)
    assert resp.status_code == 200 and resp.get_json()["scope"] == CENTRE_STREET + "001"


def test_the_api_answers_geojson_with_legend_and_method(client, staff, session):
    centre, around = cluster(session)
    plant(session, dict.fromkeys(all_grids(session), 1))
    plant(session, dict.fromkeys([centre, *around], 20))
    session.commit()
    _, headers = staff(roles.LEADER)
    resp = client.get(URL, query_string={**PERIOD, "level": "grid"}, headers=headers)
    assert resp.status_code == 200 and resp.mimetype == "application/geo+json"
    out = resp.get_json()
    props = by_code(out)[centre]
    assert set(props) == {"code", "name", "count", "gi_z", "p", "confidence", "label"}
    assert props["confidence"] == 99 and props["count"] == 21
    assert [b["confidence"] for b in out["legend"]] == [99, 95, 90, 0, -90, -95, -99]
    assert "FDR" in out["method"] and out["period"]["from"].startswith("2021-02-28T16:00")


@pytest.mark.parametrize(("query", "field"), [
    ({"level": "community"}, "level"), ({"from": "昨天"}, "from"), ({"to": "2021-13-01"}, "to"),
    ({"from": "2021-04-01", "to": "2021-03-01"}, "from"), ({"category": "abc"}, "category"),
    ({"state": "lost"}, "state"), ({"within": "12345"}, "within"), ({"source": "x"}, "source"),
])
def test_bad_parameters_are_refused_naming_them(client, staff, query, field):
    _, headers = staff(roles.LEADER)
    resp = client.get(URL, query_string=query, headers=headers)
    assert resp.status_code == 400
    assert field in resp.get_json()["error"]["fields"]


def test_level_names_the_allowed_value(client, staff):
    _, headers = staff(roles.ADMIN)
    resp = client.get(URL, query_string={"level": "street"}, headers=headers)
    assert "grid" in resp.get_json()["error"]["fields"]["level"]
