"""Shared pieces of the test_grid_import tests."""

from __future__ import annotations

import zipfile
from pathlib import Path

import geopandas as gpd
import shapely
from sqlalchemy import text

from grids.exporter import SHP_FIELDS

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
