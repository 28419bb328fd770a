"""Checking a grid file before import: geometry, codes, attributes, overlaps and gaps.

Works on the canonical frame `grids.importer.read_grid_file` returns (EPSG:4326). Overlaps and
holes are found on the stored EPSG:4326 geometries (straight edges in lon/lat, as PostGIS sees
them) and measured in EPSG:4553 square metres: reprojecting vertices first would bend long
edges and invent ~1 m² slivers at T-junctions.
"""

from __future__ import annotations

import re

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely import MultiPolygon, Polygon, STRtree
from sqlalchemy import text
from sqlalchemy.orm import Session

from gis.project import to_metric
from gis.srid import CITY_BBOX
from grids.hierarchy import GRID_KINDS, STREETS
from grids.validation_report import Problem, Repair, Report, Tolerances

NAME_MAX = {"name": 100, "community_name": 50, "street_name": 50}
INT_MAX = 2**31 - 1
# Gap search closes cracks under ≈ 2 cm (in degrees), so neighbours off by a rounding error
# still close a hole.
CLOSE_DEG = 1e-7
_GRID_CODE = re.compile(r"^[0-9]{15}$")


def validate(
    gdf: gpd.GeoDataFrame, session: Session, tolerances: Tolerances | None = None,
    repair: bool = False,
) -> Report:
    """Return the report on a canonical EPSG:4326 frame; `report.frame` holds repaired data."""
    tolerances = tolerances or Tolerances()
    frame = gdf.copy()
    report = Report(source=str(frame.attrs.get("source", "")), features=len(frame), frame=frame)
    if frame.empty:
        report.problems.append(Problem(None, None, "no_features"))
        return report
    usable = check_geometries(frame, repair, report)
    check_codes(frame, known_streets(session), report)
    check_attributes(frame, report)
    geoms = np.asarray(frame.geometry.values[usable], dtype=object)
    rows, codes = frame["row"].to_numpy()[usable], frame["code"].to_numpy()[usable]
    report.problems += find_overlaps(geoms, rows, codes, tolerances.overlap_m2)
    report.problems += find_gaps(geoms, rows, codes, tolerances.gap_m2)
    return report


def known_streets(session: Session) -> set[str]:
    """Return the street codes stored in the database or listed in grids.hierarchy."""
    stored = session.execute(text("SELECT code FROM streets")).scalars().all()
    return set(stored) | set(STREETS)


def check_geometries(frame: gpd.GeoDataFrame, repair: bool, report: Report) -> np.ndarray:
    """Check (and with `repair`, fix) each geometry; return the mask of usable polygons."""
    usable = np.zeros(len(frame), dtype=bool)
    geoms = list(frame.geometry.values)
    for i, (row, code, geom) in enumerate(zip(frame["row"], frame["code"], geoms, strict=True)):
        if geom is None or geom.is_empty:
            report.problems.append(Problem(row, code, "missing_geometry"))
            continue
        if not isinstance(geom, Polygon | MultiPolygon):
            report.problems.append(Problem(row, code, "not_polygon", geom.geom_type))
            continue
        if not geom.is_valid:
            fixed = _repair(geom, row, code, report) if repair else None
            if fixed is None:
                hint = "" if repair else "（可用 --repair 修复 use --repair）"
                detail = shapely.is_valid_reason(geom) + hint
                report.problems.append(Problem(row, code, "invalid_geometry", detail))
                continue
            geoms[i] = geom = fixed
        if not _inside_city(geom):
            bounds = ", ".join(f"{b:.4f}" for b in geom.bounds)
            report.problems.append(Problem(row, code, "outside_city", f"bounds {bounds}"))
            continue
        usable[i] = True
    frame["geometry"] = gpd.GeoSeries(geoms, index=frame.index, crs=frame.crs)
    return usable


def check_codes(frame: gpd.GeoDataFrame, streets: set[str], report: Report) -> None:
    """Check each grid code: present, unique, 15 digits, fitting its community and street."""
    streets = streets | {s for s in frame["street_code"] if s}  # a street the file names is known
    seen: dict[str, int] = {}
    for row, code, comm, street in zip(
        frame["row"], frame["code"], frame["community_code"], frame["street_code"], strict=True
    ):
        if not code:
            report.problems.append(Problem(row, code, "missing_code"))
        elif not _GRID_CODE.match(code):
            report.problems.append(Problem(row, code, "bad_code", f"{len(code)} 位 characters"))
        elif code in seen:
            detail = f"与第 {seen[code]} 行相同 same as row {seen[code]}"
            report.problems.append(Problem(row, code, "duplicate_code", detail))
        else:
            seen[code] = row
            report.problems += _fit_problems(row, code, comm, street, streets)


