"""The figures of the leaders' charts: the monthly trend of demands and rates, the category
mix and the on-time rate per department, in the actor's scope.

The counts and rates come from layers.reporting.rates (one definition of each figure); here
they are only grouped by local (Asia/Shanghai) month or by category, with Chinese labels.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from gis.contracts import Contract
from gis.localtime import TZ
from gis.params import Limit
from gis.periods import Period, ReportPeriod, current_month, report_period
from layers.access.actors import Actor
from layers.demands.tables import CATEGORIES, DEMANDS
from layers.reporting import rates as rating

MAX_MONTHS = 36
DEFAULT_RULES = rating.RateRules()
LABELS = {"received": "受理量", "closed": "办结量", "response_rate": "响应率",
          "resolution_rate": "解决率", "satisfaction_rate": "满意率",
          "on_time_rate": "按期结案率"}
DEFINITIONS = {
    "received": rating.DEFINITIONS["received"],
    "closed": "办结量：当月结案的诉求数（按结案时间，不论何月登记）",
    **{k: rating.DEFINITIONS[k] for k in rating.RATES},
}


def last_months(now: datetime, months: int) -> list[str]:
    """Return the labels of the last `months` local months, oldest first, ending with now's."""
    year, month = map(int, current_month(now).split("-"))
    index = year * 12 + month - 1
    return [f"{i // 12:04d}-{i % 12 + 1:02d}" for i in range(index - months + 1, index + 1)]


def _local_month(column):
    """Return the SQL label 'YYYY-MM' of the local month of a timestamptz column."""
    return func.to_char(func.timezone(str(TZ), column), "YYYY-MM")


def _closed_per_month(session: Session, actor: Actor, span: ReportPeriod) -> dict[str, int]:
    """Return the demands closed in each local month of the span (merged ones left out)."""
    d = DEMANDS.c
    month = _local_month(d.closed_at).label("month")
    query = (select(month, func.count().label("n"))
             .where(d.state == "closed", d.closed_at >= span.start, d.closed_at < span.end,
                    d.duplicate_of.is_(None))
             .group_by(month))
    if actor.scope:
        query = query.where(d.grid_code.startswith(actor.scope, autoescape=True))
    return {r.month: int(r.n) for r in session.execute(query)}


def monthly_trend(session: Session, actor: Actor, months: int = 12,
                  rules: rating.RateRules = DEFAULT_RULES,
                  now: datetime | None = None) -> dict:
    """Return {months, rows: [{month, label, received, closed, COUNTS…, four rates}],
    labels, definitions} for the last `months` local months, months without demands with
    zeros and rates None."""
    now = now or datetime.now(UTC)
    labels = last_months(now, months)
    first, last = report_period(labels[0]), report_period(labels[-1])
    span = ReportPeriod(f"{labels[0]}/{labels[-1]}", first.start, last.end)
    counted = rating.count_by(session, actor, _local_month(DEMANDS.c.created_at), span,
                              rules, now)
    closed = _closed_per_month(session, actor, span)
    zero = dict.fromkeys(rating.COUNTS, 0)
    rows = []
    for month in labels:
        figures = rating.with_rates(counted.get(month, zero), rules)
        rows.append({"month": month, "label": f"{int(month[:4])}年{int(month[5:])}月",
                     "closed": closed.get(month, 0),
                     **{k: figures[k] for k in (*rating.COUNTS, *rating.RATES)}})
    return {"months": months, "from": span.start, "to": span.end, "rows": rows,
            "labels": LABELS, "definitions": DEFINITIONS}


def category_mix(session: Session, actor: Actor, period: ReportPeriod) -> dict:
    """Return {period, total, categories: [{code, name, count, children: [{code, name,
    count}]}]}: the period's cohort per 大类 and 小类 within, largest first."""
    small, big = CATEGORIES.alias("small"), CATEGORIES.alias("big")
    big_code = func.coalesce(big.c.code, small.c.code)
    big_name = func.coalesce(big.c.name, small.c.name)
    query = (select(big_code.label("big_code"), big_name.label("big_name"),
                    small.c.code, small.c.name, func.count().label("n"))
             .select_from(DEMANDS.join(small, small.c.code == DEMANDS.c.category_code)
                          .outerjoin(big, big.c.code == small.c.parent_code))
             .group_by(big_code, big_name, small.c.code, small.c.name))
    groups: dict[str, dict] = {}
    for r in session.execute(rating.in_cohort(query, actor, period)).mappings():
        group = groups.setdefault(r["big_code"], {"code": r["big_code"], "name": r["big_name"],
                                                  "count": 0, "children": []})
        group["count"] += r["n"]
        group["children"].append({"code": r["code"], "name": r["name"], "count": r["n"]})
    out = sorted(groups.values(), key=lambda g: (-g["count"], g["code"]))
    for group in out:
        group["children"].sort(key=lambda c: (-c["count"], c["code"]))
    return {"period": period.label, "from": period.start, "to": period.end,
            "total": sum(g["count"] for g in out), "categories": out}


def department_on_time(session: Session, actor: Actor, period: ReportPeriod,
                       rules: rating.RateRules = DEFAULT_RULES,
                       now: datetime | None = None) -> dict:
    """Return {period, definition, departments: [{code, name, received, due, closed_on_time,
    on_time_rate}]}: every department, best on-time rate first, those without a rate (no
    demand due) last; demands not sent to a department left out."""
    got = rating.rates(session, actor, "department", period, rules, now)
    rows = [{k: u[k] for k in ("code", "name", "received", "due", "closed_on_time",
                               "on_time_rate")}
            for u in got["units"] if u["code"] is not None]
    rows.sort(key=lambda r: (r["on_time_rate"] is None, -(r["on_time_rate"] or 0),
                             -r["due"], r["code"]))
    return {"period": period.label, "from": period.start, "to": period.end,
            "definition": rating.DEFINITIONS["on_time_rate"], "departments": rows}


class TrendQuery(Contract):
    """?months=12: how many local months, ending with this one."""

    months: Limit("months", 12, MAX_MONTHS, f"月数 months（1–{MAX_MONTHS}，默认 12）") = 12


class PeriodQuery(Contract):
    """?period=2026-10|2026Q4|2026 (default: this month)."""

    period: Period() = None

    def chosen_period(self, now: datetime) -> ReportPeriod:
        """Return the period asked for, or the current local month."""
        return self.period or report_period(current_month(now))
