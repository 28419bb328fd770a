"""Importing a grid file: every reason to refuse one, and nothing written when refused."""

from __future__ import annotations

import pytest
import shapely
from sqlalchemy import text

from gis.errors import BadInput
from gis.project import to_metric
from grids import importer
from grids.importer import import_grids, read_grid_file
from grids.validate import Tolerances, validate
from tests.grids.gridfiles import (
    CELL,
    COMM,
    X0,
    Y0,
    cli_import,
    counts,
    current,
    refused,
    tiles,
    write,
)


def test_invalid_geometry_is_refused_and_repaired_with_repair(app, session, tmp_path):
    gdf = tiles()
    x, y = X0 + CELL, Y0  # tile 2: an inward spike from its north edge
    gdf.loc[1, "geometry"] = shapely.Polygon([
        (x, y - CELL), (x + CELL, y - CELL), (x + CELL, y), (x + CELL / 2, y),
        (x + CELL / 2, y - CELL / 3), (x + CELL / 2, y), (x, y)])
    path = write(gdf, tmp_path / "spike.geojson")
    out = refused(app, session, path, says="invalid geometry")
    assert f"row 2 · {COMM}002" in out and "--repair" in out
    result = cli_import(app, path, "--repair")
    assert result.exit_code == 0, result.output
    assert f"repaired 第 2 行 row 2 · {COMM}002" in result.output
    fixed = current(session)[f"{COMM}002"][5]
    assert fixed.is_valid and abs(fixed.area - CELL * CELL) < 1e-12


def test_non_polygon_geometry_is_refused(app, session, tmp_path):
    gdf = tiles()
    gdf.loc[1, "geometry"] = gdf.geometry[1].boundary
    out = refused(app, session, write(gdf, tmp_path / "line.geojson"), says="not a polygon")
    assert f"row 2 · {COMM}002" in out and "LineString" in out


def test_duplicate_code_is_refused(app, session, tmp_path):
    gdf = tiles()
    gdf.loc[1, "code"] = f"{COMM}001"
    out = refused(app, session, write(gdf, tmp_path / "dup.gpkg"), says="duplicate code")
    assert f"row 2 · {COMM}001" in out and "same as row 1" in out


def test_missing_code_is_refused(app, session, tmp_path):
    gdf = tiles()
    gdf.loc[2, "code"] = None
    refused(app, session, write(gdf, tmp_path / "nocode.gpkg"), says="row 3 · ? · 缺少编码")


def test_code_not_fitting_its_community_is_refused(app, session, tmp_path):
    gdf = tiles()
    gdf.loc[1, "community_code"] = "230903011002"
    out = refused(app, session, write(gdf, tmp_path / "misfit.geojson"),
                  says="code does not fit its community")
    assert f"row 2 · {COMM}002" in out and "230903011002" in out


def test_code_that_is_not_15_digits_is_refused(app, session, tmp_path):
    gdf = tiles()
    gdf.loc[3, "code"] = "23090301100104"
    out = refused(app, session, write(gdf, tmp_path / "short.geojson"), says="not 15 digits")
    assert "row 4 · 23090301100104" in out


def test_unknown_street_is_refused_unless_the_file_gives_it(app, session, tmp_path):
    gdf = tiles(comm="230903099001")
    path = write(gdf.drop(columns=["street_code"]), tmp_path / "nostreet.geojson")
    out = refused(app, session, path, says="unknown street")
    assert "row 1 · 230903099001001" in out
    assert import_grids(session, write(gdf, tmp_path / "street.geojson")).ok
    name = session.execute(text("SELECT name FROM streets WHERE code = '230903099'")).scalar()
    assert name == "桃东街道"


def test_overlap_above_tolerance_is_refused_with_its_area(app, session, tmp_path):
    gdf = tiles()
    gdf.loc[0, "geometry"] = shapely.box(X0, Y0 - CELL, X0 + CELL * 1.25, Y0)
    overlap = to_metric(shapely.box(X0 + CELL, Y0 - CELL, X0 + CELL * 1.25, Y0)).area
    path = write(gdf, tmp_path / "overlap.geojson")
    out = refused(app, session, path, says="grids overlap")
    assert f"row 1 · {COMM}001" in out and f"row 2: {overlap:.1f} m²" in out
    result = cli_import(app, path, "--overlap-tolerance", str(overlap + 1))
    assert result.exit_code == 0, result.output