def check_attributes(frame: gpd.GeoDataFrame, report: Report) -> None:
    """Check kinds, whole numbers and name lengths; fill default kind and name in place."""
    kinds = [k or GRID_KINDS[0] for k in frame["kind"]]
    names = [n or c or "" for n, c in zip(frame["name"], frame["code"], strict=True)]
    frame["kind"], frame["name"] = _objects(kinds, frame), _objects(names, frame)
    ids = list(zip(frame["row"], frame["code"], strict=True))
    for (row, code), kind in zip(ids, frame["kind"], strict=True):
        if kind not in GRID_KINDS:
            detail = f"{kind!r} 不在 not in {', '.join(GRID_KINDS)}"
            report.problems.append(Problem(row, code, "bad_kind", detail))
    for col, limit in NAME_MAX.items():
        for (row, code), value in zip(ids, frame[col], strict=True):
            if value and len(value) > limit:
                detail = f"{col} {len(value)} > {limit}"
                report.problems.append(Problem(row, code, "too_long", detail))
    for col in ("households", "population"):
        parsed = [_whole(v) for v in frame[col]]
        for (row, code), raw, value in zip(ids, frame[col], parsed, strict=True):
            if value is False:
                report.problems.append(Problem(row, code, "bad_number", f"{col}={raw!r}"))
        frame[col] = _objects([None if v is False else v for v in parsed], frame)


def find_overlaps(geoms: np.ndarray, rows: np.ndarray, codes: np.ndarray,
                  tolerance: float) -> list[Problem]:
    """Return a problem per pair of EPSG:4326 polygons overlapping by > `tolerance` m² (4553)."""
    if len(geoms) < 2:
        return []
    left, right = STRtree(geoms).query(geoms, predicate="intersects")
    keep = left < right
    left, right = left[keep], right[keep]
    areas = shapely.area(to_metric(shapely.intersection(geoms[left], geoms[right])))
    out = []
    for i, j, area in zip(left, right, areas, strict=True):
        if area > tolerance:
            piece = shapely.intersection(geoms[i], geoms[j])
            detail = (f"与第 {rows[j]} 行 {codes[j] or '?'} 重叠 overlaps row {rows[j]}: "
                      f"{area:.1f} m² at {_lonlat(piece)}")
            out.append(Problem(int(rows[i]), codes[i], "overlap", detail))
    return out


def find_gaps(geoms: np.ndarray, rows: np.ndarray, codes: np.ndarray,
              tolerance: float) -> list[Problem]:
    """Return a problem per hole (> `tolerance` m² in 4553) in a community's EPSG:4326 union."""
    communities = np.array([c[:12] if c and _GRID_CODE.match(c) else "" for c in codes])
    out = []
    for comm in sorted(set(communities) - {""}):
        idx = np.flatnonzero(communities == comm)
        union = shapely.union_all(geoms[idx])
        closed = union.buffer(CLOSE_DEG, join_style="mitre").buffer(-CLOSE_DEG, join_style="mitre")
        for part in shapely.get_parts(closed):
            for ring in part.interiors:
                hole = shapely.difference(Polygon(ring), union)
                area = to_metric(hole).area
                if area > tolerance:
                    around = [i for i in idx if geoms[i].intersects(hole.buffer(CLOSE_DEG))]
                    names = ", ".join(f"row {rows[i]} {codes[i]}" for i in around[:6])
                    names += " …" if len(around) > 6 else ""
                    detail = f"{area:.1f} m² at {_lonlat(hole)}; 周边 next to {names}"
                    out.append(Problem(None, comm, "gap", detail))
    return out


def _objects(values: list, frame: pd.DataFrame) -> pd.Series:
    """Return `values` as an object column: None stays None (not NaN), ints stay ints."""
    return pd.Series(values, index=frame.index, dtype=object)


def _fit_problems(row: int, code: str, comm: str | None, street: str | None,
                  streets: set[str]) -> list[Problem]:
    out = []
    if comm and comm != code[:12]:
        detail = f"社区 community_code {comm} ≠ {code[:12]}"
        out.append(Problem(row, code, "community_mismatch", detail))
    if street and street != code[:9]:
        detail = f"街道 street_code {street} ≠ {code[:9]}"
        out.append(Problem(row, code, "community_mismatch", detail))
    if code[:9] not in streets:
        detail = f"{code[:9]} 不在数据库、编码表或文件中 not in database, hierarchy or file"
        out.append(Problem(row, code, "unknown_street", detail))
    return out


def _repair(geom, row: int, code: str | None, report: Report) -> Polygon | MultiPolygon | None:
    reason = shapely.is_valid_reason(geom)
    fixed = shapely.make_valid(geom, method="structure", keep_collapsed=False)
    parts = [p for p in shapely.get_parts(fixed) if isinstance(p, Polygon) and not p.is_empty]
    if not parts:
        return None
    fixed = parts[0] if len(parts) == 1 else MultiPolygon(parts)
    before, after = to_metric(geom).area, to_metric(fixed).area
    detail = f"{reason}; 面积 area {before:.1f} → {after:.1f} m²"
    report.repairs.append(Repair(row, code, detail))
    return fixed


def _inside_city(geom) -> bool:
    minx, miny, maxx, maxy = geom.bounds
    return (CITY_BBOX[0] <= minx and maxx <= CITY_BBOX[2]
            and CITY_BBOX[1] <= miny and maxy <= CITY_BBOX[3])


def _whole(value) -> int | None | bool:
    """Return a non-negative int, None for missing, or False when the value is not one."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    if isinstance(value, bool):
        return False
    try:
        number = float(str(value).strip()) if isinstance(value, str) else float(value)
    except (TypeError, ValueError):
        return False
    if not number.is_integer() or not 0 <= number <= INT_MAX:
        return False
    return int(number)


def _lonlat(geom) -> str:
    point = geom.representative_point()
    return f"lon,lat {point.x:.6f},{point.y:.6f}"
