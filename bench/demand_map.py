"""Benchmark: the staff demand map's data (GET /api/v1/demands/map) with 100k demands in a
street supervisor's scope — payload bytes (raw and gzip) and server time at the city zoom
(12) and the street zoom (15), for that supervisor and a city-wide leader, beside the bare
PostGIS aggregate / points SELECT timed in the same run.

Run with `.venv/bin/python bench/demand_map.py` against GRIDGOV_DATABASE_URL after
`flask db upgrade && flask demo load` — a scratch database (e.g. gridgov_bench_dmap): it adds
100,000 synthetic demands inside the grids of STREET and 100,000 over the whole city with
INSERT … SELECT ST_GeneratePoints (codes BM-…), two logins for the run, and removes all of
them afterwards (`--keep` keeps the demands for the next run).
"""

from __future__ import annotations

import gzip
import http.client
import json
import math
import os
import statistics
import sys
import time
from datetime import UTC, date, datetime
from functools import partial
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import psycopg
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import add_logins, machine, print_table, served_app  # noqa: E402
from gis import settings  # noqa: E402
from gis.db import make_engine  # noqa: E402
from layers.access.actors import for_user  # noqa: E402
from layers.demands import map_layer  # noqa: E402
from layers.demands.queries import DemandFilter  # noqa: E402

STREET = "230903016"  # 桃山街道: central Taoshan, 50 grids
IN_STREET, IN_CITY = 100_000, 100_000
RUNS = 7
VIEW = (1280, 800)  # the screen in pixels; the client asks for the view padded by PAD
PAD = 0.25
CITY_CENTRE = (131.0031, 45.7711)
PREFIX = "BM-"
# Realistic states of a year's demands: most closed, a fortnight's worth open.
_FILL = text("""
WITH g AS (
    SELECT id, code, geom,
           CASE WHEN code LIKE :street || '%' THEN :in_street / :street_grids ELSE 0 END
           + :in_city / :grids AS n
    FROM grids WHERE valid_to IS NULL),
p AS (SELECT g.id, g.code, (ST_Dump(ST_GeneratePoints(g.geom, g.n, 7))).geom AS geom FROM g),
c AS (SELECT array_agg(code ORDER BY code) AS a FROM categories
      WHERE parent_code IS NOT NULL AND active),
r AS (SELECT p.*, row_number() OVER () AS i, random() AS s, random() AS t,
             c.a[1 + floor(random() * array_length(c.a, 1))::int] AS cat FROM p, c),
d AS (SELECT r.*, CASE WHEN s < 0.55 THEN 'closed' WHEN s < 0.60 THEN 'verified'
                       WHEN s < 0.68 THEN 'resolved' WHEN s < 0.82 THEN 'signed'
                       WHEN s < 0.90 THEN 'dispatched' ELSE 'received' END AS state,
             now() - CASE WHEN s < 0.60 THEN t * interval '365 days'
                          ELSE t * interval '20 days' END AS made FROM r)
INSERT INTO demands (code, title, description, category_code, state, source, geom, input_crs,
                     address, grid_id, grid_code, created_at, deadline, closed_at, overdue,
                     escalation_level)
SELECT :prefix || lpad(i::text, 8, '0'), '压测诉求', '', cat, state,
       (ARRAY['online_group','grid_visit','rider_snapshot','hotline','other'])[1 + i % 5],
       geom, 'wgs84', '', id, code, made, made + interval '7 days',
       CASE WHEN state = 'closed' THEN made + t * interval '9 days' END,
       state <> 'closed' AND made + interval '7 days' < now(), 0
FROM d
""")
_IN_VIEW = ("FROM demands WHERE state <> 'merged' AND grid_code LIKE %(scope)s "
            "AND geom && ST_MakeEnvelope(%(x0)s, %(y0)s, %(x1)s, %(y1)s, 4326)")
RAW = {  # the bare SELECT of each answer: per unit, per square cell, points
    "unit": f"SELECT grid_id, count(*) {_IN_VIEW} GROUP BY grid_id",  # count by stored id
    "bin": ("SELECT floor(ST_X(geom) / %(dx)s) AS i, floor(ST_Y(geom) / %(dy)s) AS j, "
            f"count(*), avg(ST_X(geom)), avg(ST_Y(geom)) {_IN_VIEW} GROUP BY i, j"),
    "point": ("SELECT code, category_code, state, grid_code, deadline, ST_X(geom), "
              f"ST_Y(geom) {_IN_VIEW} LIMIT 5000"),
}


