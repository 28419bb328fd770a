"""The choropleth of demands per grid, community or street: a figure per unit (demands, per
1,000 residents, open, overdue, on-time rate, satisfaction rate) classed with mapclassify
(Fisher-Jenks natural breaks or quantiles), the legend saying which.

Counts come from hotspots.grid_counts (one GROUP BY the stored grid id) summed by code prefix;
the two rates from rates.count_units over the period (from–to) in the area, and are None
where their denominator is 0: such a unit gets no class (grey 无数据).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import numpy as np

from gis.contracts import Param
from gis.params import OneOf, count_limit
from gis.periods import ReportPeriod
from layers.access.actors import Actor
from layers.demands.queries import DemandFilter
from layers.demands.store import OPEN_STATES
from layers.reporting import rates as rating
from layers.reporting import shapes
from layers.reporting.heat import scoped
from layers.reporting.hotspots import HotspotQuery, grid_counts
from layers.reporting.units import LEVEL_DIGITS, LEVEL_LABELS

LEVELS = ("grid", "community", "street")
MEASURES = {"demands": "诉求数（件）", "per_1000": "每千人诉求数", "open": "未办结诉求数（件）",
            "overdue": "超期诉求数（件）", "on_time_rate": "按期结案率",
            "satisfaction_rate": "满意率"}
RATE_MEASURES = ("on_time_rate", "satisfaction_rate")
COUNT_MEASURES = ("demands", "open", "overdue")
SCHEMES = {"fisher_jenks": "自然间断点（Fisher-Jenks）", "quantiles": "分位数"}
MAX_K, NO_DATA = 9, {"label": "无数据", "color": "#bdbdbd"}
RAMP = ("#fff5eb", "#fee6ce", "#fdd0a2", "#fdae6b", "#fd8d3c", "#f16913", "#d94801",
        "#a63603", "#7f2704")  # ColorBrewer Oranges, light (low) to dark (high)


class ChoroplethQuery(HotspotQuery):
    """The hot spot filter and period, the unit level, the measure, the scheme and k."""

    level: OneOf("level", LEVELS, "单位 grid|community|street (default grid)") = "grid"
    measure: OneOf("measure", MEASURES, "指标 measure (default demands)") = None
    scheme: OneOf("scheme", SCHEMES, "分级方法 fisher_jenks|quantiles (default fisher_jenks)") \
        = None
    k: Param({"type": "integer", "minimum": 2, "maximum": MAX_K,
              "description": "级数 number of classes (default 5)"},
             lambda raw: count_limit(raw, 5, MAX_K, "k", low=2)) = None


def classify(values: list[float | None], scheme: str, k: int) -> tuple[list, list[float]]:
    """Return (class index per value, None where the value is None; the upper bounds of the
    classes) by mapclassify; fewer classes when there are fewer distinct values than k."""
    known = np.array([v for v in values if v is not None], dtype=float)
    distinct = np.unique(known)
    if len(distinct) == 0:
        return [None] * len(values), []
    k = min(k, len(distinct))
    if k == len(distinct):
        bins = distinct
    else:
        import mapclassify  # noqa: PLC0415 — imported on first use

        cls = mapclassify.FisherJenks if scheme == "fisher_jenks" else mapclassify.Quantiles
        bins = np.unique(cls(known, k=k).bins)
    out = [None if v is None else int(np.searchsorted(bins, v, side="left")) for v in values]
    return [None if c is None else min(c, len(bins) - 1) for c in out], \
        [round(float(b), 6) for b in bins]


def legend(bins: list[float], counts: list[int], measure: str, lowest: float) -> list[dict]:
    """Return a legend row per class (label 'low – high' from the lowest value, whole numbers
    for counts: '3–4'; colour; number of units)."""
    whole = measure in COUNT_MEASURES
    colours = ramp(len(bins))
    rows, low = [], lowest
    for i, high in enumerate(bins):
        a, b = _show(low, measure), _show(high, measure)
        rows.append({"class": i, "label": a if a == b else f"{a} – {b}",
                     "color": colours[i], "units": counts[i]})
        low = high + 1 if whole else high
    return rows


def _show(v: float, measure: str) -> str:
    if measure in RATE_MEASURES:
        return f"{v * 100:.1f}%"
    return f"{v:.0f}" if measure in COUNT_MEASURES else f"{v:.2f}"


def ramp(n: int) -> list[str]:
    """Return `n` colours spread over RAMP (light to dark)."""
    if n <= 1:
        return [RAMP[4]] * n
    return [RAMP[round(i * (len(RAMP) - 1) / (n - 1))] for i in range(n)]


def title(scheme: str, k: int, measure: str, level: str) -> str:
    """Return the legend's heading naming the method: '… 自然间断点（Fisher-Jenks）分 5 级'."""
    return f"{LEVEL_LABELS[level]}{MEASURES[measure]} · {SCHEMES[scheme]}分 {k} 级"


