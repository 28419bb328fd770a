"""Dispatch routes under /api/v1: the dispatcher's queue of demands waiting and a demand's
ranked candidates."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Blueprint, Response, jsonify, request

from gis.contracts import check
from layers.demands.dispatch import candidates
from layers.demands.dispatch import queue as dispatch_queue
from web.access import actor as acting
from web.access.guard import requires
from web.core.db import get_session
from web.openapi.spec import contract

bp = Blueprint("dispatch", __name__)  # under /api/v1 (web.create_app)
TAG = "demands 诉求"

@bp.get("/dispatch/queue")
@requires("demands.dispatch")
@contract(TAG, query=dispatch_queue.QueueQuery, errors=(422,))
def dispatch_queue_view() -> Response:
    """Demands waiting for dispatch in the actor's scope (urgent, overdue, oldest first)."""
    limit = check(dispatch_queue.QueueQuery, dict(request.args.items())).limit
    session, actor, now = get_session(), acting.current(), datetime.now(UTC)
    items = dispatch_queue.queue(session, actor, limit, now)
    return jsonify({"now": now, "scope": actor.scope, "limit": limit,
                    "waiting": dispatch_queue.waiting(session, actor), "demands": items})


@bp.get("/demands/<code>/candidates")
@requires("demands.dispatch")
@contract(TAG, query=candidates.CandidatesQuery, errors=(404, 422))
def demand_candidates(code: str) -> Response:
    """The nearest responsible units for a demand, ranked, with distances in metres."""
    limit = check(candidates.CandidatesQuery, dict(request.args.items())).limit
    out = candidates.candidates(get_session(), code, limit, actor=acting.current())
    return jsonify(out)  # unknown demand 404, outside the actor's scope 403 (same query)
