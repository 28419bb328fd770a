"""The rates (12345 三率 and the digital-city on-time rate) per grid, community, street,
district or department over a reporting period, with the counts behind them.

The cohort of a period is the demands filed in it (Asia/Shanghai calendar), merged duplicates
left out (their residents count on the original). DEFINITIONS says what each figure is; a rate
whose denominator is 0 is None, never 0 % or 100 % from nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from gis.contracts import Contract
from gis.params import OneOf
from gis.periods import Period, ReportPeriod, current_month, report_period
from gis.settings import Settings
from layers.access.actors import Actor
from layers.demands import figures
from layers.demands.tables import DEMAND_EVENTS, DEMANDS
from layers.reporting.units import LEVEL_DIGITS, LEVELS, units

DEFINITIONS = {
    "received": "受理量：统计期内登记的诉求数（合并的重复诉求计入原诉求，不另计）",
    "dispatched": "派遣量：其中派遣（或部门认领）过的诉求数",
    "responded": "按时响应：当前承办单位在签收时限内签收的诉求数",
    "response_rate": "响应率 = 按时响应 / 派遣量",
    "rated": "评价量：居民已评价的诉求数",
    "solved": "已解决：评价为“已解决”的诉求数",
    "resolution_rate": "解决率 = 已解决 / 评价量",
    "satisfied": "满意：评价为满意（按设置含基本满意）的诉求数",
    "satisfaction_rate": "满意率 = 满意 / 评价量",
    "due": "应结案：已结案或已过办理时限的诉求数（平台尚无延期办理，延期数为 0）",
    "closed_on_time": "按期结案：在办理时限内结案的诉求数",
    "on_time_rate": "按期结案率 = 按期结案 / 应结案",
    "returned": "回退次数", "reworked": "返工次数",
    "escalated": "升级督办的诉求数", "overdue": "超期的诉求数（已标记超期或在办且已过时限）",
    "score": "综合得分 = 响应率、解决率、满意率按权重加权，0–100；三率缺一则无得分",
    "few_ratings": "评价量少于最少评价数：排名时不据此评先评优",
}
COUNTS = ("received", "dispatched", "responded", "rated", "solved", "satisfied", "due",
          "closed_on_time", "returned", "reworked", "escalated", "overdue")
RATES = {"response_rate": ("responded", "dispatched"), "resolution_rate": ("solved", "rated"),
         "satisfaction_rate": ("satisfied", "rated"), "on_time_rate": ("closed_on_time", "due")}


@dataclass(frozen=True)
class RateRules:
    """Weights of the response, resolution and satisfaction rates in the score; the fewest
    ratings a unit needs to be ranked on them; whether 基本满意 counts as satisfied."""

    weights: tuple[float, float, float] = (30.0, 35.0, 35.0)
    min_ratings: int = 5
    basic_is_satisfied: bool = True

    @classmethod
    def from_settings(cls, conf: Settings) -> RateRules:
        """Return the rules set through GRIDGOV_RATE_WEIGHTS, _MIN_RATINGS, _BASIC_SATISFIED."""
        return cls(conf.rate_weights, conf.min_ratings, conf.basic_is_satisfied)


def _event_counts(period: ReportPeriod):
    """Return per demand of the period: dispatches (incl. claims), returns and reworks."""
    e = DEMAND_EVENTS.c
    n = {a: func.count().filter(e.action.in_(a.split())).label(a.split()[0])
         for a in ("dispatch claim", "return", "rework")}
    return (select(e.demand_id, *n.values())
            .join(DEMANDS, DEMANDS.c.id == e.demand_id)
            .where(DEMANDS.c.created_at >= period.start, DEMANDS.c.created_at < period.end)
            .group_by(e.demand_id).subquery())


def _figures(ev, rules: RateRules, now: datetime) -> list:
    """Return the labelled aggregate of each of COUNTS over the demands joined to `ev`."""
    d = DEMANDS.c
    good = ("satisfied", "basic") if rules.basic_is_satisfied else ("satisfied",)
    closed = d.state == "closed"
    conditions = {
        "received": None, "dispatched": func.coalesce(ev.c.dispatch, 0) > 0,
        "responded": and_(d.signed_at.is_not(None), d.signed_at <= d.sign_deadline),
        "rated": d.rating_satisfaction.is_not(None), "solved": d.rating_solved.is_(True),
        "satisfied": d.rating_satisfaction.in_(good),
        "due": or_(closed, d.deadline < now),
        "closed_on_time": and_(closed, d.closed_at <= d.deadline),
        "escalated": d.escalation_level > 0,
        "overdue": figures.is_overdue(d, now),
    }
    out = [func.count().filter(c).label(k) if c is not None else func.count().label(k)
           for k, c in conditions.items()]
    out += [func.coalesce(func.sum(ev.c[k]), 0).label(k + "ed") for k in ("return", "rework")]
    return out


def _unit_key(level: str):
    """Return the expression grouping demands into units of `level`."""
    if level == "department":
        return DEMANDS.c.assignee_department_code
    return func.left(DEMANDS.c.grid_code, LEVEL_DIGITS[level])


def in_cohort(query, actor: Actor, period: ReportPeriod):
    """Return `query` limited to the period's cohort in the actor's scope: demands filed in
    the period, merged duplicates left out."""
    d = DEMANDS.c
    query = query.where(d.created_at >= period.start, d.created_at < period.end,
                        d.state != "merged", d.duplicate_of.is_(None))
    if actor.scope:
        query = query.where(d.grid_code.startswith(actor.scope, autoescape=True))
    return query


def count_by(session: Session, actor: Actor, key, period: ReportPeriod, rules: RateRules,
             now: datetime) -> dict:
    """Return COUNTS per value of the SQL expression `key` (e.g. a unit code or a month)
    over the actor's scope and the period's cohort."""
    ev = _event_counts(period)
    key = key.label("code")
    query = (select(key, *_figures(ev, rules, now))
             .select_from(DEMANDS.outerjoin(ev, ev.c.demand_id == DEMANDS.c.id))
             .group_by(key))
    return {r["code"]: {k: int(r[k]) for k in COUNTS}
            for r in session.execute(in_cohort(query, actor, period)).mappings()}


def count_units(session: Session, actor: Actor, level: str, period: ReportPeriod,
                rules: RateRules, now: datetime) -> dict[str | None, dict]:
    """Return COUNTS per unit code of `level` (None: demands with no department) over the
    actor's scope and the period."""
    return count_by(session, actor, _unit_key(level), period, rules, now)


