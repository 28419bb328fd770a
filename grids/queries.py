"""Reading current grids as plain data: GeoJSON features, one grid with its neighbours."""

from __future__ import annotations

import json
from dataclasses import dataclass

import shapely
from sqlalchemy import ColumnElement, func, select, text
from sqlalchemy.orm import Session

from gis.contracts import Param
from gis.errors import BadInput, NotFound
from gis.params import Bbox, simplify_metres
from gis.srid import STORAGE
from grids.hierarchy import HierarchyQuery, level_of
from grids.simplify import simplify_coverage
from grids.tables import COMMUNITIES, DISTRICTS, GRIDS, STREETS

_G, _C, _S, _D = (GRIDS.alias("g"), COMMUNITIES.alias("c"), STREETS.alias("s"),
                  DISTRICTS.alias("d"))
_CURRENT = select(
    _G.c.code, _G.c.name, _G.c.kind, _G.c.area_m2, _G.c.households, _G.c.population,
    _C.c.code.label("community_code"), _C.c.name.label("community_name"),
    _S.c.code.label("street_code"), _S.c.name.label("street_name"),
    _D.c.code.label("district_code"), _D.c.name.label("district_name"),
    _G.c.valid_from, func.ST_AsBinary(_G.c.geom).label("wkb"),
).select_from(_G.join(_C, _C.c.code == _G.c.community_code)
              .join(_S, _S.c.code == _C.c.street_code)
              .join(_D, _D.c.code == _S.c.district_code)).where(_G.c.valid_to.is_(None))


@dataclass(frozen=True)
class GridFilter:
    """Which current grids to read: by hierarchy code prefix and/or a WGS84 bbox."""

    within: str | None = None
    bbox: tuple[float, float, float, float] | None = None


class GridQuery(HierarchyQuery):
    """?district|street|community|grid=&bbox=&simplify=: which current grids, how simplified."""

    bbox: Bbox() = None
    simplify: Param({"type": "number", "minimum": 0, "maximum": 1000,
                     "description": "simplify (m)"}, simplify_metres) = 0.0

    def filter(self) -> GridFilter:
        """Return the grid filter these parameters ask for."""
        return GridFilter(within=self.within, bbox=self.bbox)


def _where(f: GridFilter) -> list[ColumnElement[bool]]:
    """Return the conditions of `f` on the current grids."""
    out = []
    if f.within:
        if level_of(f.within) not in ("district", "street", "community", "grid"):
            raise BadInput(f"区划代码无效：{f.within[:20]!r}", "bad_code")
        out.append(_G.c.code.like(f.within + "%"))
    if f.bbox:
        out.append(_G.c.geom.op("&&")(func.ST_MakeEnvelope(*f.bbox, STORAGE)))
    return out


def grid_rows(session: Session, f: GridFilter = GridFilter()) -> list[dict]:
    """Return current grids with hierarchy names and shapely geometry (EPSG:4326), by code."""
    rows = session.execute(_CURRENT.where(*_where(f)).order_by(_G.c.code))
    out = []
    for r in rows.mappings():
        d = dict(r)
        d["geom"] = shapely.from_wkb(bytes(d.pop("wkb")))
        d["valid_from"] = d["valid_from"].isoformat()
        out.append(d)
    return out


def feature_collection(rows: list[dict], simplify_m: float = 0.0) -> dict:
    """Return rows as a GeoJSON FeatureCollection (lon/lat), simplified as a coverage."""
    geoms = simplify_coverage([r["geom"] for r in rows], simplify_m, decimals=7)
    features = []
    for r, g in zip(rows, geoms, strict=True):
        props = {k: v for k, v in r.items() if k != "geom"}
        features.append(
            {"type": "Feature", "id": r["code"], "properties": props,
             "geometry": json.loads(shapely.to_geojson(g))}
        )
    return {"type": "FeatureCollection", "features": features}


def neighbours(session: Session, code: str) -> list[dict]:
    """Return the current grids touching grid `code` (code, name), by code."""
    rows = session.execute(
        text(
            "SELECT n.code, n.name FROM grids g JOIN grids n ON n.valid_to IS NULL "
            "AND n.code <> g.code AND ST_Intersects(g.geom, n.geom) "
            "WHERE g.valid_to IS NULL AND g.code = :code ORDER BY n.code"
        ),
        {"code": code},
    )
    return [dict(r) for r in rows.mappings()]


def grid_detail(session: Session, code: str) -> dict:
    """Return one current grid (row as in grid_rows) with 'neighbours'; NotFound if unknown."""
    if level_of(code) != "grid":
        raise NotFound(f"网格代码应为 15 位数字：{code[:20]!r}", "grid_not_found")
    rows = grid_rows(session, GridFilter(within=code))
    if not rows:
        raise NotFound(f"没有网格 {code}（no current grid with this code）", "grid_not_found")
    return {**rows[0], "neighbours": neighbours(session, code)}


def district_outlines_from_grids(session: Session) -> dict:
    """Return each district's outline as the union of its current grids (GeoJSON, lon/lat)."""
    rows = session.execute(text(
        "SELECT d.code, d.name, count(*) AS grids, sum(g.area_m2) AS area_m2, "
        "ST_AsGeoJSON(ST_Union(g.geom), 7) AS geometry FROM grids g "
        "JOIN districts d ON d.code = left(g.code, 6) WHERE g.valid_to IS NULL "
        "GROUP BY d.code, d.name ORDER BY d.code"))
    features = [
        {"type": "Feature", "id": r.code,
         "properties": {"code": r.code, "name": r.name, "grids": r.grids,
                        "area_m2": r.area_m2, "derived_from": "grids"},
         "geometry": json.loads(r.geometry)}
        for r in rows
    ]
    return {"type": "FeatureCollection", "features": features}


def city_extent(session: Session) -> tuple[float, float, float, float] | None:
    """Return the current grids' lon/lat bounds (minlon, minlat, maxlon, maxlat); None
    without grids."""
    row = session.execute(text(
        "SELECT ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e) FROM "
        "(SELECT ST_Extent(geom) AS e FROM grids WHERE valid_to IS NULL) AS x")).one()
    return None if row[0] is None else (row[0], row[1], row[2], row[3])


def unit_name(session: Session, code: str | None) -> str:
    """Return the name of a district, street, community or grid code ('七台河市' for None;
    the code itself when unknown)."""
    if not code:
        return "七台河市"
    tables = {"district": DISTRICTS, "street": STREETS, "community": COMMUNITIES}
    level = level_of(code)
    if level == "grid":
        query = select(GRIDS.c.name).where(GRIDS.c.code == code, GRIDS.c.valid_to.is_(None))
    elif level in tables:
        query = select(tables[level].c.name).where(tables[level].c.code == code)
    else:
        return code
    return session.execute(query).scalar() or code
