"""Dispatch routes on the API blueprint: the dispatcher's queue of demands waiting."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Blueprint, Response, jsonify, request

from gis.checks import is_whole
from gis.errors import Invalid
from layers.demands.dispatch import queue as dispatch_queue
from web.access import actor as acting
from web.access.auth import roles_required
from web.core.db import get_session
from web.members.api import COORDINATORS

MAX_LIMIT = 500


bp = Blueprint("dispatch", __name__)  # under /api/v1 (web.create_app)

def _limit(raw: str) -> int:
    """Return the `limit` parameter (1–500) or raise Invalid."""
    if not is_whole(raw) or not 1 <= int(raw) <= MAX_LIMIT:
        raise Invalid({"limit": f"应为 1–{MAX_LIMIT} 的整数"})
    return int(raw)


@bp.get("/dispatch/queue")
@roles_required(*COORDINATORS)
def dispatch_queue_view() -> Response:
    """Demands waiting for dispatch in the actor's scope (urgent, overdue, oldest first)."""
    limit = _limit(request.args.get("limit", "100"))
    session, actor, now = get_session(), acting.current(), datetime.now(UTC)
    items = dispatch_queue.queue(session, actor, limit, now)
    return jsonify({"now": now, "scope": actor.scope, "limit": limit,
                    "waiting": dispatch_queue.waiting(session, actor), "demands": items})
