"""The current grid coverage for spatial statistics, kept per generation of grids: codes,
names, map geometry (lon/lat, simplified as a coverage like the grid layer) and queen
contiguity built with libpysal; the Gi* weights of any part of it (a scope).

Building costs ≈ 0.2 s (coverage simplification, contiguity, ≈ 2 s more for the first import
of libpysal), so it is done once per generation of grids — keyed by the count, the latest
valid_from and the highest id of the current grids — and per part, not per request.
"""

from __future__ import annotations

import threading
import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np
import shapely
from shapely.geometry import mapping
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from gis.project import to_metric
from grids.mapdata import DECIMALS, GRID_SIMPLIFY_M
from grids.simplify import simplify_coverage
from grids.tables import GRIDS

MAX_PARTS = 512  # parts (scopes) whose weights are kept per generation


@dataclass(frozen=True)
class Coverage:
    """The current grids by code: `position` maps a grid id (of any generation whose code is
    current) to the grid's row; `adjacency` is the binary queen contiguity (scipy CSR, no
    diagonal); `centres` are inner points in EPSG:4553 metres."""

    key: tuple
    codes: tuple[str, ...]
    names: tuple[str, ...]
    geometry: tuple[dict, ...]
    position: dict[int, int]
    adjacency: Any
    centres: np.ndarray


_LOCK = threading.Lock()
_COVERAGE: dict[str, Coverage] = {}
_PARTS: dict[tuple, tuple[np.ndarray, Any]] = {}


def generation(session: Session) -> tuple:
    """Return the key of the current grids' generation (count, latest valid_from, max id)."""
    g = GRIDS.c
    stmt = select(func.count(), func.max(g.valid_from), func.max(g.id)).where(
        g.valid_to.is_(None))
    return tuple(session.execute(stmt).one())


def coverage(session: Session) -> Coverage:
    """Return the current coverage, built once per generation of grids."""
    key = generation(session)
    held = _COVERAGE.get("current")
    if held is not None and held.key == key:
        return held
    with _LOCK:
        held = _COVERAGE.get("current")
        if held is None or held.key != key:
            held = _build(session, key)
            _COVERAGE["current"] = held
            _PARTS.clear()
    return held


def _build(session: Session, key: tuple) -> Coverage:
    """Return the coverage of the current grids read now (see Coverage)."""
    from libpysal import weights  # noqa: PLC0415 — a 2 s import, paid on first use only

    g = GRIDS.c
    rows = session.execute(select(g.id, g.code, g.name, func.ST_AsBinary(g.geom))
                           .where(g.valid_to.is_(None)).order_by(g.code)).all()
    codes = tuple(r[1] for r in rows)
    geoms = np.array([shapely.from_wkb(bytes(r[3])) for r in rows], dtype=object)
    at = {code: i for i, code in enumerate(codes)}
    ids = session.execute(select(g.id, g.code).where(g.code.in_(codes))).all()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "not fully connected": four districts apart
        queen = weights.Queen.from_iterable(list(geoms), ids=list(range(len(codes))),
                                            silence_warnings=True)
    shown = simplify_coverage(geoms, GRID_SIMPLIFY_M, decimals=DECIMALS)
    centres = shapely.get_coordinates(to_metric(shapely.point_on_surface(geoms)))
    return Coverage(key=key, codes=codes, names=tuple(r[2] for r in rows),
                    geometry=tuple(mapping(s) for s in shown),
                    position={i: at[c] for i, c in ids}, adjacency=queen.sparse.tocsr(),
                    centres=centres)


def part(cov: Coverage, prefix: str | None) -> np.ndarray:
    """Return the positions of the grids whose code starts with `prefix` (all for None)."""
    if not prefix:
        return np.arange(len(cov.codes))
    return np.array([i for i, c in enumerate(cov.codes) if c.startswith(prefix)], dtype=int)


def gi_weights(cov: Coverage, prefix: str | None) -> tuple[np.ndarray, Any]:
    """Return (positions, libpysal Graph) for Gi* over the grids of `prefix`: binary queen
    contiguity among them, each grid its own neighbour (the star), and a grid without a
    neighbour in the part joined to the nearest one (by inner point) both ways."""
    key = (cov.key, prefix or "")
    held = _PARTS.get(key)
    if held is None:
        from libpysal.graph import Graph  # noqa: PLC0415

        positions = part(cov, prefix)
        links = links_of(cov, positions)
        held = (positions, Graph.from_sparse(links + _identity(len(positions))))
        with _LOCK:
            if len(_PARTS) >= MAX_PARTS:
                _PARTS.clear()
            _PARTS[key] = held
    return held


def _identity(n: int) -> Any:
    from scipy import sparse  # noqa: PLC0415

    return sparse.identity(n, format="csr")


def links_of(cov: Coverage, positions: np.ndarray) -> Any:
    """Return the queen adjacency (binary CSR, no diagonal) among the grids at `positions`,
    each grid without a neighbour among them linked both ways to the nearest one."""
    links = cov.adjacency[positions][:, positions].tolil()
    if len(positions) < 2:
        return links.tocsr()
    alone = np.flatnonzero(np.asarray(links.sum(axis=1)).ravel() == 0)
    xy = cov.centres[positions]
    for i in alone:
        d = np.hypot(*(xy - xy[i]).T)
        d[i] = np.inf
        j = int(np.argmin(d))
        links[i, j] = links[j, i] = 1
    return links.tocsr()
