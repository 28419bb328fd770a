"""Exporting current grids (GeoJSON, GeoPackage, zipped Shapefile), the export endpoint, and
the export → import round trip."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import geopandas as gpd
import pytest
import shapely
from sqlalchemy import text

from gis.errors import BadInput
from grids.exporter import EXPORT_FIELDS, SHP_FIELDS, export_grids
from grids.importer import import_grids

SUFFIX = {"geojson": ".geojson", "gpkg": ".gpkg", "shp": ".zip"}
MIMETYPE = {"geojson": "application/geo+json", "gpkg": "application/geopackage+sqlite3",
            "shp": "application/zip"}


def snapshot(session) -> dict:
    """Current grids with their community, street and district names, by code."""
    rows = session.execute(text(
        "SELECT g.code, g.name, g.kind, g.community_code, c.name, s.name, g.households, "
        "g.population, ST_AsBinary(g.geom) FROM grids g "
        "JOIN communities c ON c.code = g.community_code JOIN streets s ON s.code = c.street_code "
        "WHERE g.valid_to IS NULL ORDER BY g.code")).all()
    return {r[0]: (tuple(r[1:8]), shapely.from_wkb(bytes(r[8]))) for r in rows}


def save(data: bytes, fmt: str, folder: Path) -> Path:
    path = folder / f"export{SUFFIX[fmt]}"
    path.write_bytes(data)
    return path


@pytest.mark.parametrize("fmt", ["geojson", "gpkg", "shp"])
def test_export_then_import_round_trips_losslessly(session, tmp_path, fmt):
    before = snapshot(session)
    assert len(before) == 824
    path = save(export_grids(session, fmt).data, fmt, tmp_path)
    report = import_grids(session, path)
    assert report.ok, report.text()
    after = snapshot(session)
    assert list(after) == list(before)
    sources = session.execute(text(
        "SELECT source_id, count(*) FROM grids WHERE valid_to IS NULL GROUP BY 1")).all()
    assert sources == [(report.source_id, 824)]  # every current grid came from the file
    retired = session.execute(text("SELECT count(*) FROM grids WHERE valid_to IS NOT NULL"))
    assert retired.scalar() >= 824  # the demo generation is kept as history
    for code, (attrs, geom) in before.items():
        assert after[code][0] == attrs, code
        assert shapely.equals_exact(
            shapely.normalize(after[code][1]), shapely.normalize(geom), 1e-9
        ), code


def test_geojson_and_gpkg_geometries_are_bit_identical(session, tmp_path):
    wkb = {c: shapely.to_wkb(shapely.normalize(g)) for c, (_a, g) in snapshot(session).items()}
    for fmt in ("geojson", "gpkg"):
        back = gpd.read_file(save(export_grids(session, fmt).data, fmt, tmp_path))
        got = dict(zip(back["code"], shapely.to_wkb(shapely.normalize(back.geometry.values)),
                       strict=True))
        assert got == wkb, fmt


def test_export_writes_every_attribute_in_code_order(session, tmp_path):
    back = gpd.read_file(save(export_grids(session, "gpkg").data, "gpkg", tmp_path))
    assert list(back.columns) == [*EXPORT_FIELDS, "geometry"]
    assert back.crs.to_epsg() == 4326
    assert list(back["code"]) == sorted(back["code"])
    first = back.iloc[0]
    assert first["district_code"] == first["code"][:6] and first["street_code"] == first["code"][:9]
    assert first["district_name"] and first["street_name"] and first["community_name"]
    assert first["area_m2"] > 0 and first["valid_from"].endswith("+00:00")


def test_shapefile_export_is_a_zip_with_short_field_names(session):
    export = export_grids(session, "shp")
    names = zipfile.ZipFile(io.BytesIO(export.data)).namelist()
    assert {n.rsplit(".", 1)[1] for n in names} >= {"shp", "shx", "dbf", "prj", "cpg"}
    back = gpd.read_file(io.BytesIO(export.data))
    assert set(SHP_FIELDS.values()) <= set(back.columns)
    assert all(len(c) <= 10 for c in back.columns)
    assert back["comm_name"].str.endswith("社区").all()


def test_unknown_export_format_is_bad_input(session):
    with pytest.raises(BadInput) as err:
        export_grids(session, "kml")
    assert err.value.code == "bad_format"


@pytest.mark.parametrize("fmt", ["geojson", "gpkg", "shp"])
def test_export_endpoint_serves_a_readable_file(client, session, tmp_path, fmt):
    resp = client.get(f"/api/v1/grids/export?format={fmt}")
    assert resp.status_code == 200
    assert resp.mimetype == MIMETYPE[fmt]
    disposition = resp.headers["Content-Disposition"]
    assert disposition.startswith("attachment;") and f'{SUFFIX[fmt]}"' in disposition
    back = gpd.read_file(save(resp.data, fmt, tmp_path))
    assert len(back) == 824 and back.crs.to_epsg() == 4326
    assert sorted(back["code"]) == sorted(snapshot(session))


def test_export_endpoint_refuses_an_unknown_format_with_400_json(client):
    resp = client.get("/api/v1/grids/export?format=dxf")
    assert resp.status_code == 400
    error = resp.get_json()["error"]
    assert error["code"] == "bad_format" and "geojson" in error["message"]


def test_cli_export_writes_the_file_into_a_folder(app, tmp_path):
    result = app.test_cli_runner().invoke(
        args=["grids", "export", "--format", "shp", "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    (path,) = tmp_path.glob("*-shp.zip")
    assert len(gpd.read_file(path)) == 824 and "exported 824 grids" in result.output


def test_cli_export_then_cli_import_keeps_the_grids(app, session, tmp_path):
    before = snapshot(session)
    out = tmp_path / "grids.gpkg"
    runner = app.test_cli_runner()
    assert runner.invoke(args=["grids", "export", "--format", "gpkg", "--out", str(out)]) \
        .exit_code == 0
    result = runner.invoke(args=["grids", "import", str(out)])
    assert result.exit_code == 0, result.output
    assert "imported 824 grids" in result.output
    assert {c: a for c, (a, _g) in snapshot(session).items()} == {
        c: a for c, (a, _g) in before.items()}
