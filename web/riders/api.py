"""Rider routes on the API blueprint: monthly contributions, help/leaflet records, and
差评消消乐 requests with their decisions. A rider's own login reads only its own month and
requests and files its own request; staff record help and decide."""

from __future__ import annotations

import re

from flask import Blueprint, Response, jsonify, request

from gis.contracts import check
from gis.errors import Invalid
from layers.riders import contributions as riders
from layers.riders import reviews as rider_reviews
from web.access import actor as acting
from web.access.guard import requires
from web.core.db import get_session
from web.openapi.spec import contract

bp = Blueprint("riders", __name__)  # under /api/v1 (web.create_app)
TAG = "riders 流动网格员"


def _json_body() -> dict:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise Invalid({"body": "应为 JSON 对象（expected an object）"})
    return body


@bp.get("/riders/me/contributions")
@requires("account.own")
def own_contributions() -> Response:
    """The month (?month=YYYY-MM) of the rider the login acts for; 404 when it acts for none."""
    session = get_session()
    member_id = riders.own_rider(session, acting.current())
    return jsonify(riders.contributions(session, member_id, request.args.get("month")))


@bp.get("/riders/<int:member_id>/contributions")
@requires("account.own")
def rider_contributions(member_id: int) -> Response:
    """A rider's month (?month=YYYY-MM, default this month): reports filed and verified, help,
    leaflets, points; for the rider's own login or staff viewers in scope."""
    session = get_session()
    riders.check_access(session, acting.current(), member_id)
    return jsonify(riders.contributions(session, member_id, request.args.get("month")))


@bp.post("/riders/<int:member_id>/activities")
@requires("riders.record")
@contract(TAG, json=riders.ActivityInput, ok=201, errors=(400, 404))
def rider_activity(member_id: int) -> tuple[Response, int]:
    """Record 随手帮 (kind help) or 随口宣 (kind leaflets, count = leaflets) for a rider."""
    session = get_session()
    row = riders.record_activity(session, member_id, acting.current(), _json_body())
    session.commit()
    return jsonify(row), 201


@bp.post("/riders/<int:member_id>/review-requests")
@requires("account.own")
@contract(TAG, json=rider_reviews.ReviewRequestInput, ok=201, errors=(400, 404, 409))
def rider_review_request(member_id: int) -> tuple[Response, int]:
    """File a 差评消消乐 request (platform, order_ref, reason, community_code?); 409 below the
    verified-report threshold."""
    session = get_session()
    row = rider_reviews.request_review_removal(session, member_id, acting.current(),
                                               _json_body())
    session.commit()
    return jsonify(row), 201


@bp.post("/review-requests/<int:request_id>/decision")
@requires("riders.decide")
@contract(TAG, json=rider_reviews.ReviewDecision, errors=(400, 404, 409))
def review_decision(request_id: int) -> Response:
    """Approve or decline a pending request: {"approve": true|false, "note": "..."}."""
    session = get_session()
    decision = check(rider_reviews.ReviewDecision, request.get_json(silent=True))
    row = rider_reviews.decide_review(session, request_id, acting.current(), decision.approve,
                                      decision.note)
    session.commit()
    return jsonify(row)


@bp.get("/review-requests")
@requires("account.own")
def review_requests() -> Response:
    """差评消消乐 requests (?state=pending|approved|declined, ?member_id=), newest first."""
    raw = request.args.get("member_id")
    if raw is not None and not re.fullmatch(r"[0-9]{1,9}", raw):
        raise Invalid({"member_id": "应为 1–9 位整数"})
    rows = rider_reviews.list_reviews(get_session(), acting.current(),
                                      request.args.get("state") or None,
                                      int(raw) if raw else None)
    return jsonify({"requests": rows})
