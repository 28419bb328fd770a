"""Member and dispatch routes on the API blueprint: positions, duty, candidates."""

from __future__ import annotations

from flask import Response, jsonify, request

from gis.errors import Forbidden, Invalid
from layers import candidates, members
from web import actor as acting
from web.api import bp
from web.auth import roles_required, staff_required
from web.db import get_session

COORDINATORS = ("dispatcher", "community_staff", "supervisor", "admin")


def _may_act_for(member_id: int) -> None:
    """Raise Forbidden unless the actor is this member's own login, a dispatcher or an admin."""
    actor = acting.current()
    if actor.role in ("dispatcher", "admin"):
        return
    owner = members.member(get_session(), member_id)["user_id"]
    if owner is None or owner != actor.user_id:
        raise Forbidden("只能上报本人的位置（only your own position）")


@bp.post("/members/<int:member_id>/positions")
@staff_required
def member_position(member_id: int) -> tuple[Response, int]:
    """Record a member's position (lon, lat, crs, accuracy, time); latest and history."""
    session = get_session()
    _may_act_for(member_id)
    out = members.record_position(session, member_id, request.get_json(silent=True))
    session.commit()
    out.pop("phone", None)
    return jsonify(out), 201


@bp.post("/members/<int:member_id>/duty")
@staff_required
def member_duty(member_id: int) -> Response:
    """Set a member on or off duty: {"on_duty": true|false}."""
    session = get_session()
    _may_act_for(member_id)
    body = request.get_json(silent=True)
    if not isinstance(body, dict) or not isinstance(body.get("on_duty"), bool):
        raise Invalid({"on_duty": "应为 true 或 false"})
    members.set_on_duty(session, member_id, body["on_duty"])
    session.commit()
    return jsonify({"member_id": member_id, "on_duty": body["on_duty"]})


@bp.get("/demands/<code>/candidates")
@roles_required(*COORDINATORS)
def demand_candidates(code: str) -> Response:
    """The nearest responsible units for a demand, ranked, with distances in metres."""
    raw = request.args.get("limit", "10")
    if not raw.isdigit() or not 1 <= int(raw) <= 50:
        raise Invalid({"limit": "应为 1–50 的整数"})
    return jsonify(candidates.candidates(get_session(), code, int(raw)))
