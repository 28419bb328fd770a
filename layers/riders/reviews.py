"""差评消消乐: a rider with enough verified reports asks the community to help negotiate a
customer's bad review away; community staff, supervisors or admins in scope decide."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from gis.contracts import Contract, Flag, Param, Raw, UserText, check, clean_text, fail
from gis.errors import BadInput, Conflict, Forbidden, Invalid, NotFound
from gis.params import OneOf
from grids.tables import COMMUNITIES
from layers.access import policy
from layers.access.actors import Actor
from layers.members.tables import MEMBERS
from layers.riders import contributions as riders
from layers.riders.tables import REVIEW_REQUESTS

STATES = {"pending": "待审核", "approved": "已同意", "declined": "未同意"}
_COMMUNITY = re.compile(r"^[0-9]{12}$")
_R, _C, _M = REVIEW_REQUESTS.alias("r"), COMMUNITIES.alias("c"), MEMBERS.alias("m")
_REVIEW = select(
    *(_R.c[name] for name in ("id", "member_id", "platform", "order_ref", "reason", "state",
                              "community_code")),
    _C.c.name.label("community_name"),
    *(_R.c[name] for name in ("requested_by", "decided_by", "decided_at", "note", "created_at")),
).select_from(_R.join(_C, _C.c.code == _R.c.community_code))


def _community_code(raw: object) -> str | None:
    code = clean_text(raw, 12) or None
    if code and not _COMMUNITY.match(code):
        raise fail("社区编码应为 12 位数字")
    return code


class ReviewRequestInput(Contract):
    """A 差评消消乐 request: the platform, the order and why; the community that decides
    (default: the rider's home grid's)."""

    platform: UserText(30) = ""
    order_ref: UserText(60, required=True)
    reason: UserText(1000, required=True)
    community_code: Raw({"type": "string", "pattern": "^[0-9]{12}$"}, _community_code) = None


class ReviewDecision(Contract):
    """{"approve": true|false, "note": "..."}."""

    approve: Flag("同意 approve", required=True)
    note: UserText(500) = ""


def _member_id(raw: str | None) -> int | None:
    if raw is not None and not re.fullmatch(r"[0-9]{1,9}", raw):
        raise BadInput("member_id 应为 1–9 位整数", "bad_member_id")
    return int(raw) if raw else None


class ReviewListQuery(Contract):
    """?state= and ?member_id= of the request list."""

    state: OneOf("state", STATES, "state", blank_is_absent=True) = None
    member_id: Param({"type": "integer", "minimum": 1, "description": "rider"}, _member_id) = None


def check_request(body: object) -> dict:
    """Return the checked fields (platform, order_ref, reason, community_code or None)."""
    return check(ReviewRequestInput, body).model_dump()


def _community(session: Session, found: dict, wanted: str | None) -> str:
    """Return the community that decides: the one asked for, else the rider's home grid's."""
    code = wanted or (found["home_grid"] or "")[:12] or None
    if code is None:
        raise Invalid({"community_code": "该骑手未分配网格，请指定社区编码（community required）"})
    if session.execute(text("SELECT 1 FROM communities WHERE code = :c"), {"c": code}).first() \
            is None:
        raise Invalid({"community_code": f"没有社区 {code}"})
    return code


def request_review_removal(session: Session, member_id: int, actor: Actor, body: object,
                           threshold: int = riders.VERIFIED_THRESHOLD) -> dict:
    """File a 差评消消乐 request for a rider (their own login, or staff in scope); Conflict
    below `threshold` verified reports or when the same order is already pending."""
    found = riders.check_access(session, actor, member_id, "riders.decide")
    fields = check_request(body)
    verified = riders.verified_total(session, member_id)
    if verified < threshold:
        raise Conflict(f"经核实的随手拍线索 {verified} 条，满 {threshold} 条后才能申请差评消消乐"
                       f"（needs {threshold} verified reports）", "not_enough_verified")
    fields["platform"] = fields["platform"] or found["platform"] or "未知平台"
    fields["community_code"] = _community(session, found, fields["community_code"])
    row = session.execute(
        text("INSERT INTO review_requests (member_id, platform, order_ref, reason, "
             "community_code, requested_by) VALUES (:m, :platform, :order_ref, :reason, "
             ":community_code, :u) ON CONFLICT DO NOTHING RETURNING id"),
        {"m": member_id, "u": actor.user_id, **fields}).scalar()
    if row is None:
        raise Conflict("该订单的差评消消乐申请正在审核中（already pending）", "already_pending")
    return review(session, row)


def review(session: Session, request_id: int) -> dict:
    """Return one request with its community's name; NotFound when unknown."""
    if not 0 < request_id <= riders.MAX_ID:
        raise NotFound(f"没有差评消消乐申请 {request_id}", "review_request_not_found")
    row = session.execute(_REVIEW.where(_R.c.id == request_id)).mappings().first()
    if row is None:
        raise NotFound(f"没有差评消消乐申请 {request_id}", "review_request_not_found")
    return dict(row)


def decide_review(session: Session, request_id: int, actor: Actor, body: object,
                  now: datetime | None = None) -> dict:
    """Approve or decline a pending request ({"approve", "note"}, a ReviewDecision) as
    community staff, a supervisor or an admin whose scope covers its community; Conflict when
    already decided. Return it after."""
    if not policy.may(actor, "riders.decide"):
        raise Forbidden(policy.refusal(actor.role, "riders.decide"))
    decision = check(ReviewDecision, body)
    approve, note = decision.approve, decision.note
    row = session.execute(text("SELECT state, community_code FROM review_requests "
                               "WHERE id = :i FOR UPDATE"),
                          {"i": min(request_id, riders.MAX_ID)}).first()
    if row is None:
        raise NotFound(f"没有差评消消乐申请 {request_id}", "review_request_not_found")
    if actor.scope is not None and not row[1].startswith(actor.scope):
        raise Forbidden(f"{row[1]} 不在您的管辖范围内", "out_of_scope")
    if row[0] != "pending":
        raise Conflict(f"该申请已{STATES[row[0]]}，不能再次审核", "already_decided")
    session.execute(
        text("UPDATE review_requests SET state = :s, decided_by = :u, decided_at = :at, "
             "note = :n WHERE id = :i"),
        {"s": "approved" if approve else "declined", "u": actor.user_id,
         "at": now or datetime.now(UTC), "n": note.strip(), "i": request_id})
    return review(session, request_id)


def list_reviews(session: Session, actor: Actor, state: str | None = None,
                 member_id: int | None = None) -> list[dict]:
    """Return requests newest first (`state` one of STATES, as ReviewListQuery checks): staff
    viewers see their scope's communities, any other login only its own rider's requests."""
    stmt = (_REVIEW.add_columns(_M.c.name.label("rider_name"))
            .join(_M, _M.c.id == _R.c.member_id)
            .order_by(_R.c.created_at.desc(), _R.c.id.desc()).limit(500))
    if not policy.may(actor, "riders.view"):
        own = riders.rider_of_user(session, actor.user_id)
        if own is None or (member_id is not None and member_id != own):
            return []
        member_id = own
    elif actor.scope is not None:
        stmt = stmt.where(_R.c.community_code.like(actor.scope[:12] + "%"))
    if member_id is not None:
        stmt = stmt.where(_R.c.member_id == member_id)
    if state is not None:
        stmt = stmt.where(_R.c.state == state)
    return [dict(r) for r in session.execute(stmt).mappings()]
