"""Benchmark: point → grid, one at a time over HTTP and in bulk, beside raw baselines.

Run with `make bench` (or `.venv/bin/python bench/locate.py`) against GRIDGOV_DATABASE_URL
with the demo city loaded.
"""

from __future__ import annotations

import sys
import time
from datetime import date
from pathlib import Path

import geopandas as gpd
import numpy as np
import psycopg
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import (  # noqa: E402
    get_latencies,
    machine,
    median_of,
    percentile,
    print_table,
    served_app,
)  # noqa: E402
from gis import settings  # noqa: E402
from gis.db import make_engine  # noqa: E402
from grids.locate import GridIndex  # noqa: E402

CALLS = 2000
BULK = 1_000_000
RAW_SQL = ("SELECT code FROM grids WHERE valid_to IS NULL AND ST_Covers(geom, "
           "ST_SetSRID(ST_MakePoint(%s, %s), 4326)) ORDER BY code LIMIT 1")


def sample_points(index: GridIndex, n: int, seed: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """Return n random WGS84 points inside the urban cores (all inside some grid)."""
    rng = np.random.default_rng(seed)
    lons, lats = [], []
    x0, y0, x1, y1 = 130.50, 45.70, 131.15, 45.85
    while sum(map(len, lons)) < n:
        lo, la = rng.uniform(x0, x1, n * 4), rng.uniform(y0, y1, n * 4)
        hit = index.locate_many(lo, la) != None  # noqa: E711
        lons.append(lo[hit])
        lats.append(la[hit])
    return np.concatenate(lons)[:n], np.concatenate(lats)[:n]


def http_latencies(base: str, lons, lats) -> list[float]:
    """Return per-call latencies (ms) of GET /api/v1/locate through the served app."""
    paths = [f"/api/v1/locate?lon={lon:.7f}&lat={lat:.7f}"
             for lon, lat in zip(lons, lats, strict=True)]
    return get_latencies(base, paths)


def raw_latencies(dsn: str, lons, lats) -> list[float]:
    """Return per-query latencies (ms) of a raw psycopg ST_Covers lookup."""
    out = []
    with psycopg.connect(dsn, prepare_threshold=0) as conn:
        for lon, lat in zip(lons, lats, strict=True):
            t = time.perf_counter()
            conn.execute(RAW_SQL, (float(lon), float(lat))).fetchone()
            out.append((time.perf_counter() - t) * 1000)
    return out


def postgis_bulk_rate(dsn: str, lons, lats) -> float:
    """Return points/s of a set-based PostGIS point-in-grid join over a temp table."""
    with psycopg.connect(dsn) as conn:
        conn.execute("CREATE TEMP TABLE pts (id int, geom geometry(Point, 4326))")
        with conn.cursor().copy("COPY pts (id, geom) FROM STDIN") as copy:
            for i, (x, y) in enumerate(zip(lons, lats, strict=True)):
                copy.write_row((i, f"SRID=4326;POINT({x} {y})"))
        conn.execute("ANALYZE pts")
        sql = ("SELECT count(*) FROM pts p JOIN grids g ON g.valid_to IS NULL "
               "AND ST_Covers(g.geom, p.geom)")
        return len(lons) / median_of(lambda: conn.execute(sql).fetchone())


def main() -> None:
    """Run every measurement and print the tables."""
    conf = settings.load()
    dsn = make_url(conf.database_url).set(drivername="postgresql").render_as_string(False)
    with Session(make_engine(conf.database_url)) as s:
        index = GridIndex.load(s)
    lons, lats = sample_points(index, CALLS)
    print(f"# bench/locate.py — {date.today()} — {machine()} — {len(index.codes)} grids")
    raw = raw_latencies(dsn, lons, lats)
    with served_app() as base:
        http_latencies(base, lons[:100], lats[:100])  # warm-up
        api = http_latencies(base, lons, lats)
    p50, p95 = percentile(api, 50), percentile(api, 95)
    print_table(f"one point at a time ({CALLS} calls)", [
        ("HTTP GET /api/v1/locate p50", f"{p50:.2f} ms", f"{percentile(raw, 50):.3f} ms",
         "≤ 2 ms", p50 <= 2),
        ("HTTP GET /api/v1/locate p95", f"{p95:.2f} ms", f"{percentile(raw, 95):.3f} ms",
         "≤ 5 ms", p95 <= 5),
    ])
    blon, blat = sample_points(index, BULK, seed=2)
    ours = BULK / median_of(lambda: index.locate_many(blon, blat))
    grids = gpd.GeoDataFrame({"code": index.codes}, geometry=index.geoms, crs=4326)
    sjoin = BULK / median_of(lambda: gpd.sjoin(gpd.GeoDataFrame(
        geometry=gpd.points_from_xy(blon, blat), crs=4326), grids, predicate="within"))
    pg = postgis_bulk_rate(dsn, blon, blat)
    print_table(f"bulk ({BULK:,} points, median of 3)", [
        ("GridIndex.locate_many", f"{ours / 1e6:.2f} M points/s",
         f"geopandas sjoin {sjoin / 1e6:.2f} M/s; PostGIS join {pg / 1e6:.2f} M/s",
         "≥ 0.5 M/s", ours >= 0.5e6),
    ])


if __name__ == "__main__":
    main()
