"""Importing real grid boundaries from GeoJSON, Shapefile (folder or .zip) or GeoPackage.

read → validate (grids/validate.py) → write through grids/store.py, all in one transaction.
"""

from __future__ import annotations

import sys
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, fields
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio
import shapely
from pyproj import CRS
from pyproj.exceptions import CRSError
from sqlalchemy import text
from sqlalchemy.orm import Session
from tqdm import tqdm

from gis.errors import BadInput
from gis.srid import STORAGE
from grids.exporter import SHP_FIELDS
from grids.hierarchy import STREETS
from grids.store import (
    GridRow,
    insert_grids,
    new_source,
    replace_current_grids,
    upsert_communities,
    upsert_streets,
)
from grids.validate import Report, Tolerances, validate

CHUNK = 200
DATASET_SUFFIXES = (".shp", ".gpkg", ".geojson", ".json")
# FieldMap attribute → canonical column (= the field name our export writes).
CANONICAL = {
    "code": "code",
    "name": "name",
    "community": "community_code",
    "community_name": "community_name",
    "street": "street_code",
    "street_name": "street_name",
    "kind": "kind",
    "households": "households",
    "population": "population",
}


@dataclass(frozen=True)
class FieldMap:
    """The file's column for each attribute; None means our export's name (or its shp name)."""

    code: str | None = None
    name: str | None = None
    community: str | None = None
    community_name: str | None = None
    street: str | None = None
    street_name: str | None = None
    kind: str | None = None
    households: str | None = None
    population: str | None = None

    def resolve(self, columns: Sequence[str]) -> dict[str, str | None]:
        """Return canonical column → the file's column (None when absent); BadInput if missing."""
        by_lower = {c.lower(): c for c in columns}
        out: dict[str, str | None] = {}
        for f in fields(self):
            canonical, given = CANONICAL[f.name], getattr(self, f.name)
            if given is not None and given.lower() not in by_lower:
                raise _missing_field(f.name, given, columns)
            names = [given] if given else [canonical, SHP_FIELDS.get(canonical, canonical)]
            out[canonical] = next((by_lower[n.lower()] for n in names if n.lower() in by_lower),
                                  None)
        if out["code"] is None:
            raise _missing_field("code", "code", columns)
        return out


def read_grid_file(path: str | Path, crs: str | int | None = None,
                   fields: FieldMap | None = None) -> gpd.GeoDataFrame:
    """Return the file's grids as a canonical frame (columns as our export) in EPSG:4326."""
    path = Path(path)
    raw = _open(path)
    raw = _to_storage(raw, crs, path.name)
    mapping = (fields or FieldMap()).resolve([c for c in raw.columns if c != raw.geometry.name])
    data: dict[str, object] = {"row": list(range(1, len(raw) + 1))}
    for canonical, column in mapping.items():
        numeric = canonical in ("households", "population")
        values = list(raw[column]) if column else [None] * len(raw)
        cleaned = [_scalar(v) if numeric else _text(v) for v in values]
        data[canonical] = pd.Series(cleaned, dtype=object)  # keep None, not pandas' NaN
    geoms = shapely.force_2d(raw.geometry.values)
    frame = gpd.GeoDataFrame(data, geometry=gpd.GeoSeries(geoms, crs=STORAGE), crs=STORAGE)
    frame.attrs["source"] = path.name
    return frame


def import_grids(
    session: Session, path: str | Path, *, crs: str | int | None = None,
    fields: FieldMap | None = None, tolerances: Tolerances | None = None, repair: bool = False,
    dry_run: bool = False, progress: bool = False,
    on_report: Callable[[Report], None] | None = None,
) -> Report:
    """Validate a grid file and, when valid and not a dry run, replace the current grids.

    The write is one transaction: committed when everything is written, rolled back on any
    error. `on_report` receives the validation report before anything is written.
    """
    frame = read_grid_file(path, crs=crs, fields=fields)
    report = validate(frame, session, tolerances, repair)
    report.dry_run = dry_run
    if on_report:
        on_report(report)
    if not report.ok or dry_run:
        return report
    try:
        report.source_id, report.written = write_grids(
            session, report.frame, Path(path).name, progress
        )
        session.commit()
    except BaseException:
        session.rollback()
        raise
    return report


def write_grids(session: Session, frame: gpd.GeoDataFrame, source_name: str,
                progress: bool = False) -> tuple[int, int]:
    """Upsert streets/communities, record the source, replace current grids; return (id, n)."""
    streets, communities = hierarchy_names(session, frame)
    upsert_streets(session, streets)
    upsert_communities(session, communities)
    note = f"导入文件 imported from {source_name}"
    source_id = new_source(session, source_name, synthetic=False, note=note)
    rows = grid_rows(frame)
    bar = tqdm(total=len(rows), file=sys.stderr, unit="grid", desc="写入 writing",
               disable=None if progress else True)
    with bar:
        written = replace_current_grids(session, rows[:CHUNK], source_id)
        bar.update(written)
        for start in range(CHUNK, len(rows), CHUNK):
            count = insert_grids(session, rows[start:start + CHUNK], source_id)
            bar.update(count)
            written += count
    return source_id, written


