"""Exporting the current grids as GeoJSON, GeoPackage or a zipped Shapefile (EPSG:4326)."""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from tempfile import TemporaryDirectory

import geopandas as gpd
import pandas as pd
import shapely
from sqlalchemy import text
from sqlalchemy.orm import Session

from gis.contracts import Contract, Param
from gis.errors import BadInput
from gis.localtime import TZ
from gis.srid import STORAGE

# The attributes every export writes, in this order (the importer's default field names).
EXPORT_FIELDS = (
    "code", "name", "kind", "community_code", "community_name", "street_code", "street_name",
    "district_code", "district_name", "households", "population", "area_m2", "valid_from",
)
# Shapefile field names are at most 10 characters; the importer understands these by default.
SHP_FIELDS = {
    "community_code": "comm_code",
    "community_name": "comm_name",
    "street_code": "strt_code",
    "street_name": "strt_name",
    "district_code": "dist_code",
    "district_name": "dist_name",
}
# format → (mimetype, file name suffix)
FORMATS: dict[str, tuple[str, str]] = {
    "geojson": ("application/geo+json", ".geojson"),
    "gpkg": ("application/geopackage+sqlite3", ".gpkg"),
    "shp": ("application/zip", "-shp.zip"),
}
LAYER = "grids"

_CURRENT_GRIDS = text(
    "SELECT g.code, g.name, g.kind, g.community_code, c.name AS community_name, "
    "s.code AS street_code, s.name AS street_name, d.code AS district_code, "
    "d.name AS district_name, g.households, g.population, g.area_m2, g.valid_from, "
    "ST_AsBinary(g.geom) AS wkb "
    "FROM grids g JOIN communities c ON c.code = g.community_code "
    "JOIN streets s ON s.code = c.street_code JOIN districts d ON d.code = s.district_code "
    "WHERE g.valid_to IS NULL ORDER BY g.code"
)


@dataclass(frozen=True)
class ExportFile:
    """An export ready to save or send: the file's bytes, its mimetype and a file name."""

    data: bytes
    mimetype: str
    filename: str
    count: int


def check_format(fmt: str | None) -> str:
    """Return the export format name (geojson, gpkg or shp), or raise BadInput 'bad_format'."""
    name = (fmt or "").strip().lower()
    if name not in FORMATS:
        raise BadInput(
            f"不支持的导出格式 {str(fmt)[:20]!r}，可用：{', '.join(FORMATS)} "
            f"(unsupported export format; use one of {', '.join(FORMATS)})",
            "bad_format",
        )
    return name


def current_grids(session: Session) -> gpd.GeoDataFrame:
    """Return the current grids with their community/street/district, EPSG:4326, by code."""
    rows = session.execute(_CURRENT_GRIDS).mappings().all()
    frame = pd.DataFrame([{k: r[k] for k in EXPORT_FIELDS} for r in rows], columns=EXPORT_FIELDS)
    for col in ("households", "population"):
        frame[col] = frame[col].astype("Int64")
    frame["area_m2"] = frame["area_m2"].astype(float).round(2)
    frame["valid_from"] = [_iso_utc(v) for v in frame["valid_from"]]
    geoms = shapely.from_wkb([bytes(r["wkb"]) for r in rows]) if rows else []
    return gpd.GeoDataFrame(frame, geometry=gpd.GeoSeries(geoms, crs=STORAGE), crs=STORAGE)


class ExportQuery(Contract):
    """?format= of the file (default geojson); export_grids refuses others."""

    format: Param({"type": "string", "enum": list(FORMATS),
                   "description": "file format (default geojson)"}) = "geojson"


def export_grids(session: Session, fmt: str) -> ExportFile:
    """Return the current grids (EPSG:4326) as a GeoJSON, GeoPackage or zipped Shapefile."""
    name = check_format(fmt)
    frame = current_grids(session)
    mimetype, suffix = FORMATS[name]
    day = datetime.now(TZ).strftime("%Y%m%d")
    with TemporaryDirectory(prefix="gridgov-export-") as tmp:
        data = _WRITERS[name](frame, Path(tmp))
    return ExportFile(data, mimetype, f"qitaihe-grids-{day}{suffix}", len(frame))


def shp_frame(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Return the export frame with shapefile field names (≤ 10 characters)."""
    return frame.rename(columns=SHP_FIELDS)


def _iso_utc(value: datetime | None) -> str | None:
    if value is None:
        return None
    return value.astimezone(UTC).isoformat()


def _write_geojson(frame: gpd.GeoDataFrame, tmp: Path) -> bytes:
    path = tmp / f"{LAYER}.geojson"
    frame.to_file(path, driver="GeoJSON", layer=LAYER, engine="pyogrio",
                  geometry_type="MultiPolygon")
    return path.read_bytes()


def _write_gpkg(frame: gpd.GeoDataFrame, tmp: Path) -> bytes:
    path = tmp / f"{LAYER}.gpkg"
    frame.to_file(path, driver="GPKG", layer=LAYER, engine="pyogrio",
                  geometry_type="MultiPolygon")
    return path.read_bytes()


def _write_shp_zip(frame: gpd.GeoDataFrame, tmp: Path) -> bytes:
    folder = tmp / "shp"
    folder.mkdir()
    shp_frame(frame).to_file(folder / f"{LAYER}.shp", driver="ESRI Shapefile", engine="pyogrio",
                             encoding="UTF-8", geometry_type="Polygon")
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for part in sorted(folder.iterdir()):
            zf.write(part, arcname=part.name)
    return buf.getvalue()


_WRITERS = {"geojson": _write_geojson, "gpkg": _write_gpkg, "shp": _write_shp_zip}