def counts_per_unit(session: Any, f: DemandFilter, now: datetime, cov: Any,
                    positions: np.ndarray, level: str, measure: str) -> dict[str, float]:
    """Return the count of `measure` (demands, open, overdue; per_1000's numerator) per unit
    code of `level`, from one aggregate per stored grid summed by code prefix."""
    if measure == "open":
        f = replace(f, state=None, states=OPEN_STATES)
    elif measure == "overdue":
        f = replace(f, overdue=True)
    y = grid_counts(session, f, now, cov)
    out: dict[str, float] = {}
    for at in positions:
        code = cov.codes[at][:LEVEL_DIGITS[level]]
        out[code] = out.get(code, 0) + y[at]
    return out


def values_of(session: Any, actor: Actor, f: DemandFilter, level: str, measure: str,
              now: datetime, cov: Any, positions: np.ndarray,
              rules: rating.RateRules | None = None) -> dict[str, float | None]:
    """Return the figure of `measure` per unit code of `level` in the area."""
    if measure in RATE_MEASURES:
        period = ReportPeriod("from–to", f.since, f.until)
        area = replace(actor, scope=f.within)
        counted = rating.count_units(session, area, level, period,
                                      rules or rating.RateRules(), now)
        num, den = rating.RATES[measure]
        return {code: (c[num] / c[den] if c[den] else None)
                for code, c in counted.items() if code}
    counts = counts_per_unit(session, f, now, cov, positions, level, measure)
    if measure != "per_1000":
        return counts
    people = shapes.population(session, level, f.within)
    return {code: (n / people[code] * 1000 if people.get(code) else None)
            for code, n in counts.items()}


def choropleth(session: Any, actor: Actor, f: DemandFilter, level: str = "grid",
               measure: str = "demands", scheme: str = "fisher_jenks", k: int = 5,
               now: datetime | None = None, rules: rating.RateRules | None = None) -> dict:
    """Return a GeoJSON FeatureCollection (lon/lat) of the units of `level` in `within` or
    the actor's scope, each with code, name, value and class (None: 无数据), with level,
    measure, scheme, k, breaks, legend, no_data, title, scope and period."""
    now = now or datetime.now(UTC)
    f, cov, positions = scoped(session, actor, f)
    values = values_of(session, actor, f, level, measure, now, cov, positions, rules)
    units = shapes.units_of(session, cov, positions, level)
    vals = [_rounded(values.get(u["code"], None if measure in RATE_MEASURES else 0))
            for u in units]
    classes, bins = classify(vals, scheme, k)
    counts = [sum(1 for c in classes if c == i) for i in range(len(bins))]
    features = [{"type": "Feature", "id": u["code"], "geometry": u["geometry"], "properties": {
        "code": u["code"], "name": u["name"], "value": v, "class": c}}
        for u, v, c in zip(units, vals, classes, strict=True)]
    return {"type": "FeatureCollection", "level": level, "measure": measure,
            "measure_label": MEASURES[measure], "scheme": scheme, "k": len(bins),
            "breaks": bins,
            "legend": legend(bins, counts, measure, min((v for v in vals if v is not None),
                                                        default=0)),
            "no_data": {**NO_DATA, "units": classes.count(None)},
            "title": title(scheme, len(bins), measure, level), "scope": f.within,
            "period": {"from": f.since.astimezone(UTC), "to": f.until.astimezone(UTC)},
            "features": features}


def _rounded(v: float | None) -> float | None:
    return None if v is None else round(float(v), 6)
