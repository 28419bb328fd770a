"""Writing a generation of grids: upsert the hierarchy, retire current grids, insert new ones."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from shapely import MultiPolygon, Polygon, to_wkb
from sqlalchemy import text
from sqlalchemy.orm import Session

from gis.srid import METRIC, STORAGE
from grids.hierarchy import DISTRICTS


@dataclass(frozen=True)
class GridRow:
    """One grid to write: geometry in EPSG:4326 (lon, lat)."""

    code: str
    name: str
    geom: Polygon | MultiPolygon
    kind: str = "基础网格"
    households: int | None = None
    population: int | None = None


def upsert_districts(session: Session, names: dict[str, str]) -> None:
    """Insert districts that are missing; keep existing names and boundaries."""
    rows = [{"c": c, "n": n} for c, n in names.items()]
    if rows:
        session.execute(
            text("INSERT INTO districts (code, name) VALUES (:c, :n) ON CONFLICT DO NOTHING"), rows
        )


def upsert_streets(session: Session, names: dict[str, str]) -> None:
    """Insert or rename streets (9-digit code → name); their districts must exist or be known."""
    upsert_districts(session, {c[:6]: DISTRICTS.get(c[:6], c[:6]) for c in names})
    rows = [{"c": c, "n": n, "d": c[:6]} for c, n in names.items()]
    if rows:
        session.execute(
            text(
                "INSERT INTO streets (code, name, district_code) VALUES (:c, :n, :d) "
                "ON CONFLICT (code) DO UPDATE SET name = EXCLUDED.name"
            ),
            rows,
        )


def upsert_communities(session: Session, names: dict[str, str]) -> None:
    """Insert or rename communities (12-digit code → name); their streets must exist."""
    rows = [{"c": c, "n": n, "s": c[:9]} for c, n in names.items()]
    if rows:
        session.execute(
            text(
                "INSERT INTO communities (code, name, street_code) VALUES (:c, :n, :s) "
                "ON CONFLICT (code) DO UPDATE SET name = EXCLUDED.name"
            ),
            rows,
        )


def new_source(session: Session, name: str, synthetic: bool, note: str = "") -> int:
    """Record where the next generation of grids comes from; return its id."""
    return session.execute(
        text(
            "INSERT INTO grid_sources (name, synthetic, note) VALUES (:n, :s, :note) RETURNING id"
        ),
        {"n": name, "s": synthetic, "note": note},
    ).scalar_one()


def replace_current_grids(session: Session, rows: Sequence[GridRow], source_id: int) -> int:
    """Retire every current grid (valid_to = now) and insert `rows` as current; return count."""
    session.execute(text("UPDATE grids SET valid_to = now() WHERE valid_to IS NULL"))
    return insert_grids(session, rows, source_id)


def insert_grids(session: Session, rows: Iterable[GridRow], source_id: int) -> int:
    """Insert grids as current, computing area in EPSG:4553; return how many were written."""
    params = [
        {
            "code": r.code,
            "name": r.name,
            "kind": r.kind,
            "community": r.code[:12],
            "wkb": to_wkb(r.geom),
            "households": r.households,
            "population": r.population,
            "source": source_id,
        }
        for r in rows
    ]
    if not params:
        return 0
    session.execute(
        text(
            "INSERT INTO grids (code, name, kind, community_code, geom, area_m2, households, "
            "population, source_id) SELECT :code, :name, :kind, :community, g, "
            f"ST_Area(ST_Transform(g, {METRIC})), :households, :population, :source "
            f"FROM (SELECT ST_Multi(ST_GeomFromWKB(:wkb, {STORAGE})) AS g) AS s"
        ),
        params,
    )
    return len(params)
