"""Importing grid boundary files: valid files of every format, one broken file per refusal
reason (nothing written), repairs, dry runs, field mapping, CRS handling and atomicity."""

from __future__ import annotations

import zipfile
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
import shapely
from sqlalchemy import text

from gis.errors import BadInput
from gis.project import to_metric
from grids import importer
from grids.exporter import SHP_FIELDS
from grids.importer import FieldMap, import_grids, read_grid_file
from grids.validate import Tolerances, validate

CELL = 0.004  # degrees; a cell is ≈ 311 m × 445 m at 45.77 N
X0, Y0 = 131.000, 45.770
COMM = "230903011001"


def tiles(nx: int = 3, ny: int = 2, comm: str = COMM, skip=(), x0: float = X0) -> gpd.GeoDataFrame:
    """A small tiling of square grids (EPSG:4326), numbered west→east, north→south."""
    records, geoms = [], []
    for j in range(ny):
        for i in range(nx):
            if (i, j) in skip:
                continue
            n = len(records) + 1
            x, y = x0 + i * CELL, Y0 - j * CELL
            geoms.append(shapely.box(x, y - CELL, x + CELL, y))
            records.append({
                "code": f"{comm}{n:03d}", "name": f"测试网格{n}", "kind": "基础网格",
                "community_code": comm, "community_name": "测试社区",
                "street_code": comm[:9], "street_name": "桃东街道",
                "households": 100 + n, "population": 250 + n,
            })
    return gpd.GeoDataFrame(records, geometry=geoms, crs=4326)


def write(gdf: gpd.GeoDataFrame, path: Path) -> Path:
    """Write `gdf` to `path`: .geojson, .gpkg, .shp, a folder (shapefile) or .zip (shapefile)."""
    if path.suffix == ".zip":
        folder = write(gdf, path.with_suffix("") / "grids.shp").parent
        with zipfile.ZipFile(path, "w") as zf:
            for part in folder.iterdir():
                zf.write(part, arcname=f"boundaries/{part.name}")
        return path
    if path.suffix == "":
        return write(gdf, path / "grids.shp").parent
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.suffix == ".shp":  # our short shapefile names, which the importer reads by default
        gdf.rename(columns=SHP_FIELDS).to_file(path, engine="pyogrio", encoding="UTF-8")
    else:
        gdf.to_file(path, engine="pyogrio")
    return path


def counts(session) -> dict:
    return dict(session.execute(text(
        "SELECT (SELECT count(*) FROM grids) AS grids, "
        "(SELECT count(*) FROM grids WHERE valid_to IS NULL) AS current, "
        "(SELECT count(*) FROM grid_sources) AS sources, "
        "(SELECT count(*) FROM communities) AS communities, "
        "(SELECT count(*) FROM streets) AS streets")).mappings().one())


def current(session) -> dict:
    rows = session.execute(text(
        "SELECT code, name, kind, community_code, households, population, ST_AsBinary(geom) "
        "FROM grids WHERE valid_to IS NULL ORDER BY code")).all()
    return {r[0]: (r[1], r[2], r[3], r[4], r[5], shapely.from_wkb(bytes(r[6]))) for r in rows}


def cli_import(app, *args):
    return app.test_cli_runner().invoke(args=["grids", "import", *map(str, args)])


def refused(app, session, path, *args, says: str):
    """Run the CLI on a file that must be refused; check the reason and that nothing changed."""
    before = counts(session)
    result = cli_import(app, path, *args)
    assert result.exit_code != 0, result.output
    assert says in result.output, result.output
    assert "Traceback" not in result.output
    assert counts(session) == before
    return result.output


# --- valid files ----------------------------------------------------------------------------

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


# --- refusals: one broken file per reason, nothing written ---------------------------------

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


# --- atomicity ------------------------------------------------------------------------------

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