def with_rates(counts: dict, rules: RateRules) -> dict:
    """Return the counts with the four rates (None on a zero denominator), the weighted score
    (0–100; None unless all three of 响应率, 解决率, 满意率 exist) and few_ratings."""
    out = {**counts, **{name: counts[a] / counts[b] if counts[b] else None
                        for name, (a, b) in RATES.items()}}
    three = [out[r] for r in ("response_rate", "resolution_rate", "satisfaction_rate")]
    out["score"] = None if None in three else round(
        100 * sum(w * r for w, r in zip(rules.weights, three, strict=True))
        / sum(rules.weights), 2)
    out["few_ratings"] = counts["rated"] < rules.min_ratings
    return out


def rates(session: Session, actor: Actor, level: str, period: ReportPeriod,
          rules: RateRules = RateRules(), now: datetime | None = None) -> dict:
    """Return {level, period, from, to, weights, min_ratings, definitions, units, total}: one
    row per unit of `level` in the actor's scope (code, name, COUNTS, rates, score,
    few_ratings), units without demands included with zeros."""
    now = now or datetime.now(UTC)
    counted = count_units(session, actor, level, period, rules, now)
    zero = dict.fromkeys(COUNTS, 0)
    rows = [{**u, **with_rates(counted.pop(u["code"], zero), rules)}
            for u in units(session, level, actor.scope)]
    rows += [{"code": code, "name": "（未派往部门）" if code is None else code,
              **with_rates(c, rules)} for code, c in counted.items()]
    total = {k: sum(r[k] for r in rows) for k in COUNTS}
    return {"level": level, "period": period.label, "from": period.start, "to": period.end,
            "weights": list(rules.weights), "min_ratings": rules.min_ratings,
            "definitions": DEFINITIONS, "units": rows, "total": with_rates(total, rules)}


class RatesQuery(Contract):
    """?level=grid|community|street|district|department&period=2026-10|2026Q4|2026."""

    level: OneOf("level", LEVELS, "单位层级 level (default street)") = "street"
    period: Period() = None

    def chosen_period(self, now: datetime) -> ReportPeriod:
        """Return the period asked for, or the current local month."""
        return self.period or report_period(current_month(now))
