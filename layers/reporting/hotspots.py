"""Hot spots of demands per grid: Getis-Ord Gi* over the queen contiguity of the grid
coverage, with the false-discovery-rate correction of ArcGIS's Optimized Hot Spot Analysis.

- Counts: the demands matching the filter (period on created_at, category 大类/小类, state or
  state group, source, overdue, within) per current grid, from ONE aggregate grouped by the
  stored grid id (no point is read); merged duplicates left out; grids without any: 0.
- Study area: the grids of `within`, else of the actor's scope (the city for none). Gi* is
  computed over those grids only — a street supervisor's hot spots are hot within the street.
- Weights: binary queen contiguity (grids sharing an edge or a corner), each grid its own
  neighbour (the "star"), a grid with no neighbour in the area joined to the nearest one.
  Row standardisation does not change Gi*'s z (numerator and variance scale alike), so binary
  weights are used; esda's z then equals ArcGIS's Gi* z.
- Significance: analytic normal p-values, two-sided (as ArcGIS; permutations cost seconds);
  `gi_z` and `p` are the uncorrected figures (as ArcGIS's GiZScore/GiPValue), `confidence`
  (ArcGIS's Gi_Bin × 33) is the highest of 90/95/99 % at which Benjamini–Hochberg FDR keeps
  the grid significant, signed as z (+ hot, − cold), 0 when not significant.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
from pydantic import ConfigDict, Field
from pydantic.json_schema import SkipJsonSchema
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from gis.errors import BadParameter
from gis.params import OneOf
from layers.access import policy
from layers.access.actors import Actor
from layers.demands import map_layer
from layers.demands.queries import DemandFilter
from layers.demands.store import SUMMARY_TABLE
from layers.reporting import weights

PERMISSION = "reporting.rates"
LEVELS = ("grid",)
DEFAULT_SPAN = timedelta(days=90)
MIN_GRIDS, FEW_GRIDS = 3, 30  # Gi* needs 3; ArcGIS asks for at least 30 features
LEVELS_ALPHA = ((90, 0.10), (95, 0.05), (99, 0.01))
BINS = (99, 95, 90, 0, -90, -95, -99)
LABELS = {0: "无显著聚集：诉求多少与周边相当", **{
    c * s: f"此处诉求显著偏{'多' if s > 0 else '少'}，置信度 {c}%"
    for c in (99, 95, 90) for s in (1, -1)}}
COLORS = {99: "#d62f27", 95: "#ed7551", 90: "#fab984", 0: "#eeeeea", -90: "#c0ccbe",
          -95: "#849eba", -99: "#4575b5"}  # ArcGIS's hot spot ramp
METHOD = (
    "热点分析（Getis-Ord Gi*）：按所选条件统计每个网格的诉求数；每个网格与相邻网格（共边"
    "或共点，即 queen 邻接）及其自身组成邻域，Gi* z 得分衡量邻域诉求总数比分析范围内的平"
    "均水平高（正）或低（负）多少个标准差，p 值为正态近似的双侧 p 值。为避免多重检验误报"
    "，按错误发现率（FDR，Benjamini–Hochberg）校正后，在 99%、95%、90% 置信度下判定热点（"
    "诉求显著偏多）与冷点（显著偏少），做法同 ArcGIS 优化热点分析。分析范围为所选区域（默"
    "认您的管辖范围）内的网格，范围外网格不参与计算；没有相邻网格的网格以最近的网格为邻。"
    "gi_z、p 为校正前数值，confidence 为校正后的置信度等级。")


class HotspotQuery(map_layer.DemandMapQuery):
    """The demand filter of the demand map without its viewport (category, state or group,
    source, overdue, from, to, within / district / street / community / grid) and the unit."""

    model_config = ConfigDict(json_schema_extra=None)

    zoom: SkipJsonSchema[Any] = Field(None, exclude=True)
    bbox: SkipJsonSchema[Any] = Field(None, exclude=True)
    level: OneOf("level", LEVELS, "分析单元 unit of analysis (grid only for now)") = "grid"

    def demand_filter(self) -> DemandFilter:
        """Return the demand filter asked for (from/to as given, None when absent); no state
        asked is no state condition (merged duplicates are left out anyway: cheaper than the
        map's list of every mapped state over a million rows)."""
        f = replace(self.filter(), bbox=None)
        return replace(f, states=None) if f.states == map_layer.MAPPED else f

    def chosen(self, now: datetime, span: timedelta = DEFAULT_SPAN) -> DemandFilter:
        """Return the filter with its period: `to` defaults to now, `from` to `span` before
        it; BadParameter naming `from` when it is not before `to`."""
        until = self.until or now
        since = self.since or until - span
        if since >= until:
            raise BadParameter("from", "参数 from 应早于 to（from must be before to）",
                               "bad_period")
        return replace(self.demand_filter(), since=since, until=until)


def grid_counts(session: Session, f: DemandFilter, now: datetime,
                cov: weights.Coverage) -> np.ndarray:
    """Return the number of demands matching `f` per grid of `cov` (by position), counted by
    the stored grid id in one aggregate; merged duplicates are not counted."""
    d = SUMMARY_TABLE.c
    stmt = (select(d.grid_id, func.count()).select_from(SUMMARY_TABLE)
            .where(*map_layer.where(f, now), d.state != "merged",
                   d.duplicate_of.is_(None)).group_by(d.grid_id))
    y = np.zeros(len(cov.codes))
    for grid_id, n in session.execute(stmt):
        at = cov.position.get(grid_id)
        if at is not None:
            y[at] += n
    return y


def gi_star(y: np.ndarray, graph: Any) -> tuple[np.ndarray, np.ndarray]:
    """Return (z, two-sided p) of Gi* for values `y` on `graph` (weights.gi_weights); z 0 and
    p 1 where Gi* is undefined (fewer than MIN_GRIDS grids, no variation, a neighbourhood
    holding the whole area)."""
    n = len(y)
    if n < MIN_GRIDS or np.ptp(y) == 0:
        return np.zeros(n), np.ones(n)
    from esda.getisord import G_Local  # noqa: PLC0415 — a 1.5 s import, paid on first use

    with np.errstate(divide="ignore", invalid="ignore"):
        g = G_Local(y.astype(float), graph, transform="B", permutations=0, star=None)
    z, p = np.asarray(g.Zs, dtype=float), np.minimum(1.0, 2 * np.asarray(g.p_norm))
    bad = ~np.isfinite(z)
    z[bad], p[bad] = 0.0, 1.0
    return z, p


def confidence(z: np.ndarray, p: np.ndarray) -> np.ndarray:
    """Return the signed confidence bin (±99/±95/±90, 0) of each z/p after the
    Benjamini–Hochberg FDR correction at each level (esda.util.fdr's cut-off)."""
    out = np.zeros(len(z), dtype=int)
    if len(z) == 0:
        return out
    from esda.util import fdr  # noqa: PLC0415

    for level, alpha in LEVELS_ALPHA:  # BH keeps fewer as alpha shrinks: the last level wins
        out[p < fdr(p, alpha)] = level
    return out * np.where(z < 0, -1, 1)


def legend(bins: np.ndarray) -> list[dict]:
    """Return the legend: each confidence bin with its label, colour and number of grids."""
    return [{"confidence": b, "label": LABELS[b], "color": COLORS[b],
             "grids": int((bins == b).sum())} for b in BINS]


def grid_feature(cov: weights.Coverage, at: int, properties: dict) -> dict:
    """Return the grid at position `at` as a GeoJSON Feature (lon/lat) with `properties`."""
    return {"type": "Feature", "id": cov.codes[at], "geometry": cov.geometry[at],
            "properties": {"code": cov.codes[at], "name": cov.names[at], **properties}}


def study_area(session: Session, actor: Actor, f: DemandFilter
               ) -> tuple[DemandFilter, weights.Coverage, np.ndarray, Any]:
    """Return (the filter limited to the study area, the coverage, the area's positions, its
    Gi* weights); Forbidden when `f.within` lies outside the actor's scope."""
    policy.require(actor, PERMISSION, f.within)
    f = replace(f, within=f.within or actor.scope)
    cov = weights.coverage(session)
    positions, graph = weights.gi_weights(cov, f.within)
    return f, cov, positions, graph


def hotspots(session: Session, actor: Actor, f: DemandFilter,
             now: datetime | None = None) -> dict:
    """Return the hot spots of the demands matching `f` (its since/until set) as a GeoJSON
    FeatureCollection of the study area's grids (lon/lat; code, name, count, gi_z, p,
    confidence, label) with level, scope, period, total, legend, method and a warning when
    the area has fewer than FEW_GRIDS grids."""
    now = now or datetime.now(UTC)
    f, cov, positions, graph = study_area(session, actor, f)
    y = grid_counts(session, f, now, cov)[positions]
    z, p = gi_star(y, graph)
    bins = confidence(z, p)
    features = [grid_feature(cov, at, {
        "count": int(y[i]), "gi_z": round(float(z[i]), 3), "p": round(float(p[i]), 5),
        "confidence": int(bins[i]), "label": LABELS[int(bins[i])]})
        for i, at in enumerate(positions)]
    return {"type": "FeatureCollection", "level": "grid", "scope": f.within,
            "period": {"from": f.since.astimezone(UTC), "to": f.until.astimezone(UTC)},
            "total": int(y.sum()), "grids": len(positions), "legend": legend(bins),
            "method": METHOD, "warning": few_grids(len(positions)), "features": features}


def few_grids(n: int) -> str | None:
    """Return the warning for a study area of `n` grids (None from FEW_GRIDS up)."""
    if n < MIN_GRIDS:
        return f"分析范围只有 {n} 个网格，无法进行热点分析"
    if n < FEW_GRIDS:
        return f"分析范围只有 {n} 个网格（少于 {FEW_GRIDS} 个），结果仅供参考"
    return None
