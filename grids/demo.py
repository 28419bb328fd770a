"""The synthetic demo city: 824 grids tiling the urban cores of Qitaihe's real districts.

Deterministic: the same seed gives identical codes and geometries. The district outlines are
real (DataV/Amap, GCJ-02, converted to WGS84); streets are the real ones; communities and
grids, their names and populations, and the Wanbao river line are synthetic.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import shapely
from shapely import LineString, MultiLineString, MultiPolygon, Point, Polygon
from shapely.geometry import shape
from sqlalchemy import text
from sqlalchemy.orm import Session

from gis.coords import gcj02_to_wgs84
from gis.srid import STORAGE
from gis.tessellate import node_coverage, polygon_parts, reading_order, tessellate
from grids import store
from grids.demo_names import COMMUNITY_WORDS
from grids.hierarchy import DISTRICTS, STREETS

DISTRICT_FILE = Path(__file__).parent / "data" / "qitaihe-districts-230900.geojson"
GRID_TOTAL = 824
# Urban core of each division: centre (WGS84 lon, lat), radius in metres, grids in it.
CORES: dict[str, tuple[tuple[float, float], float, int]] = {
    "230903": ((131.0031, 45.7711), 3300.0, 300),  # 桃山区, around the municipal government
    "230902": ((130.8821, 45.7922), 2900.0, 260),  # 新兴区
    "230904": ((131.0790, 45.7770), 2400.0, 150),  # 茄子河区
    "230921": ((130.5678, 45.7495), 2100.0, 114),  # 勃利县 county town
}
RIVER_NAME = "万宝河"
RIVER_WGS84 = [(131.035, 45.700), (131.030, 45.725), (131.022, 45.745), (131.015, 45.765),
               (131.010, 45.785)]
SYNTHETIC_NOTE = (
    "合成演示数据：网格、社区、人口与万宝河走向均为虚构，仅区县边界为真实数据（DataV/高德，"
    "GCJ-02 已转换为 WGS84）。Synthetic demo grids; import the real boundary file to replace them."
)


# Tessellation happens in a local equirectangular frame (metres near 45.77 N). It is affine in
# lon/lat, so straight shared edges and T-junctions stay exact when mapped back to EPSG:4326
# (a Gauss-Krüger round trip would bend them and open cm-wide slivers between neighbours).
_LON0, _LAT0 = 131.0, 45.77
_MX = 111_320.0 * float(np.cos(np.radians(_LAT0)))
_MY = 110_574.0


def _to_local(geom):
    """Return a lon/lat geometry in the local metric frame."""
    return shapely.transform(geom, lambda xy: (xy - (_LON0, _LAT0)) * (_MX, _MY))


def _to_lonlat(geom):
    """Return a local-frame geometry in lon/lat (EPSG:4326)."""
    return shapely.transform(geom, lambda xy: xy / (_MX, _MY) + (_LON0, _LAT0))


@dataclass
class City:
    """A generated city: everything in EPSG:4326 (lon, lat)."""

    districts: dict[str, tuple[str, MultiPolygon]] = field(default_factory=dict)
    streets: dict[str, str] = field(default_factory=dict)
    communities: dict[str, str] = field(default_factory=dict)
    grids: list[store.GridRow] = field(default_factory=list)
    river: MultiLineString | None = None


def real_districts() -> dict[str, tuple[str, MultiPolygon]]:
    """Return the real district boundaries, code → (name, MultiPolygon in WGS84)."""
    data = json.loads(DISTRICT_FILE.read_text(encoding="utf-8"))
    out: dict[str, tuple[str, MultiPolygon]] = {}
    for feat in data["features"]:
        geom = shapely.transform(
            shape(feat["geometry"]),
            lambda xy: np.column_stack(gcj02_to_wgs84(xy[:, 0], xy[:, 1])),
        )
        code = str(feat["properties"]["adcode"])
        out[code] = (feat["properties"]["name"], MultiPolygon(polygon_parts(geom)))
    return out


def _split(total: int, k: int, rng: np.random.Generator, minimum: int) -> list[int]:
    """Return k integers ≥ minimum summing to total, randomly uneven (±20%)."""
    weights = rng.uniform(0.8, 1.2, size=k)
    raw = minimum + weights / weights.sum() * (total - minimum * k)
    counts = np.floor(raw).astype(int)
    for i in np.argsort(-(raw - counts))[: total - counts.sum()]:
        counts[i] += 1
    return [int(c) for c in counts]


def _cores(districts: dict[str, tuple[str, MultiPolygon]]) -> dict[str, Polygon]:
    """Return each division's urban core in metres, inside its district and disjoint."""
    taken = Polygon()
    cores: dict[str, Polygon] = {}
    for code, ((lon, lat), radius, _n) in CORES.items():
        centre = _to_local(Point(lon, lat))
        disk = centre.buffer(radius, quad_segs=16)
        core = shapely.difference(shapely.intersection(disk, _to_local(districts[code][1])), taken)
        cores[code] = polygon_parts(core)[0]
        taken = shapely.union(taken, cores[code])
    return cores


