"""Emerging hot spots per grid, after ArcGIS Pro's Emerging Hot Spot Analysis: Gi* of each
ISO week (Asia/Shanghai, Monday to Sunday) over the period, then a Mann-Kendall trend test
on each grid's weekly z-scores, then a pattern per grid.

Differences from ArcGIS, stated: the weekly Gi* is the spatial one of hotspots.py (queen
neighbours, no neighbouring time step) with the FDR correction applied within each week;
every grid of the study area is a location, those without any demand included.

A week is a significant hot (cold) spot when its FDR-corrected confidence is at least 90 %
with z > 0 (< 0); the trend is significant at p < TREND_ALPHA (two-sided). With n weeks, the
share of hot weeks h = hot / n, the patterns of ArcGIS Pro's "How Emerging Hot Spot Analysis
works" are, for hot spots (cold spots mirror them, hot ↔ cold, up ↔ down):

- new 新增: hot in the final week, never a significant hot spot before.
- consecutive 连续: a single uninterrupted run of at least two hot weeks at the end, never a
  hot spot before that run, h < 90 %.
- intensifying 加剧: h ≥ 90 %, hot in the final week, z-scores rising significantly.
- persistent 持续: h ≥ 90 %, no significant trend (hot in the final week, see historical).
- diminishing 减弱: h ≥ 90 %, hot in the final week, z-scores falling significantly.
- sporadic 零星: hot in the final week, on-again off-again before, h < 90 %, never a
  significant cold spot.
- oscillating 振荡: hot in the final week, a significant cold spot in some earlier week,
  h < 90 %.
- historical 历史: not hot in the final week, but h ≥ 90 %.
- none 无明显模式: none of these.

Where ArcGIS's definitions overlap, the more specific wins: a grid hot in ≥ 90 % of weeks but
not in the final week is historical (not persistent); one that was a cold spot before its
final hot week(s) is oscillating (not new or consecutive). A location both ways is judged by
its final week. The Mann-Kendall test is computed here, vectorised over all grids, exactly as
pymannkendall.original_test (S, tie-corrected variance, continuity correction, normal p):
the library itself takes ≈ 1.4 s for 824 grids × 104 weeks (it also computes Sen's slope).
"""

from __future__ import annotations

import math
from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import numpy as np
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from gis.errors import BadParameter
from gis.localtime import TZ
from layers.access.actors import Actor
from layers.demands import map_layer
from layers.demands.queries import DemandFilter
from layers.demands.store import SUMMARY_TABLE
from layers.reporting import weights
from layers.reporting.hotspots import (
    confidence,
    few_grids,
    gi_star,
    grid_feature,
    study_area,
)

MIN_WEEKS, MAX_WEEKS, DEFAULT_WEEKS = 4, 104, 12
SHARE, TREND_ALPHA = 0.9, 0.05
KINDS = ("new", "consecutive", "intensifying", "persistent", "diminishing", "sporadic",
         "oscillating", "historical")
KIND_NAMES = {"new": "新增", "consecutive": "连续", "intensifying": "加剧", "persistent": "持续",
              "diminishing": "减弱", "sporadic": "零星", "oscillating": "振荡",
              "historical": "历史"}
RULES = {
    "new": "最后一周首次成为显著{spot}",
    "consecutive": "最近连续至少两周为显著{spot}，此前从未是，且{spot}周数不足 90%",
    "intensifying": "至少 90% 的周为显著{spot}（含最后一周），且聚集强度显著{more}",
    "persistent": "至少 90% 的周为显著{spot}（含最后一周），聚集强度无明显趋势",
    "diminishing": "至少 90% 的周为显著{spot}（含最后一周），且聚集强度显著{less}",
    "sporadic": "最后一周为显著{spot}，此前时有时无，{spot}周数不足 90%，从未是显著{other}",
    "oscillating": "最后一周为显著{spot}，此前某周曾是显著{other}，{spot}周数不足 90%",
    "historical": "至少 90% 的周为显著{spot}，但最后一周不是",
}
SPOTS = {"hot": ("热点", "冷点", "增强", "减弱"), "cold": ("冷点", "热点", "增强", "减弱")}
COLORS = {"hot": ("#b2182b", "#d6604d", "#67001f", "#e34a33", "#f4a582", "#fddbc7",
                  "#c51b7d", "#8c6d31"),
          "cold": ("#2166ac", "#4393c3", "#053061", "#3f6fb5", "#92c5de", "#d1e5f0",
                   "#4d9221", "#5e6b7a")}
