"""`flask grids import|export`: real grid boundary files in and out."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from gis.errors import BadInput
from grids.exporter import FORMATS, export_grids
from grids.importer import FieldMap, import_grids
from grids.validate import Tolerances

grids_cli = AppGroup("grids", help="网格边界 Grid boundaries: import and export.")

FIELD_OPTIONS = {
    "code": "grid code (15 digits)",
    "name": "grid name",
    "community": "community code (12 digits)",
    "community_name": "community name",
    "street": "street code (9 digits)",
    "street_name": "street name",
    "kind": "grid kind (基础网格/专属网格)",
    "households": "households",
    "population": "population",
}


def _field_options(command):
    for attr, what in reversed(FIELD_OPTIONS.items()):
        flag = "--" + attr.replace("_", "-") + "-field"
        command = click.option(flag, attr + "_field", help=f"Field holding the {what}.")(command)
    return command


@grids_cli.command("import")
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--crs", help="CRS of the coordinates, e.g. 4490 (needed when the file has none).")
@_field_options
@click.option("--overlap-tolerance", type=float, default=1.0, show_default=True,
              help="Largest overlap allowed between two grids, m².")
@click.option("--gap-tolerance", type=float, default=1.0, show_default=True,
              help="Largest hole allowed inside a community, m².")
@click.option("--repair", is_flag=True, help="Repair invalid geometries with make_valid.")
@click.option("--dry-run", is_flag=True, help="Print the validation report only.")
def grids_import(file: Path, crs: str | None, overlap_tolerance: float, gap_tolerance: float,
                 repair: bool, dry_run: bool, **field_options: str | None) -> None:
    """Import grid boundaries (GeoJSON, Shapefile folder/.zip, GeoPackage), replacing current."""
    fields = FieldMap(**{k.removesuffix("_field"): v for k, v in field_options.items()})
    tolerances = Tolerances(overlap_m2=overlap_tolerance, gap_m2=gap_tolerance)
    factory = current_app.config["SESSION_FACTORY"]
    with factory() as session:
        try:
            report = import_grids(
                session, file, crs=crs, fields=fields, tolerances=tolerances, repair=repair,
                dry_run=dry_run, progress=True, on_report=lambda r: click.echo(r.text()),
            )
        except BadInput as exc:
            raise click.ClickException(str(exc)) from None
    if not report.ok:
        raise click.ClickException(
            f"拒绝导入 {file.name}：{len(report.problems)} 个问题，未写入任何数据 "
            f"(refused: {len(report.problems)} problems, nothing written)"
        )
    if not dry_run:
        click.echo(f"已导入 imported {report.written} grids (source #{report.source_id})")


@grids_cli.command("export")
@click.option("--format", "fmt", type=click.Choice(list(FORMATS)), default="geojson",
              show_default=True, help="File format (shp is a .zip of the shapefile parts).")
@click.option("--out", type=click.Path(path_type=Path), help="File or folder to write to.")
def grids_export(fmt: str, out: Path | None) -> None:
    """Export the current grids in EPSG:4326 with their community, street and district."""
    factory = current_app.config["SESSION_FACTORY"]
    with factory() as session:
        result = export_grids(session, fmt)
    target = out or Path(result.filename)
    if target.is_dir():
        target = target / result.filename
    target.write_bytes(result.data)
    click.echo(f"已导出 exported {result.count} grids → {target}")
