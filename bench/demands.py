"""Benchmark: demand intake over HTTP under 32 concurrent clients, and `flask demands import`
of 1M rows, each beside a raw psycopg/PostGIS/geopandas baseline measured in the same run.

Run with `.venv/bin/python bench/demands.py` against GRIDGOV_DATABASE_URL with the demo city
loaded (`flask db upgrade && flask demo load --if-empty`). Everything it creates is deleted.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import sys
import tempfile
import threading
import time
from datetime import date
from pathlib import Path
from urllib.parse import urlsplit

import numpy as np
import psycopg
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import demands_import  # noqa: E402
from bench.common import ROOT, machine, percentile, print_table, served_app  # noqa: E402
from bench.locate import sample_points  # noqa: E402
from gis import settings  # noqa: E402
from gis.db import make_engine  # noqa: E402
from grids.locate import GridIndex  # noqa: E402

CATEGORIES = ("1001", "0103", "1403", "0403", "1101", "1302", "1602")
RAW_INSERT = (
    "INSERT INTO demands (code, title, category_code, state, source, geom, input_crs, "
    "grid_id, grid_code, deadline) SELECT %(code)s, %(title)s, '1001', 'received', 'other', "
    "p.g, 'wgs84', g.id, g.code, now() + interval '24 hours' FROM (SELECT ST_SetSRID("
    "ST_MakePoint(%(lon)s, %(lat)s), 4326) AS g) AS p JOIN grids g ON g.valid_to IS NULL AND "
    "ST_Covers(g.geom, p.g) ORDER BY g.code LIMIT 1")


def raw_insert_latencies(dsn: str, marker: str, lons, lats) -> list[float]:
    """Return per-statement latencies (ms) of a raw autocommitted INSERT with a grid lookup."""
    out = []
    with psycopg.connect(dsn, autocommit=True) as conn:
        for i, (lon, lat) in enumerate(zip(lons, lats, strict=True)):
            t = time.perf_counter()
            conn.execute(RAW_INSERT, {"code": f"RB{os.getpid() % 10000:04d}-{i:06d}",
                                      "title": marker, "lon": float(lon), "lat": float(lat)})
            out.append((time.perf_counter() - t) * 1000)
    return out


class Clients:
    """Concurrent HTTP clients creating demands; what each got back."""

    def __init__(self, base: str, marker: str, lons, lats) -> None:
        self.host = urlsplit(base)
        self.marker, self.lons, self.lats = marker, lons, lats
        self.lock = threading.Lock()
        self.latencies: list[float] = []
        self.codes: list[str] = []
        self.failures: dict[str, int] = {}

    def _body(self, rng: np.random.Generator) -> bytes:
        i = int(rng.integers(len(self.lons)))
        return json.dumps({"title": self.marker, "category": str(rng.choice(CATEGORIES)),
                           "lon": float(self.lons[i]), "lat": float(self.lats[i]),
                           "source": "online_group", "description": "压测"}).encode()

    def _one(self, conn: http.client.HTTPConnection, body: bytes) -> tuple[int, bytes]:
        conn.request("POST", "/api/v1/demands", body,
                     {"Content-Type": "application/json"})
        resp = conn.getresponse()
        return resp.status, resp.read()

    def _record(self, status: int, data: bytes, elapsed: float, record: bool) -> None:
        with self.lock:
            if status == 201:
                self.codes.append(json.loads(data)["code"])
                if record:
                    self.latencies.append(elapsed)
            else:
                key = f"{status} {data[:80]!r}"
                self.failures[key] = self.failures.get(key, 0) + 1

    def run(self, seed: int, until: float, record: bool, interval: float = 0.0) -> None:
        """Post demands on one keep-alive connection until `until` (perf_counter), one every
        `interval` seconds when given (open loop), else back to back (closed loop)."""
        rng = np.random.default_rng(seed)
        conn = http.client.HTTPConnection(self.host.hostname, self.host.port, timeout=30)
        next_at = time.perf_counter() + rng.uniform(0, interval)
        while time.perf_counter() < until:
            if interval:
                time.sleep(max(0.0, next_at - time.perf_counter()))
                next_at += interval
            body = self._body(rng)
            t = time.perf_counter()
            try:
                status, data = self._one(conn, body)
            except (OSError, http.client.HTTPException) as err:
                status, data = 0, repr(err).encode()
                conn.close()
                conn = http.client.HTTPConnection(self.host.hostname, self.host.port, timeout=30)
            self._record(status, data, (time.perf_counter() - t) * 1000, record)
        conn.close()

    def load(self, clients: int, seconds: float, record: bool = True,
             rate: float | None = None) -> float:
        """Run `clients` threads for `seconds` (offering `rate` requests/s in all when given);
        return the measured wall time."""
        until = time.perf_counter() + seconds
        interval = clients / rate if rate else 0.0
        threads = [threading.Thread(target=self.run, args=(n, until, record, interval))
                   for n in range(clients)]
        start = time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        return time.perf_counter() - start


def check_and_clean(dsn: str, marker: str, codes: list[str]) -> tuple[int, int, int]:
    """Return (stored acknowledged, stored more than once, stored but not acknowledged) for
    the run's demands, then delete them and their events (events are append-only)."""
    with psycopg.connect(dsn) as conn:
        counts = dict(conn.execute("SELECT code, count(*) FROM demands WHERE title = %s "
                                   "GROUP BY code", (marker,)).fetchall())
        acked = set(codes)
        stored = sum(1 for c in acked if counts.get(c) == 1)
        twice = sum(1 for c in acked if counts.get(c, 0) > 1) + len(codes) - len(acked)
        extra = sum(n for c, n in counts.items() if c not in acked)
        conn.execute("SET LOCAL session_replication_role = replica")
        conn.execute("DELETE FROM demand_events WHERE demand_id IN (SELECT id FROM demands "
                     "WHERE title = %s)", (marker,))
        conn.execute("DELETE FROM demands WHERE title = %s", (marker,))
    return stored, twice, extra


