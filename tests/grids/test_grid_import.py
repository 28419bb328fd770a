"""Importing a grid file: valid files replace the current grids and keep their history."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import pytest
import shapely
from sqlalchemy import text

from gis.errors import BadInput
from grids.importer import FieldMap, import_grids, read_grid_file
from tests.grids.gridfiles import CELL, COMM, X0, cli_import, counts, current, tiles, write


@pytest.mark.parametrize("name", ["grids.geojson", "grids.gpkg", "grids.zip", "shapefolder"])
def test_valid_file_replaces_current_grids_and_keeps_history(session, tmp_path, name):
    before = counts(session)
    path = write(tiles(), tmp_path / name)
    report = import_grids(session, path)
    assert report.ok and report.written == 6
    after = counts(session)
    assert after["current"] == 6 and after["grids"] == before["grids"] + 6
    assert after["sources"] == before["sources"] + 1
    source = session.execute(text(
        "SELECT name, synthetic FROM grid_sources WHERE id = :i"), {"i": report.source_id}).one()
    assert source == (path.name, False)
    stored = current(session)
    assert sorted(stored) == [f"{COMM}{n:03d}" for n in range(1, 7)]
    first = stored[f"{COMM}001"]
    assert first[:5] == ("测试网格1", "基础网格", COMM, 101, 251)
    assert shapely.equals_exact(shapely.normalize(first[5].geoms[0]),
                                shapely.normalize(tiles().geometry[0]), 1e-9)
    name_of = session.execute(text("SELECT name FROM communities WHERE code = :c"), {"c": COMM})
    assert name_of.scalar() == "测试社区"


def test_cli_import_prints_the_report_then_writes(app, session, tmp_path):
    path = write(tiles(), tmp_path / "grids.geojson")
    result = cli_import(app, path)
    assert result.exit_code == 0, result.output
    assert "Validation report" in result.output and "imported 6 grids" in result.output
    assert counts(session)["current"] == 6


def test_dry_run_prints_the_report_and_writes_nothing(app, session, tmp_path):
    path = write(tiles(), tmp_path / "grids.geojson")
    before = counts(session)
    result = cli_import(app, path, "--dry-run")
    assert result.exit_code == 0, result.output
    assert "dry run" in result.output and "imported" not in result.output
    assert counts(session) == before


def test_mapped_fields_of_a_real_file_are_read(session, tmp_path):
    gdf = tiles().rename(columns={"code": "网格编码", "name": "网格名称", "community_code": "SQBM",
                                  "community_name": "社区", "kind": "类型", "households": "户数",
                                  "population": "人口"})
    path = write(gdf.drop(columns=["street_code", "street_name"]), tmp_path / "real.gpkg")
    fields = FieldMap(code="网格编码", name="网格名称", community="sqbm", community_name="社区",
                      kind="类型", households="户数", population="人口")
    assert import_grids(session, path, fields=fields).ok
    assert current(session)[f"{COMM}006"][:5] == ("测试网格6", "基础网格", COMM, 106, 256)


def test_cli_field_options_map_the_columns(app, session, tmp_path):
    gdf = tiles().rename(columns={"code": "WGBM", "community_code": "SQBM", "name": "MC",
                                  "population": "RK"})
    path = write(gdf, tmp_path / "real.geojson")
    result = cli_import(app, path, "--code-field", "WGBM", "--community-field", "SQBM",
                        "--name-field", "MC", "--population-field", "RK")
    assert result.exit_code == 0, result.output
    assert current(session)[f"{COMM}002"][:5] == ("测试网格2", "基础网格", COMM, 102, 252)


def test_a_mapped_field_missing_from_the_file_is_named(tmp_path):
    path = write(tiles(), tmp_path / "grids.geojson")
    with pytest.raises(BadInput, match="--code-field") as err:
        read_grid_file(path, fields=FieldMap(code="WGBM"))
    assert err.value.code == "missing_field" and "WGBM" in str(err.value)


def test_without_name_fields_existing_names_stay_and_new_codes_name_themselves(session, tmp_path):
    old = session.execute(text("SELECT name FROM communities WHERE code = :c"), {"c": COMM})
    old_name = old.scalar_one()
    frames = [tiles(), tiles(comm="230903011099", x0=X0 + 3 * CELL)]
    gdf = gpd.GeoDataFrame(pd.concat(frames, ignore_index=True), crs=4326)
    path = write(gdf.drop(columns=["community_name", "street_name"]), tmp_path / "g.geojson")
    assert import_grids(session, path).ok
    names = dict(session.execute(text(
        "SELECT code, name FROM communities WHERE code IN ('230903011001', '230903011099')")).all())
    assert names == {COMM: old_name, "230903011099": "230903011099"}


def test_projected_and_cgcs2000_files_are_reprojected_to_4326(session, tmp_path):
    for crs in (4553, 4490):
        path = write(tiles().to_crs(crs), tmp_path / f"g{crs}.gpkg")
        assert import_grids(session, path).ok
        got = current(session)[f"{COMM}001"][5].geoms[0]
        want = tiles().geometry[0]
        assert shapely.equals_exact(shapely.normalize(got), shapely.normalize(want), 1e-8), crs
