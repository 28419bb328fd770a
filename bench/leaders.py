"""Benchmark: the leaders' analyses at city scale — hot spots (GET /api/v1/hotspots), emerging
hot spots (GET /api/v1/hotspots/emerging), the heatmap (GET /api/v1/heat, five filters and
weekly), the choropleth (GET /api/v1/choropleth) and the rates of all communities for a year
(layers.reporting.rates) — each beside the bare PostGIS aggregate over the same rows
(`GROUP BY grid_id`, by week and grid, by community) timed in the same run.

Run with `.venv/bin/python bench/leaders.py [--demands 1000000]` against GRIDGOV_DATABASE_URL
after `flask db upgrade && flask demo load` — a scratch database (e.g. gridgov_bench_hot): it
adds that many synthetic demands (codes BL-…, spread over the grids by population with
ST_GeneratePoints, created over the last 365 days, realistic states) unless that many are
there, and keeps them for the next run (`--clean` removes them afterwards); a leader and a
street supervisor login live for the run only.
"""

from __future__ import annotations

import argparse
import gzip
import http.client
import json
import os
import statistics
import sys
import time
from datetime import UTC, date, datetime, timedelta
from functools import partial
from pathlib import Path
from urllib.parse import urlencode, urlsplit

from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import add_logins, machine, print_table, served_app  # noqa: E402
from bench.demand_map import fetch, median_ms, raw_ms  # noqa: E402
from gis import settings  # noqa: E402
from gis.contracts import check_query  # noqa: E402
from gis.db import make_engine  # noqa: E402
from gis.localtime import TZ  # noqa: E402
from gis.periods import report_period  # noqa: E402
from layers.access.actors import for_user  # noqa: E402
from layers.reporting import emerging, hotspots, rates  # noqa: E402

STREET = "230903016"  # 桃山街道, central Taoshan
PREFIX = "BL-"
TARGET_MS = 300
HEAT_TARGET_MS, HTTP_RUNS = 100, 20
_CAT = ("AND category_code IN (SELECT code FROM categories WHERE code = %(cat)s "
        "OR parent_code = %(cat)s) ")
HEAT = (  # (label, scope, query, extra SQL of the same rows)
    ("city", None, {}, ""), ("city, 大类 01", None, {"category": "01"}, _CAT),
    ("city, open", None, {"state": "open"},
     "AND state IN ('received', 'dispatched', 'signed', 'resolved', 'verified') "),
    ("city, source hotline", None, {"source": "hotline"}, "AND source = 'hotline' "),
    ("street 桃山", STREET, {}, "AND grid_code LIKE %(scope)s "))
CHOROPLETH = (("grid", "demands", "fisher_jenks"), ("community", "on_time_rate", "quantiles"),
              ("street", "per_1000", "fisher_jenks"))
_FILL = text("""
WITH g AS (SELECT id, code, geom, greatest(coalesce(population, 0), 1) AS w FROM grids
           WHERE valid_to IS NULL),
k AS (SELECT g.*, round(:n * w / sum(w) OVER ())::int AS k FROM g),
p AS (SELECT k.id, k.code, (ST_Dump(ST_GeneratePoints(k.geom, k.k, 7))).geom AS geom
      FROM k WHERE k.k > 0),
c AS (SELECT array_agg(code ORDER BY code) AS a FROM categories
      WHERE parent_code IS NOT NULL AND active),
r AS (SELECT p.*, row_number() OVER () AS i, random() AS s, random() AS t,
             c.a[1 + floor(random() * array_length(c.a, 1))::int] AS cat FROM p, c),
d AS (SELECT r.*, CASE WHEN s < 0.80 THEN 'closed' WHEN s < 0.84 THEN 'verified'
                       WHEN s < 0.88 THEN 'resolved' WHEN s < 0.94 THEN 'signed'
                       WHEN s < 0.97 THEN 'dispatched' ELSE 'received' END AS state,
             now() - t * interval '365 days' AS made FROM r)
INSERT INTO demands (code, title, description, category_code, state, source, geom, input_crs,
                     address, grid_id, grid_code, created_at, deadline, closed_at, overdue,
                     escalation_level)
SELECT :prefix || lpad(i::text, 8, '0'), '压测诉求', '', cat, state,
       (ARRAY['online_group','grid_visit','rider_snapshot','hotline','other'])[1 + i % 5],
       geom, 'wgs84', '', id, code, made, made + interval '7 days',
       CASE WHEN state = 'closed' THEN made + s * interval '6 days' END, false, 0
FROM d
""")
_LIVE = "FROM demands WHERE state <> 'merged' AND duplicate_of IS NULL "
_PERIOD = "AND created_at >= %(since)s AND created_at < %(until)s "
RAW = {
    "grid": f"SELECT grid_id, count(*) {_LIVE}{_PERIOD}GROUP BY grid_id",
    "street": f"SELECT grid_id, count(*) {_LIVE}{_PERIOD}AND grid_code LIKE %(scope)s "
              "GROUP BY grid_id",
    "week": ("SELECT date_trunc('week', created_at AT TIME ZONE 'Asia/Shanghai') AS w, "
             f"grid_id, count(*) {_LIVE}{_PERIOD}GROUP BY w, grid_id"),
    "community": f"SELECT left(grid_code, 12), count(*) {_LIVE}{_PERIOD}GROUP BY 1",
}