def _ordered(cells: list[Polygon], parent: Polygon) -> list[Polygon]:
    """Return cells in official numbering order (west→east, north→south)."""
    row = (parent.area / len(cells)) ** 0.5
    return [cells[i] for i in reading_order(cells, row)]


def _fill_district(city: City, code: str, core: Polygon, rng: np.random.Generator,
                   words: list[str]) -> None:
    """Tile one district's core with its streets, communities and grids."""
    street_codes = sorted(c for c in STREETS if c.startswith(code))
    per_street = _split(CORES[code][2], len(street_codes), rng, minimum=8)
    streets = _ordered(tessellate(core, len(street_codes), rng), core)
    for s_code, s_poly, n_grids in zip(street_codes, streets, per_street, strict=True):
        city.streets[s_code] = STREETS[s_code]
        n_comm = max(2, round(n_grids / 8))
        per_comm = _split(n_grids, n_comm, rng, minimum=4)
        comms = _ordered(tessellate(s_poly, n_comm, rng), s_poly)
        for ci, (c_poly, n) in enumerate(zip(comms, per_comm, strict=True), start=1):
            c_code = f"{s_code}{ci:03d}"
            c_name = words.pop() + "社区"
            city.communities[c_code] = c_name
            for gi, cell in enumerate(tessellate(c_poly, n, rng), start=1):
                households = int(rng.integers(260, 620))
                city.grids.append(
                    store.GridRow(
                        code=f"{c_code}{gi:03d}",  # renumbered once the coverage is noded
                        name=c_name,
                        geom=cell,  # local frame until the coverage is noded
                        kind="专属网格" if rng.random() < 0.04 else "基础网格",
                        households=households,
                        population=int(round(households * rng.uniform(2.2, 2.8))),
                    )
                )


def _numbered(grids: list[store.GridRow]) -> list[store.GridRow]:
    """Return the grids coded and named in official order within each community, in lon/lat."""
    by_comm: dict[str, list[store.GridRow]] = {}
    for g in grids:
        by_comm.setdefault(g.code[:12], []).append(g)
    out = []
    for c_code, rows in by_comm.items():
        union = shapely.union_all([r.geom for r in rows])
        ordered = _ordered([r.geom for r in rows], union)
        index = {id(geom): r for r, geom in ((r, r.geom) for r in rows)}
        for gi, geom in enumerate(ordered, start=1):
            row = index[id(geom)]
            out.append(replace(row, code=f"{c_code}{gi:03d}", name=f"{row.name}第{gi}网格",
                               geom=_to_lonlat(geom)))
    return out


def build_city(seed: int) -> City:
    """Return the demo city for `seed` (pure: no database)."""
    rng = np.random.default_rng(seed)
    city = City(districts=real_districts())
    words = list(COMMUNITY_WORDS)
    rng.shuffle(words)
    for code, core in _cores(city.districts).items():
        _fill_district(city, code, core, rng, words)
    noded = node_coverage([g.geom for g in city.grids])
    city.grids = _numbered([replace(g, geom=cell) for g, cell in
                            zip(city.grids, noded, strict=True)])
    city.river = MultiLineString([LineString(RIVER_WGS84)])
    assert len(city.grids) == GRID_TOTAL, len(city.grids)
    return city


def has_grids(session: Session) -> bool:
    """Return True when any current grid is stored."""
    return bool(session.execute(text("SELECT EXISTS (SELECT 1 FROM grids WHERE valid_to IS NULL)"))
                .scalar())


def is_demo_city(session: Session) -> bool:
    """Return True when current grids are stored and all come from a synthetic source (the
    demo city), so its members are demo members too."""
    return bool(session.execute(text(
        "SELECT coalesce(bool_and(s.synthetic), false) FROM grids g "
        "JOIN grid_sources s ON s.id = g.source_id WHERE g.valid_to IS NULL")).scalar())


def load(session: Session, seed: int) -> str:
    """Write the demo city (replacing current grids, keeping history); return a summary."""
    city = build_city(seed)
    store.upsert_districts(session, {c: n for c, (n, _g) in city.districts.items()})
    session.execute(
        text(f"UPDATE districts SET name = :n, boundary = ST_GeomFromWKB(:b, {STORAGE}) "
             "WHERE code = :c"),
        [{"c": c, "n": n, "b": shapely.to_wkb(g)} for c, (n, g) in city.districts.items()],
    )
    store.upsert_streets(session, city.streets)
    store.upsert_communities(session, city.communities)
    source = store.new_source(session, f"demo seed {seed}", synthetic=True, note=SYNTHETIC_NOTE)
    written = store.replace_current_grids(session, city.grids, source)
    session.execute(text("DELETE FROM rivers WHERE synthetic AND name = :n"), {"n": RIVER_NAME})
    session.execute(
        text(f"INSERT INTO rivers (name, geom, synthetic, note) VALUES "
             f"(:n, ST_GeomFromWKB(:g, {STORAGE}), true, :note)"),
        {"n": RIVER_NAME, "g": shapely.to_wkb(city.river),
         "note": "合成走向（示意），非真实河道 Synthetic, plausible course only."},
    )
    return (f"demo city loaded: {len(DISTRICTS)} districts, {len(city.streets)} streets, "
            f"{len(city.communities)} communities, {written} grids (synthetic, seed {seed})")
