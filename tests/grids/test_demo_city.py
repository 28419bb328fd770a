"""The demo city: deterministic, 824 grids tiling communities inside the real districts."""

import shapely
from sqlalchemy import text

from gis.tessellate import reading_order
from grids import demo
from grids.hierarchy import STREETS
from layers.demo import backlog as demo_backlog
from layers.demo import people as demo_people


def _scalar(session, sql, **params):
    return session.execute(text(sql), params).scalar()


def test_same_seed_gives_identical_codes_and_geometries():
    a, b = demo.build_city(230900), demo.build_city(230900)
    assert [g.code for g in a.grids] == [g.code for g in b.grids]
    assert all(x.geom.equals_exact(y.geom, 0) for x, y in zip(a.grids, b.grids, strict=True))
    other = demo.build_city(1)
    assert not all(
        x.geom.equals_exact(y.geom, 1e-9) for x, y in zip(a.grids, other.grids, strict=True)
    )


def test_exactly_824_grids_with_codes_under_their_community_and_street(session):
    rows = session.execute(text(
        "SELECT g.code, g.community_code, c.street_code FROM grids g "
        "JOIN communities c ON c.code = g.community_code WHERE g.valid_to IS NULL")).all()
    assert len(rows) == 824
    for code, community, street in rows:
        assert len(code) == 15 and code.isdigit()
        assert code[:12] == community and community[:9] == street
        assert street in STREETS
    assert {r[2] for r in rows} == set(STREETS)


def test_no_two_grids_overlap(session):
    worst = _scalar(session,
        "SELECT coalesce(max(ST_Area(ST_Transform(ST_Intersection(a.geom, b.geom), 4553))), 0) "
        "FROM grids a JOIN grids b ON a.id < b.id AND ST_Intersects(a.geom, b.geom) "
        "WHERE a.valid_to IS NULL AND b.valid_to IS NULL")
    assert worst < 0.01  # m²: shared edges only


def test_each_community_is_one_piece_without_holes(session):
    rows = session.execute(text(
        "SELECT community_code, ST_AsBinary(ST_Union(geom)) FROM grids "
        "WHERE valid_to IS NULL GROUP BY community_code")).all()
    assert len(rows) > 90
    for code, wkb in rows:
        union = shapely.from_wkb(bytes(wkb))
        parts = shapely.get_parts(union)
        assert len(parts) == 1, code
        assert len(parts[0].interiors) == 0, code


def test_every_grid_lies_inside_its_real_district(session):
    outside = _scalar(session,
        "SELECT max(ST_Area(ST_Transform(ST_Difference(g.geom, d.boundary), 4553))) "
        "FROM grids g JOIN districts d ON d.code = left(g.code, 6) WHERE g.valid_to IS NULL")
    assert outside < 1.0


def test_municipal_government_is_in_taoshan_and_the_river_crosses_it(session):
    assert _scalar(session,
        "SELECT code FROM districts WHERE ST_Covers(boundary, "
        "ST_SetSRID(ST_MakePoint(131.0031, 45.7711), 4326))") == "230903"
    assert _scalar(session,
        "SELECT count(*) FROM grids g JOIN rivers r ON ST_Intersects(g.geom, r.geom) "
        "WHERE g.valid_to IS NULL AND r.name = '万宝河' AND r.synthetic") > 5


def test_grids_are_numbered_west_to_east_in_rows_north_to_south(session):
    rows = session.execute(text(
        "SELECT community_code, ST_AsBinary(geom) FROM grids WHERE valid_to IS NULL "
        "ORDER BY code")).all()
    by_comm: dict[str, list] = {}
    for comm, wkb in rows:
        by_comm.setdefault(comm, []).append(demo._to_local(shapely.from_wkb(bytes(wkb))))
    for comm, cells in by_comm.items():
        row_height = (shapely.union_all(cells).area / len(cells)) ** 0.5
        assert reading_order(cells, row_height) == list(range(len(cells))), comm
        top = max(c.representative_point().y for c in cells)
        assert cells[0].representative_point().y > top - row_height, comm


def test_households_population_and_area_are_plausible(session):
    row = session.execute(text(
        "SELECT min(households), max(households), min(population::float / households), "
        "max(population::float / households), min(area_m2), max(area_m2), "
        "count(*) FILTER (WHERE kind = '专属网格') FROM grids WHERE valid_to IS NULL")).one()
    assert 200 <= row[0] and row[1] <= 700
    assert 2.0 <= row[2] and row[3] <= 3.0
    assert 10_000 < row[4] and row[5] < 500_000
    assert 0 < row[6] < 100


def test_demo_grids_say_they_are_synthetic(session):
    synthetic, note = session.execute(text(
        "SELECT s.synthetic, s.note FROM grids g JOIN grid_sources s ON s.id = g.source_id "
        "WHERE g.valid_to IS NULL LIMIT 1")).one()
    assert synthetic is True and "合成" in note


def test_loading_again_keeps_history_and_the_same_codes(session):
    before = {r[0] for r in session.execute(text(
        "SELECT code FROM grids WHERE valid_to IS NULL"))}
    history = _scalar(session, "SELECT count(*) FROM grids WHERE valid_to IS NOT NULL")
    demo.load(session, seed=230900)
    after = {r[0] for r in session.execute(text(
        "SELECT code FROM grids WHERE valid_to IS NULL"))}
    assert after == before
    assert _scalar(session, "SELECT count(*) FROM grids WHERE valid_to IS NOT NULL") == (
        history + 824)


def test_demo_load_if_empty_does_nothing_when_grids_exist(app, session, monkeypatch):
    # members and the backlog are loaded when missing (tests/test_demo_people.py,
    # test_demo_backlog.py); here they count as present, so the test is about the grids
    # (the full backlog inside a test transaction took a minute)
    monkeypatch.setattr(demo_people, "has_members", lambda _s: True)
    monkeypatch.setattr(demo_backlog, "has_demands", lambda _s: True)
    sources = _scalar(session, "SELECT count(*) FROM grid_sources")
    result = app.test_cli_runner().invoke(args=["demo", "load", "--if-empty"])
    assert result.exit_code == 0 and "already" in result.output
    assert "members added" not in result.output and "demands added" not in result.output
    assert _scalar(session, "SELECT count(*) FROM grid_sources") == sources


def test_grids_of_each_district_union_without_pinholes(session):
    rows = session.execute(text(
        "SELECT left(code, 6), ST_NumGeometries(ST_Union(geom)), "
        "ST_NumInteriorRings(ST_GeometryN(ST_Union(geom), 1)) FROM grids "
        "WHERE valid_to IS NULL GROUP BY 1")).all()
    assert len(rows) == 4
    assert all(parts == 1 and holes == 0 for _, parts, holes in rows), rows
