"""红黑榜: per reporting period, the top N (红榜) and bottom N (黑榜) streets or departments
by the rates' score, with the figures behind each place; publishing freezes a board.

The board is city-wide: it ranks every street (or department) of the city, and every viewer
— a street's supervisor too — sees the same board. Units with fewer ratings than the rules'
minimum, without a score, or the demands sent to no department are not ranked (listed with
why). Ties on score go to the higher on-time rate (none last), then the lower code. Red
holds the first min(N, ⌈k/2⌉) of the k ranked units, black the last min(N, ⌊k/2⌋), worst
first, so no unit is on both. A published board is stored as it was shown, with its rules;
a level's period is published once (a second publish is a Conflict, 409).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from gis.contracts import Contract
from gis.errors import BadParameter, Conflict, Forbidden
from gis.localtime import TZ
from gis.params import Limit, OneOf
from gis.periods import Period, ReportPeriod, current_month, report_period
from layers.access import audit, policy
from layers.access.actors import Actor
from layers.reporting.rates import COUNTS, RATES, RateRules, rates
from layers.reporting.tables import BOARDS
from layers.reporting.units import LEVEL_LABELS

BOARD_LEVELS = ("street", "department")
N_DEFAULT, N_MAX = 5, 50
FIGURES = (*COUNTS, *RATES, "score")
"""The figures kept with each place: the counts, the four rates (0–1 or None), the score."""
STORED = ("level", "period", "n", "weights", "min_ratings", "basic_is_satisfied", "ranked",
          "red", "black", "excluded")


class BoardQuery(Contract):
    """?level=street|department&period=2026-10|2026Q4|2026&n=5."""

    level: OneOf("level", BOARD_LEVELS, "单位层级 street|department (default street)") = "street"
    period: Period() = None
    n: Limit("n", N_DEFAULT, N_MAX, "红榜、黑榜各列几名（1–50，默认 5）") = N_DEFAULT

    def chosen_period(self, now: datetime) -> ReportPeriod:
        """Return the period asked for, or the current local month."""
        return self.period or report_period(current_month(now))


def _place(row: dict, rank: int | None) -> dict:
    """Return a place of the board: rank (1 = best), code, name and FIGURES."""
    return {"rank": rank, "code": row["code"], "name": row["name"],
            **{k: row[k] for k in FIGURES}}


def _why(row: dict, rules: RateRules) -> str | None:
    """Return why a unit is not ranked (None when it is)."""
    if row["code"] is None:
        return "未派往部门的诉求，不是参评单位"
    if row["score"] is None:
        return "无得分：响应率、解决率、满意率缺一（无派遣或无评价）"
    if row["few_ratings"]:
        return f"评价少：{row['rated']} 件，少于 {rules.min_ratings} 件"
    return None


def _order(row: dict) -> tuple:
    """Sort key of ranked units: score (high first), on-time rate (high first, none last),
    code."""
    on_time = row["on_time_rate"]
    return (-row["score"], on_time is None, -(on_time or 0.0), row["code"])


def board(session: Session, actor: Actor, level: str, period: ReportPeriod,
          rules: RateRules, n: int, now: datetime) -> dict:
    """Return the live board {level, period, n, weights, min_ratings, basic_is_satisfied,
    ranked, red, black, excluded, published: None}, computed city-wide from rates()."""
    policy.require(actor, "reporting.rates")
    data = rates(session, replace(actor, scope=None), level, period, rules, now)
    ranked, excluded = [], []
    for row in data["units"]:
        why = _why(row, rules)
        if why:
            excluded.append({**_place(row, None), "why": why})
        else:
            ranked.append(row)
    places = [_place(r, i) for i, r in enumerate(sorted(ranked, key=_order), start=1)]
    k = len(places)
    return {"level": level, "period": period.label, "n": n, "weights": list(rules.weights),
            "min_ratings": rules.min_ratings, "basic_is_satisfied": rules.basic_is_satisfied,
            "ranked": k, "red": places[:min(n, (k + 1) // 2)],
            "black": places[::-1][:min(n, k // 2)], "excluded": excluded, "published": None}


def published(session: Session, level: str, period: str) -> dict | None:
    """Return the board published for `level` and period label `period` as stored, with
    published {at, by, by_name}; None when it has not been published."""
    b = BOARDS.c
    row = session.execute(select(BOARDS).where(b.level == level, b.period == period)
                          ).mappings().first()
    if row is None:
        return None
    return {**{k: row[k] for k in STORED}, "published": {
        "at": row["published_at"], "by": row["published_by"], "by_name": row["published_by_name"]}}


def _refuse_early(level: str, period: ReportPeriod, now: datetime) -> None:
    """Raise BadParameter unless the period is over (a board is published after it ends)."""
    if period.end > now:
        raise BadParameter("period", f"统计期 {period.label} 尚未结束，结束后才能发布"
                                     f"{LEVEL_LABELS[level]}红黑榜")


def _refuse_twice(found: dict | None) -> None:
    """Raise Conflict when the board is already published."""
    if found is not None:
        at = found["published"]["at"].astimezone(TZ).strftime("%Y-%m-%d %H:%M")
        raise Conflict(f"{found['period']} 的{LEVEL_LABELS[found['level']]}红黑榜已于 {at} 由"
                       f"{found['published']['by_name']}发布，不能重复发布", "already_published")


def publish(session: Session, actor: Actor, level: str, period: ReportPeriod,
            rules: RateRules, n: int, now: datetime) -> dict:
    """Store exactly the board board() returns now, with its rules, and audit it; Forbidden
    for a role without reporting.publish or a scoped login, BadParameter for a period not
    yet over, Conflict when the period's board is already published."""
    policy.require(actor, "reporting.publish")
    if actor.scope:
        raise Forbidden("红黑榜排全市的单位，只有全市范围的账号可以发布", "city_only")
    _refuse_early(level, period, now)
    _refuse_twice(published(session, level, period.label))
    shown = board(session, actor, level, period, rules, n, now)
    values = {k: shown[k] for k in STORED}
    try:
        with session.begin_nested():
            session.execute(insert(BOARDS).values(
                **values, published_at=now, published_by=actor.user_id,
                published_by_name=(actor.name or "")[:50]))
    except IntegrityError:
        _refuse_twice(published(session, level, period.label))
        raise
    audit.record(session, actor, "board.publish", f"{level}:{period.label}")
    return published(session, level, period.label)