def raw_clean(dsn: str, marker: str) -> None:
    """Delete the raw baseline's rows."""
    with psycopg.connect(dsn) as conn:
        conn.execute("DELETE FROM demands WHERE title = %s", (marker,))


def http_bench(dsn: str, index: GridIndex, args: argparse.Namespace) -> None:
    """Measure concurrent intake over HTTP beside raw INSERTs; check nothing is lost."""
    marker = f"bench-http-{os.getpid()}-{int(time.time())}"
    lons, lats = sample_points(index, 20_000, seed=5)
    raw = raw_insert_latencies(dsn, marker + "-raw", lons[:2000], lats[:2000])
    raw_clean(dsn, marker + "-raw")
    clients = Clients("", marker, lons, lats)
    with served_app(args.workers, args.threads) as base:
        clients.host = urlsplit(base)
        clients.load(args.clients, 3, record=False)  # warm-up; its demands are checked too
        warm = len(clients.codes)
        wall = clients.load(args.clients, args.seconds)
        done = len(clients.codes) - warm
        rate, lat = done / wall, clients.latencies
        clients.latencies = []
        offered = args.rate or round(rate / 2)
        before = len(clients.codes)
        paced_wall = clients.load(args.clients, args.seconds / 2, rate=offered)
        paced = clients.latencies
        achieved = (len(clients.codes) - before) / paced_wall
    stored, twice, extra = check_and_clean(dsn, marker, clients.codes)
    _http_table(args, rate, lat, raw, (offered, achieved, paced),
                (len(set(clients.codes)), stored, twice, extra))
    if clients.failures:
        print(f"\nnon-201 answers: {clients.failures}")


def _http_table(args: argparse.Namespace, rate: float, lat: list[float], raw: list[float],
                open_loop: tuple[int, float, list[float]],
                counts: tuple[int, int, int, int]) -> None:
    """Print the HTTP table."""
    (offered, achieved, paced), (acked, stored, twice, extra) = open_loop, counts
    p50, p95 = percentile(lat, 50), percentile(lat, 95)
    lost = acked - stored
    print_table(f"HTTP POST /api/v1/demands, {args.clients} clients × {args.seconds:g} s "
                f"back to back, "
                f"gunicorn {args.workers} workers × {args.threads} threads", [
        ("requests/s (201)", f"{rate:.0f}", "—", "≥ 400", rate >= 400),
        ("latency p50", f"{p50:.1f} ms", f"raw INSERT + grid lookup p50 "
         f"{percentile(raw, 50):.2f} ms", "—", True),
        ("latency p95", f"{p95:.1f} ms", f"raw p95 {percentile(raw, 95):.2f} ms", "< 50 ms",
         p95 < 50),
        (f"{args.clients} clients offering {offered} requests/s: answered/s, p50 / p95",
         f"{achieved:.0f}/s, {percentile(paced, 50):.1f} / {percentile(paced, 95):.1f} ms",
         "—", "≥ 400/s, p95 < 50 ms", achieved >= 0.98 * offered >= 392
         and percentile(paced, 95) < 50),
        ("acknowledged stored exactly once", f"{stored}/{acked} "
         f"(lost {lost}, twice {twice}, unacknowledged {extra})", "—", "all, nothing else",
         lost == twice == extra == 0),
    ])


def main() -> None:
    """Run the measurements and print the tables."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)  # as `make run`
    parser.add_argument("--rate", type=int, default=400,
                        help="requests/s offered in the open-loop phase (0: half the measured)")
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--skip-http", action="store_true")
    parser.add_argument("--skip-import", action="store_true")
    args = parser.parse_args()
    conf = settings.load()
    dsn = make_url(conf.database_url).set(drivername="postgresql").render_as_string(False)
    with Session(make_engine(conf.database_url)) as s:
        index = GridIndex.load(s)
    print(f"# bench/demands.py — {date.today()} — {machine()} — {len(index.codes)} grids")
    if not args.skip_http:
        http_bench(dsn, index, args)
    if not args.skip_import:
        with tempfile.TemporaryDirectory() as tmp:
            demands_import.run(dsn, index, args.rows, Path(tmp), ROOT)


if __name__ == "__main__":
    main()
