"""Benchmark: dispatch candidates (派单候选) for 2,000 demands over ≥ 20k members, through the
platform (function and HTTP) beside a raw PostGIS KNN query with a department filter.

Run with `.venv/bin/python bench/dispatch.py` against GRIDGOV_DATABASE_URL after
`flask db upgrade && flask demo load --if-empty`. It tops the members up to 20k, files 2,000
demands and a dispatcher token for the run, and removes all of them afterwards.
"""

from __future__ import annotations

import os
import sys
import time
from datetime import date
from pathlib import Path

import numpy as np
import psycopg
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.cleanup import clean_up, counter_today, vacuum  # noqa: E402
from bench.common import (  # noqa: E402
    get_latencies,
    host_factor,
    machine,
    percentile,
    print_table,
    scaled,
    served_app,
    verdict,
)
from gis import settings  # noqa: E402
from gis.db import make_engine  # noqa: E402
from grids.locate import GridIndex  # noqa: E402
from layers.access import tokens, users
from layers.access.actors import for_user  # noqa: E402
from layers.demands import store as demands
from layers.demands.dispatch import candidates
from layers.demands.fields import DemandInput  # noqa: E402
from layers.demands.rules import Rules  # noqa: E402
from layers.demo import people as demo_people

CALLS = 2000
MEMBERS = 20_000
LIMIT = 10
SEED = 4242
USER = "bench_dispatch"
PASSWORD = "bench-dispatch-password"
FLOOR = "/api/v1/locate?lon=131.0031&lat=45.7711"  # one point lookup: HTTP + session cost
REFERENCE_RAW_P50 = 0.4  # ms: the issue's raw KNN + department figure, the host of the target
RAW_SQL = (
    "SELECT id, ST_Distance(position::geography, q.p) FROM members, "
    "(SELECT ST_SetSRID(ST_MakePoint(%s, %s), 4326)::geography AS p) AS q "
    "WHERE active AND position IS NOT NULL AND kind = 'professional' AND department_code = %s "
    "ORDER BY position::geography <-> q.p LIMIT 10")


def top_up(session: Session, target: int) -> list[int]:
    """Add demo members until there are `target`; return the ids added (committed)."""
    have, last = session.execute(text("SELECT count(*), coalesce(max(id), 0) FROM members")).one()
    if have >= target:
        return []
    grids = session.execute(text("SELECT count(*) FROM grids WHERE valid_to IS NULL")).scalar()
    professional = 300  # per department: 3,000 more professional members
    part_time = max(0, target - have - 2 * grids - 10 * professional)
    demo_people.load(session, seed=SEED, scale={"part_time": part_time, "volunteer": 0,
                                                "rider": 0, "professional_per_dept": professional})
    session.commit()
    return list(session.execute(text("SELECT id FROM members WHERE id > :m"), {"m": last})
                .scalars())


def file_demands(session: Session, n: int, actor) -> list[tuple[str, float, float, str]]:
    """File n demands at random points inside the grids; return (code, lon, lat, dept)."""
    rng = np.random.default_rng(SEED)
    index = GridIndex.load(session)
    geoms = index.geoms[rng.integers(0, len(index.geoms), n)]
    xy = demo_people.points_in(geoms, rng)
    cats = session.execute(text("SELECT code, department_code FROM categories "
                                "WHERE parent_code IS NOT NULL AND active ORDER BY code")).all()
    rules, out = Rules(duplicate_radius_m=0.0), []
    for i in range(n):
        code, dep = cats[int(rng.integers(0, len(cats)))]
        data = DemandInput(title="压测诉求", description="", category_code=code, source="other",
                           lon=float(xy[i, 0]), lat=float(xy[i, 1]), crs="wgs84",
                           grid_code=None, address="", reporter_name=None, reporter_phone=None)
        made = demands.create_demand(session, data, actor, rules)
        out.append((made["code"], made["lon"], made["lat"], dep))
    session.commit()
    return out


SERVED = (2, 4)  # gunicorn workers × threads, as `make run` serves the app


def function_latencies(session: Session, codes: list[str]) -> list[float]:
    """Return per-call latencies (ms) of layers.demands.dispatch.candidates.candidates."""
    out = []
    for code in codes:
        t = time.perf_counter()
        candidates.candidates(session, code, LIMIT)
        out.append((time.perf_counter() - t) * 1000)
    session.rollback()
    return out


