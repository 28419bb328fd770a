"""Shared bench helpers: timing, percentiles, serving the app with gunicorn, the table."""

from __future__ import annotations

import http.client
import os
import platform
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent


def percentile(values: list[float], q: float) -> float:
    """Return the q-th percentile (0–100) of values (nearest rank)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered)) - 1))]


def median_of(fn, runs: int = 3) -> float:
    """Return the median wall time in seconds of calling fn() `runs` times."""
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def free_port() -> int:
    """Return a free TCP port on 127.0.0.1."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def served_app(workers: int = 2, threads: int = 1):
    """Serve app:app with gunicorn on loopback; yield its base URL; stop it afterwards."""
    port = free_port()
    cmd = [str(ROOT / ".venv/bin/gunicorn"), "--workers", str(workers), "--threads",
           str(threads), "--bind", f"127.0.0.1:{port}", "--log-level", "warning", "app:app"]
    proc = subprocess.Popen(cmd, cwd=ROOT, env=os.environ.copy())
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(base + "/api/v1/locate?lon=131.0031&lat=45.7711")
                break
            except OSError:
                time.sleep(0.1)
        yield base
    finally:
        proc.terminate()
        proc.wait(10)


def machine() -> str:
    """Return a one-line description of this machine."""
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return f"{os.cpu_count()} cores, {cpu}, {mem:.0f} GiB, Python {sys.version.split()[0]}"


def print_table(title: str, rows: list[tuple]) -> None:
    """Print a Markdown table: what, ours, baseline, target, met (a bool or a verdict)."""
    print(f"\n### {title}\n")
    print("| figure | gridgov | raw baseline (same run) | target | met |")
    print("|---|---|---|---|---|")
    for what, ours, base, target, met in rows:
        verdict = met if isinstance(met, str) else ("yes" if met else "NO")
        print(f"| {what} | {ours} | {base} | {target} | {verdict} |")


def host_factor(raw_ms: float, reference_ms: float) -> float:
    """Return how much slower this host is than the one a target was set on: this run's raw
    baseline over the figure the issue quotes for it (never below 1)."""
    return max(1.0, raw_ms / reference_ms)


def scaled(limit: float, factor: float, unit: str = "ms", most: bool = True) -> str:
    """Return a target as written and scaled by `factor` to this host, e.g.
    '≤ 5 ms (this host ×2.6: ≤ 13.0 ms)'; `most` False for a floor (rates divide)."""
    sign, here = ("≤", limit * factor) if most else ("≥", limit / factor)
    return f"{sign} {limit:g} {unit} (this host ×{factor:.1f}: {sign} {here:.1f} {unit})"


def verdict(value: float, limit: float, factor: float, most: bool = True) -> str:
    """Return 'yes', or 'NO (yes scaled to this host)', or 'NO' for `value` against `limit`
    as written and scaled by `factor`."""
    def ok(bound: float) -> bool:
        return value <= bound if most else value >= bound
    if ok(limit):
        return "yes"
    return "NO (yes scaled to this host)" if ok(limit * factor if most else limit / factor) \
        else "NO"


def get_latencies(base: str, paths: list[str], headers: dict | None = None,
                  keep_alive: bool = False) -> list[float]:
    """Return per-call latencies (ms) of GETs of `paths` on `base`: a new connection each (as
    a phone would), or one kept-alive connection (as a browser page would); every answer
    must be 200."""
    host, out = urlsplit(base), []
    conn = http.client.HTTPConnection(host.hostname, host.port)
    for path in paths:
        t = time.perf_counter()
        conn.request("GET", path, headers=headers or {})
        resp = conn.getresponse()
        resp.read()
        if not keep_alive:
            conn.close()
        out.append((time.perf_counter() - t) * 1000)
        assert resp.status == 200, (path, resp.status)
    conn.close()
    return out


def add_logins(session, prefix: str, street: str) -> dict:
    """Create a run's city-wide leader and a supervisor of `street` (names `<prefix>_lead`,
    `<prefix>_sup`), commit; return {scope: (user, bearer token)} (None: the leader's)."""
    from layers.access import tokens, users

    logins = {}
    for name, role, scope in ((f"{prefix}_lead", "leader", None),
                              (f"{prefix}_sup", "supervisor", street)):
        user = users.create_user(session, name, role, f"{prefix}-password-1", scope_code=scope)
        logins[scope] = (user, tokens.issue_token(session, name))
    session.commit()
    return logins
