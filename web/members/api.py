"""Member and dispatch routes on the API blueprint: positions, duty, logins, candidates, the
member map's on-duty markers by viewport. A rider's own login (role rider) reports only its own
position and duty; the rest is staff's."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Blueprint, Response, jsonify, request

from gis.contracts import check, check_query
from layers.access import policy
from layers.demands import taxonomy
from layers.members import logins as member_logins
from layers.members import map_data as member_map_data
from layers.members import service_days
from layers.members import store as members
from layers.members.contracts import DutyInput, LoginLink, ServicePoint
from layers.members.store import PositionInput
from web.access import actor as acting
from web.access.guard import requires
from web.core.cached import cached_json
from web.core.db import get_session
from web.members import maps as member_maps
from web.openapi.spec import contract

bp = Blueprint("members", __name__)  # under /api/v1 (web.create_app)
TAG = "members 成员"



@bp.post("/members/<int:member_id>/positions")
@requires("account.own")
@contract(TAG, json=PositionInput, ok=201, errors=(400, 404))
def member_position(member_id: int) -> tuple[Response, int]:
    """Record a member's position (lon, lat, crs, accuracy, time); latest and history."""
    session = get_session()
    members.check_acts_for(session, acting.current(), member_id)
    out = members.record_position(session, member_id, request.get_json(silent=True))
    session.commit()
    out.pop("phone", None)
    return jsonify(out), 201


@bp.post("/members/<int:member_id>/duty")
@requires("account.own")
@contract(TAG, json=DutyInput, errors=(400, 404))
def member_duty(member_id: int) -> Response:
    """Set a member on or off duty: {"on_duty": true|false}."""
    session = get_session()
    members.check_acts_for(session, acting.current(), member_id)
    on_duty = check(DutyInput, request.get_json(silent=True)).on_duty
    members.set_on_duty(session, member_id, on_duty)
    session.commit()
    return jsonify({"member_id": member_id, "on_duty": on_duty})


@bp.put("/members/<int:member_id>/login")
@requires("members.logins")
@contract(TAG, json=LoginLink, errors=(400, 404, 409))
def member_login(member_id: int) -> Response:
    """Tie a staff login to a member ({"login": "name"}) or remove it ({"login": null})."""
    session, actor = get_session(), acting.current()
    login = check(LoginLink, request.get_json(silent=True)).login
    if login is None:
        out = member_logins.unlink(session, actor, member_id)
    else:
        out = member_logins.link(session, actor, member_id, login)
    session.commit()
    return jsonify({"member_id": out["id"], "name": out["name"], "kind": out["kind"],
                    "login": out["login"]})


@bp.get("/members/on-duty")
@requires("members.view")
@contract(TAG, query=member_map_data.OnDutyQuery, errors=(400,))
def members_on_duty() -> Response:
    """On-duty members inside a bounding box (the member map's markers).

    Staff only, members responsible for a grid in the actor's scope. `{bbox, limit, count,
    total, truncated, members: [{id, kind, lon, lat, age_min, stale, name}]}` in kind, id
    order; `truncated` when `total` (inside the bbox) exceeds `limit`. Never phones. 400 with
    `fields` for a bad bbox or limit."""
    q = check_query(member_map_data.OnDutyQuery, request.args)
    rows, total = member_map_data.on_duty_in(get_session(), q.bbox, q.limit, with_names=True,
                                        scope=acting.current().scope)
    return jsonify({"bbox": list(q.bbox), "limit": q.limit, "count": len(rows),
                    "total": total, "truncated": total > len(rows), "members": rows})


@bp.get("/members/map")
@requires("members.view")
@contract(TAG)
def member_map() -> Response:
    """The member map's layer data in the actor's scope: `{coverage: {department: [grid
    codes without its professional member]}, no_rider: [grid codes], members: [[lon, lat,
    kind index, stale, id, age_min, name]] (WGS84, never phones), or null above the embed
    threshold — then load them by viewport from /members/on-duty}`. Private, revalidated."""
    session, scope = get_session(), acting.current().scope
    now = datetime.now(UTC)
    departments = [d["code"] for d in taxonomy.list_departments(session)]
    embed = member_maps.embeds(member_map_data.on_duty_counts(session, now, scope))
    rows = member_map_data.on_duty(session, now, with_names=True, scope=scope) if embed else None
    return cached_json({
        "coverage": member_map_data.coverage(session, departments, scope),
        "no_rider": member_map_data.grids_without_rider(session, scope),
        "members": None if rows is None else member_maps.points(rows)}, public=False)


@bp.post("/members/<int:member_id>/check-in")
@requires("members.service_days")
@contract(TAG, json=ServicePoint, ok=201, errors=(400, 404, 409))
def member_check_in(member_id: int) -> tuple[Response, int]:
    """Check a professional member in for today at {lon, lat, crs} in their community."""
    session = get_session()
    members.check_acts_for(session, acting.current(), member_id)
    lon, lat, crs = service_days.reported_point(request.get_json(silent=True))
    out = service_days.check_in(session, member_id, lon, lat, crs)
    session.commit()
    return jsonify(out), 201


@bp.post("/members/<int:member_id>/check-out")
@requires("members.service_days")
@contract(TAG, json=ServicePoint, errors=(400, 404, 409))
def member_check_out(member_id: int) -> Response:
    """Check a professional member out for today at {lon, lat, crs}."""
    session = get_session()
    members.check_acts_for(session, acting.current(), member_id)
    lon, lat, crs = service_days.reported_point(request.get_json(silent=True))
    out = service_days.check_out(session, member_id, lon, lat, crs)
    session.commit()
    return jsonify(out)


@bp.get("/service-days/shortfall")
@requires("members.view")
@contract(TAG, query=service_days.ShortfallQuery, errors=(400,))
def service_day_shortfall() -> Response:
    """Professional members short of the monthly service days, within the actor's scope."""
    q, actor = check_query(service_days.ShortfallQuery, request.args), acting.current()
    within = q.within or actor.scope
    policy.require(actor, "members.view", within)
    rows = service_days.shortfall(get_session(), q.month, q.department, within)
    return jsonify({"month": f"{q.month:%Y-%m}", "minimum": service_days.MIN_DAYS,
                    "members": rows})
