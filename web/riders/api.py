"""Rider routes on the API blueprint: monthly contributions, help/leaflet records, and
差评消消乐 requests with their decisions. A rider's own login reads only its own month and
requests and files its own request; staff record help and decide."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify, request

from gis.contracts import check_query
from layers.riders import contributions as riders
from layers.riders import reviews as rider_reviews
from web.access import actor as acting
from web.access.guard import requires
from web.core.db import get_session
from web.openapi.spec import contract

bp = Blueprint("riders", __name__)  # under /api/v1 (web.create_app)
TAG = "riders 流动网格员"


@bp.get("/riders/me/contributions")
@requires("account.own")
@contract(TAG, query=riders.MonthQuery, errors=(400, 404))
def own_contributions() -> Response:
    """The own month of the rider the login acts for.

    骑手本人 a rider's own login (role rider); 404 no_own_rider when the login is linked to no
    rider member."""
    session, month = get_session(), check_query(riders.MonthQuery, request.args).month
    member_id = riders.own_rider(session, acting.current())
    return jsonify(riders.contributions(session, member_id, month))


@bp.get("/riders/<int:member_id>/contributions")
@requires("account.own")
@contract(TAG, query=riders.MonthQuery, errors=(400, 404))
def rider_contributions(member_id: int) -> Response:
    """A rider's month: reports filed and verified, help, leaflets, points.

    The rider's own login, or staff viewers whose scope covers the rider's grids (403
    otherwise)."""
    session, month = get_session(), check_query(riders.MonthQuery, request.args).month
    riders.check_access(session, acting.current(), member_id)
    return jsonify(riders.contributions(session, member_id, month))


@bp.post("/riders/<int:member_id>/activities")
@requires("riders.record")
@contract(TAG, json=riders.ActivityInput, ok=201, errors=(400, 404))
def rider_activity(member_id: int) -> tuple[Response, int]:
    """Record 随手帮 (kind help) or 随口宣 (kind leaflets, count = leaflets) for a rider."""
    session = get_session()
    row = riders.record_activity(session, member_id, acting.current(),
                                 request.get_json(silent=True))
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
                                               request.get_json(silent=True))
    session.commit()
    return jsonify(row), 201


@bp.post("/review-requests/<int:request_id>/decision")
@requires("riders.decide")
@contract(TAG, json=rider_reviews.ReviewDecision, errors=(400, 404, 409))
def review_decision(request_id: int) -> Response:
    """Approve or decline a pending request: {"approve": true|false, "note": "..."}."""
    session = get_session()
    row = rider_reviews.decide_review(session, request_id, acting.current(),
                                      request.get_json(silent=True))
    session.commit()
    return jsonify(row)


@bp.get("/review-requests")
@requires("account.own")
@contract(TAG, query=rider_reviews.ReviewListQuery, errors=(400,))
def review_requests() -> Response:
    """差评消消乐 requests (?state=pending|approved|declined, ?member_id=), newest first."""
    q = check_query(rider_reviews.ReviewListQuery, request.args)
    rows = rider_reviews.list_reviews(get_session(), acting.current(), q.state, q.member_id)
    return jsonify({"requests": rows})
