"""`GET /api/v1/charts/…`: the figures of the leaders' charts — monthly trend, category mix,
on-time rate per department (leaders, supervisors, admins; their scope)."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Blueprint, Response, current_app, jsonify, request

from gis.contracts import check_query
from layers.reporting import trends
from web.access import actor as acting
from web.access.guard import requires
from web.core.db import get_session
from web.openapi.spec import contract

bp = Blueprint("charts", __name__, url_prefix="/charts")  # under /api/v1 (web.create_app)


@bp.get("/trend")
@requires("reporting.rates")
@contract("charts 图表", query=trends.TrendQuery, errors=(400,))
def trend() -> Response:
    """Monthly trend: per local month (oldest first, ending with this one) the demands
    received and closed and the four rates (0–1, null on a zero denominator).

    `{months, from, to, rows: [{month, label, received, closed, dispatched, responded,
    rated, solved, satisfied, due, closed_on_time, returned, reworked, escalated, overdue,
    response_rate, resolution_rate, satisfaction_rate, on_time_rate}], labels,
    definitions}`."""
    q = check_query(trends.TrendQuery, request.args)
    return jsonify(trends.monthly_trend(get_session(), acting.current(), q.months,
                                        current_app.config["RATE_RULES"],
                                        datetime.now(UTC)))


@bp.get("/categories")
@requires("reporting.rates")
@contract("charts 图表", query=trends.PeriodQuery, errors=(400,))
def categories() -> Response:
    """Category mix of the demands filed in a period (default: this month): per 大类, largest
    first, with its 小类.

    `{period, from, to, total, categories: [{code, name, count, children: [{code, name,
    count}]}]}`; the counts sum to `total`, the period's demands in the caller's scope."""
    q = check_query(trends.PeriodQuery, request.args)
    return jsonify(trends.category_mix(get_session(), acting.current(),
                                       q.chosen_period(datetime.now(UTC))))


@bp.get("/departments")
@requires("reporting.rates")
@contract("charts 图表", query=trends.PeriodQuery, errors=(400,))
def departments() -> Response:
    """On-time rate (按期结案率) per department over a period (default: this month), best
    first, departments without a demand due (rate null) last.

    `{period, from, to, definition, departments: [{code, name, received, due,
    closed_on_time, on_time_rate}]}`."""
    q = check_query(trends.PeriodQuery, request.args)
    now = datetime.now(UTC)
    return jsonify(trends.department_on_time(get_session(), acting.current(),
                                             q.chosen_period(now),
                                             current_app.config["RATE_RULES"], now))
