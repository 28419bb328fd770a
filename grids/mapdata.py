"""Plain data for the maps: current grids, district outlines and rivers as GeoJSON-like dicts.

Every geometry is EPSG:4326 in GeoJSON axis order (lon, lat), rounded to 6 decimals (≈ 0.1 m
at Qitaihe); polygons are simplified together as a coverage so neighbours stay gap-free.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import shapely
from shapely.geometry import mapping
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from gis.project import round_coords
from grids.queries import GridFilter, grid_detail, grid_rows
from grids.simplify import simplify_coverage
from grids.tables import COMMUNITIES, DISTRICTS, GRIDS, RIVERS, STREETS

GRID_SIMPLIFY_M = 5.0
DISTRICT_SIMPLIFY_M = 20.0
DECIMALS = 6
GRID_PROPERTIES = (
    "code", "name", "kind",
    "community_code", "community_name", "street_code", "street_name",
    "district_code", "district_name",
    "households", "population", "area_m2",
)


def _features(rows: Sequence[dict], geoms: Iterable, keys: Sequence[str]) -> list[dict]:
    """Return GeoJSON Feature dicts pairing each row's `keys` with its geometry."""
    return [
        {"type": "Feature", "properties": {k: row[k] for k in keys}, "geometry": mapping(geom)}
        for row, geom in zip(rows, geoms, strict=True)
    ]


def grid_features(rows: Sequence[dict], simplify_m: float = GRID_SIMPLIFY_M) -> list[dict]:
    """Return grid rows (as from grids.queries.grid_rows) as map features, lon/lat, 6 decimals."""
    geoms = simplify_coverage([r["geom"] for r in rows], simplify_m, decimals=DECIMALS)
    return _features(rows, geoms, GRID_PROPERTIES)


def map_grids(session: Session, simplify_m: float = GRID_SIMPLIFY_M) -> list[dict]:
    """Return every current grid as a GeoJSON Feature dict (lon/lat), ordered by code."""
    return grid_features(grid_rows(session), simplify_m)


def district_outlines(session: Session, simplify_m: float = DISTRICT_SIMPLIFY_M) -> list[dict]:
    """Return the stored district boundaries as Feature dicts (code, name; lon/lat), by code."""
    rows = [
        dict(r)
        for r in session.execute(
            text(
                "SELECT code, name, ST_AsBinary(boundary) AS wkb FROM districts "
                "WHERE boundary IS NOT NULL ORDER BY code"
            )
        ).mappings()
    ]
    geoms = simplify_coverage(
        [shapely.from_wkb(bytes(r["wkb"])) for r in rows], simplify_m, decimals=DECIMALS
    )
    return _features(rows, geoms, ("code", "name"))


def river_lines(session: Session) -> list[dict]:
    """Return the river layer as Feature dicts (name, synthetic, note; lon/lat), by name."""
    rows = [
        dict(r)
        for r in session.execute(
            text(
                "SELECT name, synthetic, note, ST_AsBinary(geom) AS wkb FROM rivers "
                "ORDER BY name, id"
            )
        ).mappings()
    ]
    geoms = round_coords([shapely.from_wkb(bytes(r["wkb"])) for r in rows], DECIMALS)
    return _features(rows, geoms, ("name", "synthetic", "note"))


def grid_page(session: Session, code: str) -> dict:
    """Return one current grid's detail (hierarchy, attributes, neighbours) and map features.

    Keys: everything of grids.queries.grid_detail except the shapely geometry, plus
    'features' — the grid first, then its neighbours — as Feature dicts (lon/lat).
    Raises gis.errors.NotFound for an unknown code.
    """
    detail = grid_detail(session, code)
    geom = detail.pop("geom")
    wanted = {code} | {n["code"] for n in detail["neighbours"]}
    nearby = grid_rows(session, GridFilter(bbox=_grown(geom.bounds)))
    rows = [r for r in nearby if r["code"] in wanted]
    rows.sort(key=lambda r: (r["code"] != code, r["code"]))
    return {**detail, "features": grid_features(rows)}


def _grown(bounds: tuple[float, float, float, float]) -> tuple[float, float, float, float]:
    """Return a lon/lat bbox a little larger than `bounds`, so touching neighbours are inside."""
    x0, y0, x1, y1 = bounds
    pad = 1e-6
    return (x0 - pad, y0 - pad, x1 + pad, y1 + pad)


def street_counts(session: Session) -> list[dict]:
    """Return the streets that have current grids, by code: street_code, street_name,
    district_name and grids (how many) — the map legend, without reading geometry."""
    stmt = (select(STREETS.c.code.label("street_code"), STREETS.c.name.label("street_name"),
                   DISTRICTS.c.name.label("district_name"), func.count().label("grids"))
            .select_from(GRIDS.join(COMMUNITIES, COMMUNITIES.c.code == GRIDS.c.community_code)
                         .join(STREETS, STREETS.c.code == COMMUNITIES.c.street_code)
                         .join(DISTRICTS, DISTRICTS.c.code == STREETS.c.district_code))
            .where(GRIDS.c.valid_to.is_(None))
            .group_by(STREETS.c.code, STREETS.c.name, DISTRICTS.c.name)
            .order_by(STREETS.c.code))
    return [dict(r) for r in session.execute(stmt).mappings()]


def river_names(session: Session) -> list[str]:
    """Return the names of the stored rivers, each once, in river_lines' order."""
    names = session.execute(select(RIVERS.c.name).order_by(RIVERS.c.name, RIVERS.c.id)).scalars()
    return list(dict.fromkeys(names))


def has_district_boundaries(session: Session) -> bool:
    """Return True when any district has a stored boundary (district_outlines is not empty)."""
    stmt = select(DISTRICTS.c.code).where(DISTRICTS.c.boundary.is_not(None)).limit(1)
    return session.execute(stmt).first() is not None


def grid_count(session: Session) -> int:
    """Return how many grids are current."""
    stmt = select(func.count()).select_from(GRIDS).where(GRIDS.c.valid_to.is_(None))
    return session.execute(stmt).scalar_one()