NONE_LABEL = "无明显模式"
METHOD = (
    "新兴热点分析（同 ArcGIS Pro“新兴热点分析”）：按周（周一至周日，北京时间）统计每个网"
    "格的诉求数，逐周做 Getis-Ord Gi* 热点分析（queen 邻接，FDR 校正，置信度不低于 90% 视"
    "为显著），再对每个网格各周的 z 得分做 Mann-Kendall 趋势检验（p < 0.05 视为趋势显著）"
    "，按各周热点/冷点的出现情况与趋势把网格归为新增、连续、加剧、持续、减弱、零星、振荡"
    "、历史热点（或冷点）。分析范围为所选区域（默认您的管辖范围）内的网格。")


def weeks_of(f: DemandFilter, now: datetime) -> tuple[datetime, int]:
    """Return (the start, UTC, of the local ISO week holding `f.since`, the number of weeks
    through the one holding the last instant before `f.until`); defaults: until now, since
    DEFAULT_WEEKS weeks back; BadParameter naming `from` outside MIN_WEEKS..MAX_WEEKS."""
    until = f.until or now
    since = f.since or until - timedelta(weeks=DEFAULT_WEEKS - 1)
    if since >= until:
        raise BadParameter("from", "参数 from 应早于 to（from must be before to）", "bad_period")
    first, last = (_monday(t.astimezone(TZ).date())
                   for t in (since, until - timedelta(microseconds=1)))
    n = (last - first).days // 7 + 1
    if not MIN_WEEKS <= n <= MAX_WEEKS:
        raise BadParameter("from", f"新兴热点分析的时段应为 {MIN_WEEKS}–{MAX_WEEKS} 周"
                                   f"（所选 from–to 跨 {n} 周）", "out_of_range")
    return datetime.combine(first, time(), TZ).astimezone(UTC), n


def _monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def weekly_counts(session: Session, f: DemandFilter, now: datetime, cov: weights.Coverage,
                  start: datetime, n: int) -> np.ndarray:
    """Return demands matching `f` per grid (rows, by coverage position) and local week
    (columns, from `start`) in one aggregate grouped by week and stored grid id."""
    d = SUMMARY_TABLE.c
    week = func.date_trunc("week", func.timezone(TZ.key, d.created_at)).label("week")
    stmt = (select(week, d.grid_id, func.count()).select_from(SUMMARY_TABLE)
            .where(*map_layer.where(f, now), d.state != "merged",
                   d.duplicate_of.is_(None))
            .group_by(week, d.grid_id))
    first = start.astimezone(TZ).date()
    counts = np.zeros((len(cov.codes), n))
    for monday, grid_id, k in session.execute(stmt):
        at, t = cov.position.get(grid_id), (monday.date() - first).days // 7
        if at is not None and 0 <= t < n:
            counts[at, t] += k
    return counts


def weekly_gi(counts: np.ndarray, graph: Any) -> tuple[np.ndarray, np.ndarray]:
    """Return (z, confidence bins) of Gi* for each week (column) of `counts`."""
    z, bins = np.zeros(counts.shape), np.zeros(counts.shape, dtype=int)
    for t in range(counts.shape[1]):
        z[:, t], p = gi_star(counts[:, t], graph)
        bins[:, t] = confidence(z[:, t], p)
    return z, bins