def http_latencies(base: str, paths: list[str], token: str,
                   keep_alive: bool = False) -> list[float]:
    """Return per-call latencies (ms) of GETs of `paths` with the dispatcher's token."""
    return get_latencies(base, paths, {"Authorization": f"Bearer {token}"}, keep_alive)


def raw_latencies(dsn: str, rows: list[tuple[str, float, float, str]]) -> list[float]:
    """Return per-query latencies (ms) of a raw KNN on geography with a department filter."""
    out = []
    with psycopg.connect(dsn, prepare_threshold=0) as conn:
        for _code, lon, lat, dep in rows:
            t = time.perf_counter()
            conn.execute(RAW_SQL, (lon, lat, dep)).fetchall()
            out.append((time.perf_counter() - t) * 1000)
    return out


def measure(session: Session, dsn: str, rows: list, token: str) -> list[tuple]:
    """Return the table rows: function, HTTP and raw KNN latencies over the demands."""
    codes = [r[0] for r in rows]
    paths = [f"/api/v1/demands/{code}/candidates?limit={LIMIT}" for code in codes]
    function_latencies(session, codes[:100])  # warm-up
    func = function_latencies(session, codes)
    raw = raw_latencies(dsn, rows)
    with served_app(*SERVED) as base:
        http_latencies(base, paths[:100], token)  # warm-up
        api = http_latencies(base, paths, token)
        kept = http_latencies(base, paths, token, keep_alive=True)
        floor = http_latencies(base, [FLOOR] * len(paths), token)
    r50, r95 = percentile(raw, 50), percentile(raw, 95)
    raw50, raw95 = f"KNN + department p50 {r50:.2f} ms", f"KNN + department p95 {r95:.2f} ms"
    f50, f95, h50, h95 = (percentile(func, 50), percentile(func, 95), percentile(api, 50),
                          percentile(api, 95))
    factor = host_factor(r50, REFERENCE_RAW_P50)
    k95 = percentile(kept, 95)
    return [
        ("candidates() p50", f"{f50:.2f} ms", raw50, "—", True),
        ("candidates() p95", f"{f95:.2f} ms", raw95, "—", True),
        ("HTTP GET …/candidates p50", f"{h50:.2f} ms", raw50, "—", True),
        ("HTTP GET …/candidates p95", f"{h95:.2f} ms", raw95, scaled(5, factor),
         verdict(h95, 5, factor)),
        ("HTTP kept-alive connection (the dispatcher's page) p50 / p95",
         f"{percentile(kept, 50):.2f} / {k95:.2f} ms", raw95, "p95 " + scaled(5, factor),
         verdict(k95, 5, factor)),
        ("HTTP floor: GET /api/v1/locate p50 / p95 (same server)",
         f"{percentile(floor, 50):.2f} / {percentile(floor, 95):.2f} ms", "—", "—", True),
    ]


def main() -> None:
    """Set up, measure, print the table, clean up."""
    conf = settings.load()
    dsn = make_url(conf.database_url).set(drivername="postgresql").render_as_string(False)
    codes, members, user_id, added = [], [], None, 0
    engine = make_engine(conf.database_url)
    with Session(engine) as session:
        before = counter_today(session)
        try:
            members = top_up(session, MEMBERS)
            user = users.create_user(session, USER, "dispatcher", PASSWORD)
            user_id, token = user.id, tokens.issue_token(session, USER)
            session.commit()
            rows = file_demands(session, CALLS, for_user(user))
            codes, added = [r[0] for r in rows], len(rows)
            vacuum(engine, ("members", "member_grids", "demands"))  # fresh statistics
            total = session.execute(text("SELECT count(*) FROM members")).scalar()
            print(f"# bench/dispatch.py — {date.today()} — {machine()} — {total} members, "
                  f"{CALLS} demands, limit {LIMIT} — load average before the run "
                  f"{os.getloadavg()[0]:.1f}")
            print_table(f"candidates for one demand ({CALLS} demands)",
                        measure(session, dsn, rows, token))
            print(f"\nload average after the run {os.getloadavg()[0]:.1f}")
        finally:
            print("\n" + clean_up(session, codes, members, user_id, (before, added)))
            vacuum(engine)


if __name__ == "__main__":
    main()
