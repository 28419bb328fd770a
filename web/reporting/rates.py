"""`GET /api/v1/rates`: the 三率 and the on-time rate per unit and period (leaders,
supervisors, admins; their scope)."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Blueprint, Response, current_app, jsonify, request

from gis.contracts import check_query
from layers.reporting import rates as rating
from web.access import actor as acting
from web.access.guard import requires
from web.core.db import get_session
from web.openapi.spec import contract

bp = Blueprint("rates", __name__)  # under /api/v1 (web.create_app)


def _described(view):
    """Append the figures' definitions to the view's docstring (the API document's text)."""
    lines = "\n".join(f"- `{k}`: {v}" for k, v in rating.DEFINITIONS.items())
    view.__doc__ = f"{view.__doc__}\n\n{lines}"
    return view


@bp.get("/rates")
@requires("reporting.rates")
@contract("rates 三率", query=rating.RatesQuery, errors=(400,))
@_described
def rate_list() -> Response:
    """Rates per unit of a level over a period (default: this month, Asia/Shanghai).

    `{level, period, from, to, weights, min_ratings, definitions, units: [{code, name,
    received, dispatched, responded, rated, solved, satisfied, due, closed_on_time, returned,
    reworked, escalated, overdue, response_rate, resolution_rate, satisfaction_rate,
    on_time_rate, score, few_ratings}], total}`. Rates are 0–1 fractions, null when their
    denominator is 0; units of the level in the caller's scope, those without demands
    included; `total.received` is the number of demands filed in the period in scope."""
    q = check_query(rating.RatesQuery, request.args)
    actor = acting.current()
    now = datetime.now(UTC)
    return jsonify(rating.rates(get_session(), actor, q.level, q.chosen_period(now),
                                current_app.config["RATE_RULES"], now))