def view_bbox(lon: float, lat: float, zoom: int) -> tuple[float, float, float, float]:
    """Return the bbox (WGS84) a VIEW-sized screen at `zoom` centred on lon/lat asks for."""
    deg = 360 / (256 * 2 ** zoom)
    half_w = VIEW[0] * deg * (0.5 + PAD)
    half_h = VIEW[1] * deg * math.cos(math.radians(lat)) * (0.5 + PAD)
    return (round(lon - half_w, 6), round(lat - half_h, 6), round(lon + half_w, 6),
            round(lat + half_h, 6))


def fill(session: Session) -> int:
    """Add the synthetic demands unless they are there; return how many BM- demands exist."""
    have = session.execute(text("SELECT count(*) FROM demands WHERE code LIKE :p || '%'"),
                           {"p": PREFIX}).scalar()
    if not have:
        grids, street_grids = session.execute(text(
            "SELECT count(*), count(*) FILTER (WHERE code LIKE :s || '%') FROM grids "
            "WHERE valid_to IS NULL"), {"s": STREET}).one()
        session.execute(text("SELECT setseed(0.42)"))
        session.execute(_FILL, {"street": STREET, "in_street": IN_STREET, "in_city": IN_CITY,
                                "street_grids": street_grids, "grids": grids,
                                "prefix": PREFIX})
        session.commit()
        with session.get_bind().connect().execution_options(
                isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE demands"))
    return session.execute(text("SELECT count(*) FROM demands WHERE code LIKE :p || '%'"),
                           {"p": PREFIX}).scalar()


def median_ms(fn) -> float:
    """Return the median wall time (ms) of RUNS calls of fn after one warm-up call."""
    fn()
    times = []
    for _ in range(RUNS):
        t = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t) * 1000)
    return statistics.median(times)


def fetch(base: str, path: str, token: str) -> tuple[float, bytes, int]:
    """Return (median ms, the body as JSON bytes, its gzip bytes on the wire) of a GET with
    the bearer token and Accept-Encoding: gzip (a new connection each, as after a pan)."""
    host, got = urlsplit(base), {}

    def once() -> None:
        conn = http.client.HTTPConnection(host.hostname, host.port)
        conn.request("GET", path, headers={"Authorization": f"Bearer {token}",
                                           "Accept-Encoding": "gzip"})
        resp = conn.getresponse()
        body = resp.read()
        conn.close()
        assert resp.status == 200, (path, resp.status, body[:200])
        zipped = resp.getheader("Content-Encoding") == "gzip"
        got.update(wire=len(body), raw=gzip.decompress(body) if zipped else body)
    return median_ms(once), got["raw"], got["wire"]


def raw_ms(dsn: str, sql: str, params: dict) -> float:
    """Return the median time (ms) of the bare SELECT on one connection."""
    with psycopg.connect(dsn, prepare_threshold=None) as conn:
        return median_ms(lambda: conn.execute(sql, params).fetchall())


def cases(street_centre: tuple[float, float]) -> list[tuple[str, str | None, int, tuple]]:
    """Return (who, scope, zoom, bbox) of the measured views."""
    return [(who, scope, zoom, view_bbox(*(CITY_CENTRE if zoom == 12 else street_centre),
                                         zoom))
            for who, scope in (("street supervisor", STREET), ("city-wide leader", None))
            for zoom in (12, 15, 17)]


