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
from bench.common import (  # noqa: E402
    ROOT,
    host_factor,
    machine,
    percentile,
    print_table,
    scaled,
    served_app,
    verdict,
)
from bench.locate import sample_points  # noqa: E402
from gis import settings  # noqa: E402
from gis.db import make_engine  # noqa: E402
from grids.locate import GridIndex  # noqa: E402

REFERENCE_RAW_P50 = 0.22  # ms: the raw INSERT + grid lookup, the host of the targets
TARGET_RATE, TARGET_P95 = 400, 50  # requests/s, ms
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


def raw_baseline(dsn: str, index: GridIndex) -> list[float]:
    """Return the latencies (ms) of 2,000 raw INSERTs with a grid lookup (rows deleted)."""
    marker = f"bench-raw-{os.getpid()}-{int(time.time())}"
    lons, lats = sample_points(index, 2000, seed=7)
    try:
        return raw_insert_latencies(dsn, marker, lons, lats)
    finally:
        raw_clean(dsn, marker)


def http_bench(dsn: str, index: GridIndex, args: argparse.Namespace, raw: list[float]) -> None:
    """Measure concurrent intake over HTTP beside raw INSERTs; check nothing is lost."""
    marker = f"bench-http-{os.getpid()}-{int(time.time())}"
    lons, lats = sample_points(index, 20_000, seed=5)
    factor = host_factor(percentile(raw, 50), REFERENCE_RAW_P50)
    clients = Clients("", marker, lons, lats)
    with served_app(args.workers, args.threads) as base:
        clients.host = urlsplit(base)
        clients.load(args.clients, 3, record=False)  # warm-up; its demands are checked too
        warm = len(clients.codes)
        wall = clients.load(args.clients, args.seconds)
        rate, lat = (len(clients.codes) - warm) / wall, clients.latencies
        offers = [args.rate or TARGET_RATE]
        if factor > 1 and not args.rate:
            offers.append(round(TARGET_RATE / factor))  # the target rate scaled to this host
        paced = [_paced(clients, args, offered) for offered in offers]
    stored, twice, extra = check_and_clean(dsn, marker, clients.codes)
    _http_table(args, factor, rate, lat, raw, paced,
                (len(set(clients.codes)), stored, twice, extra))
    if clients.failures:
        print(f"\nnon-201 answers: {clients.failures}")


def _paced(clients: Clients, args: argparse.Namespace, offered: int) -> tuple[int, float, list]:
    """Offer `offered` requests/s for half the run; return (offered, answered/s, latencies)."""
    clients.latencies = []
    before = len(clients.codes)
    wall = clients.load(args.clients, args.seconds / 2, rate=offered)
    return offered, (len(clients.codes) - before) / wall, clients.latencies


def _paced_verdict(as_written_row: bool, as_written: bool, here: bool) -> str:
    """Return a paced row's verdict: the as-written row against the target and, failing it,
    the scaled one; the scaled row against its own (scaled) target."""
    if not as_written_row:
        return "yes (scaled)" if here else "NO (scaled)"
    return "yes" if as_written else ("NO (yes scaled to this host)" if here else "NO")


def _http_table(args: argparse.Namespace, factor: float, rate: float, lat: list[float],
                raw: list[float], paced: list[tuple[int, float, list[float]]],
                counts: tuple[int, int, int, int]) -> None:
    """Print the HTTP table; targets as written and scaled by this host's raw baseline."""
    acked, stored, twice, extra = counts
    p50, p95 = percentile(lat, 50), percentile(lat, 95)
    lost = acked - stored
    both = f"≥ {TARGET_RATE}/s, p95 < {TARGET_P95} ms"
    rows = [
        ("requests/s (201)", f"{rate:.0f}", "—", scaled(TARGET_RATE, factor, "/s", most=False),
         verdict(rate, TARGET_RATE, factor, most=False)),
        ("latency p50", f"{p50:.1f} ms", f"raw INSERT + grid lookup p50 "
         f"{percentile(raw, 50):.2f} ms (issue: {REFERENCE_RAW_P50} ms)", "—", "—"),
        ("latency p95", f"{p95:.1f} ms", f"raw p95 {percentile(raw, 95):.2f} ms",
         scaled(TARGET_P95, factor), verdict(p95, TARGET_P95, factor)),
    ]
    for offered, answered, got in paced:
        q95 = percentile(got, 95)
        kept_up = answered >= 0.98 * offered
        as_written = offered >= TARGET_RATE and kept_up and q95 < TARGET_P95
        here = (offered >= TARGET_RATE / factor - 1 and kept_up
                and q95 < TARGET_P95 * factor)
        label = "as written" if offered >= TARGET_RATE else f"scaled to this host ×{factor:.1f}"
        rows.append((
            f"{args.clients} clients offering {offered} requests/s ({label}): answered/s, "
            "p50 / p95", f"{answered:.0f}/s, {percentile(got, 50):.1f} / {q95:.1f} ms", "—",
            both if offered >= TARGET_RATE else f"≥ {offered}/s, p95 < "
            f"{TARGET_P95 * factor:.0f} ms", _paced_verdict(offered >= TARGET_RATE, as_written,
                                                            here)))
    rows.append(("acknowledged stored exactly once", f"{stored}/{acked} "
                 f"(lost {lost}, twice {twice}, unacknowledged {extra})", "—",
                 "all, nothing else", lost == twice == extra == 0))
    print_table(f"HTTP POST /api/v1/demands, {args.clients} clients × {args.seconds:g} s "
                f"back to back, gunicorn {args.workers} workers × {args.threads} threads; "
                f"this host is ×{factor:.1f} the issue's raw baseline", rows)


def main() -> None:
    """Run the measurements and print the tables."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)  # as `make run`
    parser.add_argument("--rate", type=int, default=0,
                        help="requests/s offered in the open-loop phase (0: the target, "
                             "then the target scaled to this host)")
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--skip-http", action="store_true")
    parser.add_argument("--skip-import", action="store_true")
    args = parser.parse_args()
    conf = settings.load()
    dsn = make_url(conf.database_url).set(drivername="postgresql").render_as_string(False)
    with Session(make_engine(conf.database_url)) as s:
        index = GridIndex.load(s)
    raw = raw_baseline(dsn, index)
    factor = host_factor(percentile(raw, 50), REFERENCE_RAW_P50)
    print(f"# bench/demands.py — {date.today()} — {machine()} — {len(index.codes)} grids — "
          f"raw INSERT + grid lookup p50 {percentile(raw, 50):.2f} ms: this host is "
          f"×{factor:.1f} the issue's {REFERENCE_RAW_P50} ms")
    if not args.skip_http:
        http_bench(dsn, index, args, raw)
    if not args.skip_import:
        with tempfile.TemporaryDirectory() as tmp:
            demands_import.run(dsn, index, args.rows, Path(tmp), ROOT, factor)


if __name__ == "__main__":
    main()
