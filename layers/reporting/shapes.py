"""Map shapes and populations of the reporting units for the choropleth: grids from the
coverage (weights.py), communities and streets as the union of their current grids
(ST_Union, simplified in metres, WGS84), kept per generation of grids like the coverage."""

from __future__ import annotations

import json
import threading
from typing import Any

import numpy as np
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from gis.srid import METRIC, STORAGE
from grids.mapdata import DECIMALS, GRID_SIMPLIFY_M
from grids.tables import COMMUNITIES, GRIDS, STREETS
from layers.reporting import weights
from layers.reporting.units import LEVEL_DIGITS

NAMES = {"community": COMMUNITIES, "street": STREETS}
UNION_SIMPLIFY_M = 2 * GRID_SIMPLIFY_M
_LOCK = threading.Lock()
_SHAPES: dict[tuple, dict[str, dict]] = {}


def unions(session: Session, cov: weights.Coverage, level: str) -> dict[str, dict]:
    """Return {code: {code, name, geometry}} of every community or street (the union of its
    current grids), built once per generation of grids."""
    key = (cov.key, level)
    held = _SHAPES.get(key)
    if held is None:
        held = _build(session, level)
        with _LOCK:
            if len(_SHAPES) > 8:
                _SHAPES.clear()
            _SHAPES[key] = held
    return held


def _build(session: Session, level: str) -> dict[str, dict]:
    """Return the union of the current grids per unit of `level`, simplified, as GeoJSON."""
    g, t = GRIDS.c, NAMES[level].c
    code = func.left(g.code, LEVEL_DIGITS[level]).label("code")
    merged = func.ST_Transform(func.ST_SimplifyPreserveTopology(
        func.ST_Union(func.ST_Transform(g.geom, METRIC)), UNION_SIMPLIFY_M), STORAGE)
    per = (select(code, func.ST_AsGeoJSON(merged, DECIMALS).label("shape"))
           .where(g.valid_to.is_(None)).group_by(code).subquery())
    rows = session.execute(select(per.c.code, func.coalesce(t.name, per.c.code), per.c.shape)
                           .select_from(per.outerjoin(NAMES[level], t.code == per.c.code))
                           .order_by(per.c.code))
    return {c: {"code": c, "name": n, "geometry": json.loads(s)} for c, n, s in rows}


def units_of(session: Session, cov: weights.Coverage, positions: np.ndarray,
             level: str) -> list[dict]:
    """Return [{code, name, geometry}] of the units of `level` holding the grids at
    `positions` (grids themselves for 'grid'), by code."""
    if level == "grid":
        return [{"code": cov.codes[at], "name": cov.names[at], "geometry": cov.geometry[at]}
                for at in positions]
    shapes = unions(session, cov, level)
    codes = sorted({cov.codes[at][:LEVEL_DIGITS[level]] for at in positions})
    return [shapes[c] for c in codes if c in shapes]


def population(session: Session, level: str, within: str | None) -> dict[str, Any]:
    """Return the population per unit code of `level` (sum of its current grids'; None when
    no grid gives one) inside `within`."""
    g = GRIDS.c
    code = func.left(g.code, LEVEL_DIGITS[level])
    stmt = select(code, func.sum(g.population)).where(g.valid_to.is_(None)).group_by(code)
    if within:
        stmt = stmt.where(g.code.startswith(within, autoescape=True))
    return {c: (int(p) if p else None) for c, p in session.execute(stmt)}
