"""Map pages and their layer data: page HTML bytes and server time, each layer URL's bytes
(raw / gzip), server time and a 304 revalidation's time, beside a raw PostGIS baseline
(ST_AsGeoJSON of the same grids). Runs the app in-process (Flask test client) on the served
database (GRIDGOV_DATABASE_URL), logged in as its first admin for the staff pages.

    .venv/bin/python bench/maps.py [runs]
"""

from __future__ import annotations

import statistics
import sys
import time

from sqlalchemy import text

from web import create_app

ROOT_PAGES = ("/map", "/grids/{code}", "/members", "/dispatch")
LAYERS = ("/api/v1/map/grids", "/api/v1/map/grids/{code}", "/api/v1/map/districts",
          "/api/v1/map/rivers", "/api/v1/stations?per_page=1000", "/api/v1/members/map",
          "/report/outlines.json")
GZIP = {"Accept-Encoding": "gzip"}


def timed(client, url: str, runs: int, headers: dict | None = None):
    """Return (median ms over `runs` after one warm-up, the last response)."""
    client.get(url, headers=headers)
    times, resp = [], None
    for _ in range(runs):
        t = time.perf_counter()
        resp = client.get(url, headers=headers)
        times.append((time.perf_counter() - t) * 1000)
    return statistics.median(times), resp


def baseline(engine, runs: int) -> tuple[float, int]:
    """Return (median ms, bytes) of SELECT ST_AsGeoJSON(geom, 6) for every current grid."""
    sql = text("SELECT ST_AsGeoJSON(geom, 6) FROM grids WHERE valid_to IS NULL ORDER BY code")
    times, size = [], 0
    with engine.connect() as conn:
        for _ in range(runs + 1):
            t = time.perf_counter()
            rows = conn.execute(sql).scalars().all()
            times.append((time.perf_counter() - t) * 1000)
            size = sum(len(r) for r in rows)
    return statistics.median(times[1:]), size


def logged_in_client(app):
    """Return a test client whose session is the first active admin's."""
    client = app.test_client()
    with app.app_context():
        from gis.db import make_engine
        engine = make_engine(app.config["DATABASE_URL"])
        with engine.connect() as conn:
            admin = conn.execute(text("SELECT id FROM users WHERE role = 'admin' AND active "
                                      "ORDER BY id LIMIT 1")).scalar_one()
            code = conn.execute(text("SELECT code FROM grids WHERE valid_to IS NULL "
                                     "ORDER BY code OFFSET 100 LIMIT 1")).scalar_one()
    with client.session_transaction() as session:
        session["_user_id"], session["_fresh"] = str(admin), True
    return client, engine, code


def main(runs: int = 5) -> None:
    """Print the pages' and layers' table, then the PostGIS baseline."""
    app = create_app()
    client, engine, code = logged_in_client(app)
    print(f"| page | HTML bytes | gzip bytes | server ms (median of {runs}) |")
    print("|---|---:|---:|---:|")
    for page in ROOT_PAGES:
        url = page.format(code=code)
        ms, plain = timed(client, url, runs)
        zipped = client.get(url, headers=GZIP)
        assert plain.status_code == 200, (url, plain.status_code)
        print(f"| {page} | {len(plain.data):,} | {len(zipped.data):,} | {ms:.1f} |")
    print()
    print("| layer URL | raw bytes | gzip bytes | server ms | 304 ms | Cache-Control |")
    print("|---|---:|---:|---:|---:|---|")
    for layer in LAYERS:
        url = layer.format(code=code)
        ms, plain = timed(client, url, runs)
        zipped = client.get(url, headers=GZIP)
        again = {**GZIP, "If-None-Match": client.get(url, headers=GZIP).headers["ETag"]}
        ms304, not_modified = timed(client, url, runs, again)
        if not_modified.status_code != 304:  # the data changed meanwhile (members' ages)
            ms304, not_modified = timed(client, url, 1, {
                **GZIP, "If-None-Match": client.get(url, headers=GZIP).headers["ETag"]})
        print(f"| {layer} | {len(plain.data):,} | {len(zipped.data):,} | {ms:.1f} | "
              f"{ms304:.1f} | {plain.headers['Cache-Control']} |")
    ms, size = baseline(engine, runs)
    print()
    print(f"PostGIS baseline: SELECT ST_AsGeoJSON(geom, 6) of the current grids: {ms:.1f} ms, "
          f"{size:,} bytes of geometry (unsimplified)")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 5)