def mann_kendall(x: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return (tau, z, two-sided p) of the Mann-Kendall trend test on each row of `x`, as
    pymannkendall.original_test computes them."""
    rows, n = x.shape
    s = np.zeros(rows)
    for k in range(1, n):
        s += np.sign(x[:, k:] - x[:, :-k]).sum(axis=1)
    ties = np.array([sum(t * (t - 1) * (2 * t + 5) for t in np.unique(r, return_counts=True)[1])
                     for r in x], dtype=float)
    var = (n * (n - 1) * (2 * n + 5) - ties) / 18
    root = np.sqrt(np.where(var > 0, var, 1.0))
    z = np.where(s > 0, (s - 1) / root, np.where(s < 0, (s + 1) / root, 0.0))
    p = np.array([math.erfc(abs(v) / math.sqrt(2)) for v in z])
    return s / (n * (n - 1) / 2), z, p


def pattern(bins: np.ndarray, trend_z: float, trend_p: float) -> str:
    """Return the pattern of one grid's weekly confidence bins and z-score trend: e.g.
    'new_hot', 'persistent_cold', or 'none' (see the module's rules)."""
    last = bins[-1]
    order = ("cold", "hot") if last < 0 else ("hot", "cold")
    for side in order:
        sign = 1 if side == "hot" else -1
        kind = _kind(sign * bins > 0, sign * bins < 0, trend_p < TREND_ALPHA and
                     sign * trend_z > 0, trend_p < TREND_ALPHA and sign * trend_z < 0)
        if kind:
            return f"{kind}_{side}"
    return "none"


def _kind(spot: np.ndarray, other: np.ndarray, rising: bool, falling: bool) -> str | None:
    """Return the ArcGIS pattern of a series of significant `spot` weeks (`other`: weeks
    significant the other way; rising/falling: a significant trend towards/away from it)."""
    if spot.sum() >= SHARE * len(spot):
        if not spot[-1]:
            return "historical"
        return "intensifying" if rising else "diminishing" if falling else "persistent"
    if not spot[-1]:
        return None
    if other.any():
        return "oscillating"
    run = len(spot) - (np.flatnonzero(~spot)[-1] + 1 if (~spot).any() else 0)
    if spot.sum() == 1:
        return "new"
    return "consecutive" if run == spot.sum() else "sporadic"


def label(key: str) -> str:
    """Return the Chinese name of a pattern key ('new_hot' → '新增热点')."""
    if key == "none":
        return NONE_LABEL
    kind, side = key.rsplit("_", 1)
    return KIND_NAMES[kind] + SPOTS[side][0]


def legend(keys: list[str]) -> list[dict]:
    """Return the legend: each pattern with its label, rule, colour and number of grids."""
    out = []
    for side, (spot, other, more, less) in SPOTS.items():
        for i, kind in enumerate(KINDS):
            key = f"{kind}_{side}"
            out.append({"pattern": key, "label": label(key), "color": COLORS[side][i],
                        "rule": RULES[kind].format(spot=spot, other=other, more=more,
                                                   less=less),
                        "grids": keys.count(key)})
    return out + [{"pattern": "none", "label": NONE_LABEL, "color": "#eeeeea",
                   "rule": "不属于以上任何一类", "grids": keys.count("none")}]


def emerging(session: Session, actor: Actor, f: DemandFilter,
             now: datetime | None = None) -> dict:
    """Return each grid of the study area's emerging hot spot pattern over the weeks of `f`
    as a GeoJSON FeatureCollection (lon/lat; code, name, count, pattern, label, hot_weeks,
    cold_weeks, final (the last week's confidence), tau, trend_z, trend_p) with weeks,
    period, legend, method; Forbidden outside the actor's scope, BadParameter for a period
    of fewer than MIN_WEEKS or more than MAX_WEEKS weeks."""
    now = now or datetime.now(UTC)
    start, n = weeks_of(f, now)
    end = (datetime.combine(start.astimezone(TZ).date() + timedelta(weeks=n), time(), TZ)
           .astimezone(UTC))
    f, cov, positions, graph = study_area(session, actor, f)
    f = replace(f, since=start, until=end)
    counts = weekly_counts(session, f, now, cov, start, n)[positions]
    z, bins = weekly_gi(counts, graph)
    tau, trend_z, trend_p = mann_kendall(z)
    keys = [pattern(bins[i], trend_z[i], trend_p[i]) for i in range(len(positions))]
    features = [grid_feature(cov, at, {
        "count": int(counts[i].sum()), "pattern": keys[i], "label": label(keys[i]),
        "hot_weeks": int((bins[i] > 0).sum()), "cold_weeks": int((bins[i] < 0).sum()),
        "final": int(bins[i, -1]), "tau": round(float(tau[i]), 3),
        "trend_z": round(float(trend_z[i]), 3), "trend_p": round(float(trend_p[i]), 5)})
        for i, at in enumerate(positions)]
    weeks = [(start + timedelta(weeks=t)).astimezone(TZ).date() for t in range(n)]
    return {"type": "FeatureCollection", "level": "grid", "scope": f.within,
            "period": {"from": start, "to": end},
            "weeks": [f"{w.isocalendar()[0]}-W{w.isocalendar()[1]:02d}" for w in weeks],
            "total": int(counts.sum()), "grids": len(positions), "legend": legend(keys),
            "method": METHOD, "warning": few_grids(len(positions)), "features": features}
