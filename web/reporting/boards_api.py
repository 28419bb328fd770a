"""`GET /api/v1/boards`: the 红黑榜 of a level and period, read-only (leaders, supervisors,
admins; city-wide for every viewer)."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Blueprint, Response, current_app, jsonify, request

from gis.contracts import check_query
from layers.reporting import boards
from web.access import actor as acting
from web.access.guard import requires
from web.core.db import get_session
from web.openapi.spec import contract

bp = Blueprint("boards", __name__)  # under /api/v1 (web.create_app)


@bp.get("/boards")
@requires("reporting.rates")
@contract("boards 红黑榜", query=boards.BoardQuery, errors=(400,))
def board_detail() -> Response:
    """The published board of the level and period, else the live draft (`published`: null).

    `{level, period, n, weights, min_ratings, basic_is_satisfied, ranked, red, black,
    excluded, published: {at, by, by_name} | null}`; each place `{rank, code, name, received,
    dispatched, responded, rated, solved, satisfied, due, closed_on_time, returned, reworked,
    escalated, overdue, response_rate, resolution_rate, satisfaction_rate, on_time_rate,
    score}` (rates 0–1, null on a zero denominator); `black` worst first; `excluded` units
    carry `why` and rank null. A published board never changes."""
    q = check_query(boards.BoardQuery, request.args)
    session, now = get_session(), datetime.now(UTC)
    period = q.chosen_period(now)
    return jsonify(boards.published(session, q.level, period.label) or boards.board(
        session, acting.current(), q.level, period, current_app.config["RATE_RULES"], q.n, now))