def test_gap_inside_a_community_is_refused_with_its_area(app, session, tmp_path):
    gdf = tiles(nx=3, ny=3, skip=[(1, 1)])
    hole = to_metric(shapely.box(X0 + CELL, Y0 - 2 * CELL, X0 + 2 * CELL, Y0 - CELL)).area
    path = write(gdf, tmp_path / "gap.gpkg")
    out = refused(app, session, path, says="gap inside a community")
    assert f"{COMM} · " in out and f"{hole:.1f} m²" in out
    assert cli_import(app, path, "--gap-tolerance", str(hole + 1)).exit_code == 0


def test_file_without_crs_needs_crs_option(app, session, tmp_path):
    folder = write(tiles(), tmp_path / "noprj")
    (folder / "grids.prj").unlink()
    refused(app, session, folder, says="--crs")
    result = cli_import(app, folder, "--crs", "4490")
    assert result.exit_code == 0, result.output
    assert counts(session)["current"] == 6


@pytest.mark.parametrize("content", [b"not json {", b""])
def test_unreadable_file_is_refused_without_traceback(app, session, tmp_path, content):
    path = tmp_path / "broken.geojson"
    path.write_bytes(content)
    refused(app, session, path, says="cannot read broken.geojson")
    with pytest.raises(BadInput) as err:
        import_grids(session, path)
    assert err.value.code == "unreadable"


def test_file_without_geometry_is_refused(app, session, tmp_path):
    path = tmp_path / "grids.csv"
    path.write_text("code,name\n230903011001001,a\n", encoding="utf-8")
    refused(app, session, path, says="has no geometry")


def test_missing_file_and_non_zip_are_refused(app, session, tmp_path):
    refused(app, session, tmp_path / "nowhere.gpkg", says="file not found")
    fake = tmp_path / "grids.zip"
    fake.write_text("hello")
    refused(app, session, fake, says="not a zip file")


def test_domain_report_lists_every_problem_with_row_and_code(session, tmp_path):
    gdf = tiles()
    gdf.loc[1, "code"] = f"{COMM}001"
    gdf.loc[4, "kind"] = "特殊网格"
    gdf.loc[5, "households"] = -3
    report = import_grids(session, write(gdf, tmp_path / "many.gpkg"))
    assert not report.ok and report.written == 0
    found = {(p.row, p.reason) for p in report.problems}
    assert found == {(2, "duplicate_code"), (5, "bad_kind"), (6, "bad_number")}


def test_empty_file_is_refused(session, tmp_path):
    report = import_grids(session, write(tiles().iloc[:0], tmp_path / "empty.gpkg"))
    assert [p.reason for p in report.problems] == ["no_features"]


def test_a_failure_midway_rolls_back_everything(session, tmp_path, monkeypatch):
    before, grids_before = counts(session), current(session)
    monkeypatch.setattr(importer, "CHUNK", 2)

    def fail(*_args, **_kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(importer, "insert_grids", fail)  # the second chunk fails
    with pytest.raises(RuntimeError, match="disk full"):
        import_grids(session, write(tiles(comm="230903011777"), tmp_path / "g.geojson"))
    assert counts(session) == before
    assert current(session).keys() == grids_before.keys()


def test_validation_uses_metric_tolerances(session, tmp_path):
    gdf = tiles()
    gdf.loc[0, "geometry"] = shapely.box(X0, Y0 - CELL, X0 + CELL + 1e-6, Y0)
    frame = read_grid_file(write(gdf, tmp_path / "tiny.geojson"))
    assert validate(frame, session, Tolerances(overlap_m2=1000)).ok
    assert not validate(frame, session, Tolerances(overlap_m2=1)).ok