def fill(session: Session, n: int) -> int:
    """Make the synthetic BL- demands number about `n` (removing and refilling otherwise);
    return how many there are."""
    count = partial(session.execute, text("SELECT count(*) FROM demands WHERE code LIKE :p"),
                    {"p": PREFIX + "%"})
    have = count().scalar()
    if abs(have - n) > n * 0.01:
        session.execute(text("DELETE FROM demands WHERE code LIKE :p"), {"p": PREFIX + "%"})
        session.execute(text("SELECT setseed(0.14)"))
        session.execute(_FILL, {"n": n, "prefix": PREFIX})
        session.commit()
        with session.get_bind().connect().execution_options(
                isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE demands"))
    return count().scalar()


def spans(now: datetime) -> dict[str, tuple[datetime, datetime]]:
    """Return the measured periods: the last 90 days, the last 365 days, the 12 and 52 ISO
    weeks (Asia/Shanghai) to now."""
    monday = now.astimezone(TZ).date() - timedelta(days=now.astimezone(TZ).weekday())
    week = datetime.combine(monday + timedelta(weeks=1), datetime.min.time(), TZ)
    return {"90 days": (now - timedelta(days=90), now),
            "365 days": (now - timedelta(days=365), now),
            "12 weeks": (week - timedelta(weeks=12), week),
            "52 weeks": (week - timedelta(weeks=52), week)}


def hotspot_rows(session: Session, dsn: str, base: str, logins: dict, now: datetime) -> list:
    """Return the table rows of the hot spots: city (90 and 365 days) and one street."""
    rows, periods = [], spans(now)
    for who, scope, span in (("city", None, "90 days"), ("city", None, "365 days"),
                             ("street 桃山", STREET, "90 days")):
        since, until = periods[span]
        user, token = logins[scope]
        query = urlencode({"from": since.isoformat(), "to": until.isoformat()})
        ms, body, wire = fetch(base, f"/api/v1/hotspots?{query}", token)
        out = json.loads(body)
        f = check_query(hotspots.HotspotQuery, {"from": since.isoformat(),
                                                "to": until.isoformat()}).chosen(now)
        fn = median_ms(partial(hotspots.hotspots, session, for_user(user), f, now))
        raw = raw_ms(dsn, RAW["street" if scope else "grid"],
                     {"since": since, "until": until, "scope": f"{scope}%"})
        hot = sum(b["grids"] for b in out["legend"] if b["confidence"] == 99)
        rows.append((f"hotspots, {who}, {span}: {out['total']:,} demands, {out['grids']} "
                     f"grids, {hot} hot at 99 %",
                     f"HTTP {ms:.0f} ms (hotspots() {fn:.0f} ms); {len(body) / 1000:.0f} KB "
                     f"raw, {wire / 1000:.0f} KB gzip",
                     f"GROUP BY grid_id {raw:.0f} ms", f"≤ {TARGET_MS} ms", ms <= TARGET_MS))
    return rows


def emerging_rows(session: Session, dsn: str, base: str, logins: dict,
                  now: datetime) -> list:
    """Return the table rows of the emerging hot spots (city) over 12 and 52 weeks."""
    rows = []
    user, token = logins[None]
    for span in ("12 weeks", "52 weeks"):
        since, until = spans(now)[span]
        query = urlencode({"from": since.isoformat(), "to": until.isoformat()})
        ms, body, wire = fetch(base, f"/api/v1/hotspots/emerging?{query}", token)
        out = json.loads(body)
        f = check_query(hotspots.HotspotQuery, {"from": since.isoformat(),
                                                "to": until.isoformat()}).demand_filter()
        fn = median_ms(partial(emerging.emerging, session, for_user(user), f, now))
        raw = raw_ms(dsn, RAW["week"], {"since": since, "until": until})
        found = {b["label"]: b["grids"] for b in out["legend"] if b["grids"]}
        rows.append((f"emerging hotspots, city, {span}: {out['total']:,} demands; {found}",
                     f"HTTP {ms:.0f} ms (emerging() {fn:.0f} ms); {wire / 1000:.0f} KB gzip",
                     f"GROUP BY week, grid_id {raw:.0f} ms", "—", "—"))
    return rows


def rate_rows(session: Session, dsn: str, logins: dict, now: datetime) -> list:
    """Return the table row of the rates of all communities for this local year."""
    period = report_period(str(now.astimezone(TZ).year))
    actor = for_user(logins[None][0])
    fn = median_ms(partial(rates.rates, session, actor, "community", period,
                           rates.RateRules(), now))
    out = rates.rates(session, actor, "community", period, rates.RateRules(), now)
    raw = raw_ms(dsn, RAW["community"], {"since": period.start, "until": period.end})
    return [(f"rates, all {len(out['units'])} communities, year {period.label}: "
             f"{out['total']['received']:,} demands",
             f"rates() {fn:.0f} ms", f"GROUP BY community {raw:.0f} ms",
             f"≤ {TARGET_MS} ms", fn <= TARGET_MS)]


def percentiles(base: str, path: str, token: str) -> tuple[float, float, bytes]:
    """Return (p50 ms, p95 ms, body) of HTTP_RUNS gzip GETs (a new connection each, as
    fetch(), after one warm-up)."""
    host, times, body = urlsplit(base), [], b""
    for i in range(HTTP_RUNS + 1):
        t = time.perf_counter()
        conn = http.client.HTTPConnection(host.hostname, host.port)
        conn.request("GET", path, headers={"Authorization": f"Bearer {token}",
                                           "Accept-Encoding": "gzip"})
        resp = conn.getresponse()
        body = resp.read()
        conn.close()
        assert resp.status == 200, (path, resp.status, body[:200])
        if resp.getheader("Content-Encoding") == "gzip":
            body = gzip.decompress(body)
        if i:  # the first one warms the connection pool and caches
            times.append((time.perf_counter() - t) * 1000)
    return statistics.median(times), statistics.quantiles(times, n=20)[-1], body


def heat_rows(dsn: str, base: str, logins: dict, now: datetime) -> list:
    """Return the table rows of the heatmap: five filters over 90 days, and weekly 12 weeks."""
    rows = []
    since, until = spans(now)["90 days"]
    for label, scope, more, extra in HEAT:
        query = urlencode({"from": since.isoformat(), "to": until.isoformat(), **more})
        p50, p95, body = percentiles(base, f"/api/v1/heat?{query}", logins[scope][1])
        sql = RAW["grid"].replace("GROUP BY", extra + "GROUP BY")
        raw = raw_ms(dsn, sql, {"since": since, "until": until, "scope": f"{scope}%",
                                "cat": "01"})
        out = json.loads(body)
        rows.append((f"heat, {label}, 90 days: {out['total']:,} demands, "
                     f"{len(out['cells'])} cells", f"HTTP p50 {p50:.0f} / p95 {p95:.0f} ms; "
                     f"{len(body) / 1000:.0f} KB", f"GROUP BY grid_id {raw:.0f} ms",
                     f"p95 ≤ {HEAT_TARGET_MS} ms", p95 <= HEAT_TARGET_MS))
    since, until = spans(now)["12 weeks"]
    query = urlencode({"from": since.isoformat(), "to": until.isoformat(), "weekly": "true"})
    p50, p95, body = percentiles(base, f"/api/v1/heat?{query}", logins[None][1])
    raw = raw_ms(dsn, RAW["week"], {"since": since, "until": until})
    rows.append((f"heat, city, weekly, 12 weeks: {json.loads(body)['total']:,} demands",
                 f"HTTP p50 {p50:.0f} / p95 {p95:.0f} ms; {len(body) / 1000:.0f} KB",
                 f"GROUP BY week, grid_id {raw:.0f} ms", "—", "—"))
    return rows


def choropleth_rows(dsn: str, base: str, logins: dict, now: datetime) -> list:
    """Return the table rows of the choropleth (city, 90 days) per level and measure."""
    rows = []
    since, until = spans(now)["90 days"]
    for level, measure, scheme in CHOROPLETH:
        query = urlencode({"from": since.isoformat(), "to": until.isoformat(), "level": level,
                           "measure": measure, "scheme": scheme})
        p50, p95, body = percentiles(base, f"/api/v1/choropleth?{query}", logins[None][1])
        unit = "grid" if level == "grid" else "community"
        raw = raw_ms(dsn, RAW[unit], {"since": since, "until": until})
        out = json.loads(body)
        rows.append((f"choropleth, {level}, {measure}, {scheme}: {len(out['features'])} "
                     f"units, {out['title']}", f"HTTP p50 {p50:.0f} / p95 {p95:.0f} ms; "
                     f"{len(body) / 1000:.0f} KB", f"GROUP BY {unit} {raw:.0f} ms",
                     f"≤ {TARGET_MS} ms", p95 <= TARGET_MS))
    return rows


def cold_start(session: Session, logins: dict, now: datetime) -> float:
    """Return the ms of the first hot spot call in this process (imports of esda/libpysal,
    the coverage and its contiguity: once per worker)."""
    t = time.perf_counter()
    f = check_query(hotspots.HotspotQuery, {}).chosen(now)
    hotspots.hotspots(session, for_user(logins[None][0]), f, now)
    return (time.perf_counter() - t) * 1000


def clean_up(session: Session, logins: dict, clean: bool) -> None:
    """Remove the run's logins and, with `clean`, the synthetic demands."""
    session.rollback()
    for user, _ in logins.values():
        session.execute(text("DELETE FROM api_tokens WHERE user_id = :u"), {"u": user.id})
        session.execute(text("DELETE FROM users WHERE id = :u"), {"u": user.id})
    if clean:
        session.execute(text("DELETE FROM demands WHERE code LIKE :p"), {"p": PREFIX + "%"})
    session.commit()


def main() -> None:
    """Fill, measure, print the table, clean up."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--demands", type=int, default=1_000_000)
    parser.add_argument("--clean", action="store_true")
    args = parser.parse_args()
    conf = settings.load()
    dsn = make_url(conf.database_url).set(drivername="postgresql").render_as_string(False)
    with Session(make_engine(conf.database_url)) as session:
        logins = {}
        try:
            t = time.perf_counter()
            synthetic, filled = fill(session, args.demands), time.perf_counter() - t
            logins, now = add_logins(session, "bench_hot", STREET), datetime.now(UTC)
            cold = cold_start(session, logins, now)
            total = session.execute(text("SELECT count(*) FROM demands")).scalar()
            print(f"# bench/leaders.py — {date.today()} — {machine()} — {total:,} demands "
                  f"({synthetic:,} synthetic, ready in {filled:.1f} s) — first hot spot call "
                  f"in a process {cold:.0f} ms — load average {os.getloadavg()[0]:.1f}")
            with served_app(2, 1) as base:
                for _ in range(4):  # both workers pay their imports before the timing
                    fetch(base, "/api/v1/hotspots", logins[None][1])
                    fetch(base, "/api/v1/choropleth?level=community", logins[None][1])
                rows = (hotspot_rows(session, dsn, base, logins, now)
                        + emerging_rows(session, dsn, base, logins, now)
                        + heat_rows(dsn, base, logins, now)
                        + choropleth_rows(dsn, base, logins, now)
                        + rate_rows(session, dsn, logins, now))
            print_table(f"leaders' analyses at {datetime.now(UTC):%H:%M} UTC", rows)
            print(f"\nload average after the run {os.getloadavg()[0]:.1f}")
        finally:
            clean_up(session, logins, args.clean)


if __name__ == "__main__":
    main()
