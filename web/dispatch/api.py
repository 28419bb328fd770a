"""Dispatch routes under /api/v1: the dispatcher's queue of demands waiting and a demand's
ranked candidates."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Blueprint, Response, jsonify, request

from gis.checks import is_whole
from gis.errors import Invalid
from layers.demands.dispatch import candidates
from layers.demands.dispatch import queue as dispatch_queue
from web.access import actor as acting
from web.access.guard import requires
from web.core.db import get_session

bp = Blueprint("dispatch", __name__)  # under /api/v1 (web.create_app)

MAX_LIMIT = 500


def _limit(raw: str) -> int:
    """Return the `limit` parameter (1–500) or raise Invalid."""
    if not is_whole(raw) or not 1 <= int(raw) <= MAX_LIMIT:
        raise Invalid({"limit": f"应为 1–{MAX_LIMIT} 的整数"})
    return int(raw)


@bp.get("/dispatch/queue")
@requires("demands.dispatch")
def dispatch_queue_view() -> Response:
    """Demands waiting for dispatch in the actor's scope (urgent, overdue, oldest first)."""
    limit = _limit(request.args.get("limit", "100"))
    session, actor, now = get_session(), acting.current(), datetime.now(UTC)
    items = dispatch_queue.queue(session, actor, limit, now)
    return jsonify({"now": now, "scope": actor.scope, "limit": limit,
                    "waiting": dispatch_queue.waiting(session, actor), "demands": items})


@bp.get("/demands/<code>/candidates")
@requires("demands.dispatch")
def demand_candidates(code: str) -> Response:
    """The nearest responsible units for a demand, ranked, with distances in metres."""
    raw = request.args.get("limit", "10")
    if not is_whole(raw) or not 1 <= int(raw) <= 50:
        raise Invalid({"limit": "应为 1–50 的整数"})
    out = candidates.candidates(get_session(), code, int(raw), actor=acting.current())
    return jsonify(out)  # unknown demand 404, outside the actor's scope 403 (same query)