def hierarchy_names(session: Session, frame: gpd.GeoDataFrame) -> tuple[dict, dict]:
    """Return (streets, communities) code → name to upsert: file names, else new codes only."""
    stored_streets = set(session.execute(text("SELECT code FROM streets")).scalars())
    stored_comms = set(session.execute(text("SELECT code FROM communities")).scalars())
    codes = list(frame["code"])
    streets = _names([c[:9] for c in codes], frame["street_name"], stored_streets, STREETS)
    comms = _names([c[:12] for c in codes], frame["community_name"], stored_comms, {})
    return streets, comms


def grid_rows(frame: gpd.GeoDataFrame) -> list[GridRow]:
    """Return the validated frame as GridRows (EPSG:4326 geometries)."""
    return [
        GridRow(code=r.code, name=r.name, geom=r.geometry, kind=r.kind,
                households=r.households, population=r.population)
        for r in frame.itertuples(index=False)
    ]


def _names(codes: list[str], names: Sequence, stored: set[str],
           known: dict[str, str]) -> dict[str, str]:
    """Names from the file (first non-empty wins); else new codes get a known name or the code."""
    out: dict[str, str] = {}
    for code, name in zip(codes, names, strict=True):
        if name and code not in out:
            out[code] = name
    for code in dict.fromkeys(codes):
        if code not in out and code not in stored:
            out[code] = known.get(code, code)
    return out


def _open(path: Path) -> gpd.GeoDataFrame:
    """Return the file's only (or 'grids') layer as read by pyogrio, or raise BadInput."""
    if not path.exists():
        raise BadInput(f"文件不存在 file not found: {path}", "file_not_found")
    source = _dataset(path)
    try:
        layers = [name for name, geom_type in pyogrio.list_layers(source) if geom_type]
        if len(layers) > 1 and "grids" not in layers:
            raise BadInput(f"文件有多个图层 the file has several layers: {', '.join(layers)}",
                           "several_layers")
        layer = "grids" if len(layers) > 1 else (layers[0] if layers else None)
        gdf = gpd.read_file(source, layer=layer, engine="pyogrio")
    except BadInput:
        raise
    except Exception as exc:  # pyogrio/GDAL say why the file cannot be read
        raise BadInput(f"无法读取文件 cannot read {path.name}: {exc}", "unreadable") from exc
    if not isinstance(gdf, gpd.GeoDataFrame):
        raise BadInput(f"文件没有几何 {path.name} has no geometry column", "unreadable")
    return gdf


def _dataset(path: Path) -> str:
    """Return what GDAL should open: the file, the one .shp in a folder, or a member of a zip."""
    if path.is_dir():
        shps = sorted(path.glob("*.shp"))
        if len(shps) != 1:
            found = ", ".join(p.name for p in shps) or "none"
            raise BadInput(f"文件夹中应有且仅有一个 .shp a folder needs exactly one .shp "
                           f"(found: {found})", "unreadable")
        return str(shps[0])
    if path.suffix.lower() != ".zip":
        return str(path)
    if not zipfile.is_zipfile(path):
        raise BadInput(f"无法读取文件 cannot read {path.name}: not a zip file", "unreadable")
    with zipfile.ZipFile(path) as zf:
        members = [n for n in zf.namelist() if n.lower().endswith(DATASET_SUFFIXES)
                   and not n.startswith("__MACOSX/")]
    if len(members) != 1:
        raise BadInput(f"zip 中应有且仅有一个数据集 the zip needs exactly one dataset "
                       f"(found: {', '.join(members) or 'none'})", "unreadable")
    return f"/vsizip/{path.resolve()}/{members[0]}"


def _to_storage(gdf: gpd.GeoDataFrame, crs: str | int | None, name: str) -> gpd.GeoDataFrame:
    """Return the frame in EPSG:4326; `crs` (when given) declares the file's coordinates."""
    if crs is not None:
        gdf = gdf.set_crs(parse_crs(crs), allow_override=True)
    elif gdf.crs is None:
        raise BadInput(
            f"{name} 没有坐标系，请用 --crs 指定（如 --crs 4490）"
            f"(the file has no CRS; give one with --crs, e.g. --crs 4490)",
            "no_crs",
        )
    if gdf.crs.equals(CRS(STORAGE), ignore_axis_order=True):
        return gdf.set_crs(STORAGE, allow_override=True)
    try:
        return gdf.to_crs(STORAGE)
    except Exception as exc:  # pyproj cannot transform this CRS
        raise BadInput(f"无法转换坐标系 cannot reproject from {gdf.crs}: {exc}", "bad_crs") from exc


def parse_crs(crs: str | int) -> CRS:
    """Return the CRS for '4490', 'EPSG:4490', 4490 or any pyproj string; BadInput if unknown."""
    value = str(crs).strip()
    try:
        return CRS.from_user_input(f"EPSG:{value}" if value.isdigit() else value)
    except CRSError as exc:
        raise BadInput(f"未知坐标系 unknown CRS {value!r}", "bad_crs") from exc


def _missing_field(attr: str, column: str, columns: Sequence[str]) -> BadInput:
    option = "--" + attr.replace("_", "-") + "-field"
    return BadInput(
        f"文件中没有字段 {column!r}（用 {option} 指定）no field {column!r} in the file "
        f"(map it with {option}); fields: {', '.join(columns)}",
        "missing_field",
    )


def _text(value) -> str | None:
    """Return a code or name as stripped text (15-digit numbers read as numbers too)."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip() or None


def _scalar(value):
    """Return a cell with pandas' missing markers turned into None."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    return value