def measure(session: Session, dsn: str, base: str, logins: dict, centre: tuple) -> list:
    """Return the table rows: per case, HTTP time and bytes, function time, raw SELECT."""
    rows = []
    for who, scope, zoom, bbox in cases(centre):
        user, token = logins[scope]
        query = urlencode({"zoom": zoom, "bbox": ",".join(map(str, bbox))})
        ms, body, wire = fetch(base, f"/api/v1/demands/map?{query}", token)
        out = json.loads(body)
        kind, n, raw = f"{out['kind']} {out['cell'] or ''}".strip(), len(out["features"]), \
            len(body)
        f = DemandFilter(bbox=bbox, states=map_layer.MAPPED)
        fn = median_ms(partial(map_layer.demand_map, session, for_user(user), f, zoom))
        x0, y0, x1, y1 = bbox
        dx = map_layer.CELL_PX * 360 / (256 * 2 ** zoom)
        params = {"scope": (scope or "") + "%", "x0": x0, "y0": y0, "x1": x1, "y1": y1,
                  "dx": dx, "dy": dx * math.cos(math.radians((y0 + y1) / 2))}
        bare = "point" if out["kind"] == "point" else "bin" if out["cell"] == "bin" else "unit"
        raw_time = raw_ms(dsn, RAW[bare], params)
        label = {"point": "points SELECT", "bin": "floor binning",
                 "unit": "count by stored grid_id"}[bare]
        met = wire < 100_000 and ms < 300 if zoom == 12 else "—"
        rows.append((f"{who}, z{zoom}: {kind}, {n} features",
                     f"HTTP {ms:.0f} ms (demand_map() {fn:.0f} ms); {raw / 1000:.1f} KB raw, "
                     f"{wire / 1000:.1f} KB gzip",
                     f"{label} {raw_time:.0f} ms", "z12: < 100 KB gzip, < 300 ms", met))
    return rows


def header(session: Session, synthetic: int, filled: float) -> tuple[float, float]:
    """Print the run's first line; return the centre (lon, lat) of STREET."""
    counts = session.execute(text(
        "SELECT count(*), count(*) FILTER (WHERE grid_code LIKE :s || '%') "
        "FROM demands WHERE state <> 'merged'"), {"s": STREET}).one()
    centre = session.execute(text(
        "SELECT ST_X(c), ST_Y(c) FROM (SELECT ST_Centroid(ST_Extent(geom)) AS c "
        "FROM grids WHERE valid_to IS NULL AND code LIKE :s || '%') e"), {"s": STREET}).one()
    print(f"# bench/demand_map.py — {date.today()} — {machine()} — {counts[1]:,} "
          f"demands in street {STREET}, {counts[0]:,} in the city ({synthetic:,} synthetic, "
          f"filled in {filled:.1f} s) — view {VIEW[0]}×{VIEW[1]} px padded {PAD:.0%} each "
          f"side — median of {RUNS} — load average {os.getloadavg()[0]:.1f}")
    return tuple(centre)


def scope_rows(base: str, logins: dict) -> list[tuple]:
    """Return the table rows of GET …/map/scope for both logins."""
    rows = []
    for scope, who in ((STREET, "street supervisor"), (None, "city-wide leader")):
        ms, body, wire = fetch(base, "/api/v1/demands/map/scope", logins[scope][1])
        rows.append((f"{who}: GET …/map/scope (figures + outline)",
                     f"HTTP {ms:.0f} ms; {len(body) / 1000:.1f} KB raw, "
                     f"{wire / 1000:.1f} KB gzip", "—", "—", "—"))
    return rows


def clean_up(session: Session, logins: dict, keep: bool) -> None:
    """Remove the run's logins and, unless `keep`, the synthetic demands."""
    session.rollback()
    for user, _ in logins.values():
        session.execute(text("DELETE FROM api_tokens WHERE user_id = :u"), {"u": user.id})
        session.execute(text("DELETE FROM users WHERE id = :u"), {"u": user.id})
    if not keep:
        session.execute(text("DELETE FROM demands WHERE code LIKE :p || '%'"), {"p": PREFIX})
    session.commit()


def main() -> None:
    """Fill, measure, print the table, clean up."""
    conf = settings.load()
    dsn = make_url(conf.database_url).set(drivername="postgresql").render_as_string(False)
    with Session(make_engine(conf.database_url)) as session:
        logins = {}
        try:
            t = time.perf_counter()
            synthetic = fill(session)
            filled = time.perf_counter() - t
            logins = add_logins(session, "bench_map", STREET)
            centre = header(session, synthetic, filled)
            with served_app(2, 1) as base:
                rows = measure(session, dsn, base, logins, centre) + scope_rows(base, logins)
            print_table(f"staff demand map data at {datetime.now(UTC):%H:%M} UTC", rows)
            print(f"\nload average after the run {os.getloadavg()[0]:.1f}")
        finally:
            clean_up(session, logins, "--keep" in sys.argv)


if __name__ == "__main__":
    main()
