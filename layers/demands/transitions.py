"""The demand state machine (派遣 → 处置 → 核查 → 结案 → 评价): who may do what, when."""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import text, update
from sqlalchemy.orm import Session

from gis.checks import parse_crs, parse_lonlat
from gis.contracts import (
    CRS_SCHEMA,
    LAT_SCHEMA,
    LON_SCHEMA,
    Choice,
    Contract,
    Flag,
    Raw,
    UserText,
    check,
    fail,
)
from gis.coords import to_wgs84
from gis.errors import BadInput, Conflict, Forbidden, Invalid, NotFound, Unauthorized
from layers import workcal
from layers.access import policy, roles
from layers.access.actors import Actor
from layers.demands import events
from layers.demands import store as demands
from layers.demands.actions import ACTION_HANDLERS, SATISFACTION
from layers.demands.tables import DEMANDS


@dataclass(frozen=True)
class Rule:
    """Which states an action starts from, where it leads (None: stays), who may take it."""

    sources: frozenset[str]
    target: str | None
    who: str
    note_required: bool = False


def _r(sources: str, target: str | None, who: str, note: bool = False) -> Rule:
    return Rule(frozenset(sources.split()), target, who, note)


RULES: dict[str, Rule] = {
    "dispatch": _r("received", "dispatched", "coordinator"),
    "sign": _r("dispatched", "signed", "assignee"),
    "return": _r("dispatched signed", "received", "assignee", note=True),
    "resolve": _r("signed", "resolved", "assignee", note=True),
    "verify": _r("resolved", "verified", "coordinator"),
    "rework": _r("resolved verified", "signed", "coordinator", note=True),
    "close": _r("verified", "closed", "coordinator"),
    "rate": _r("closed", None, "resident"),
    "reopen": _r("closed", "received", "resident", note=True),
    "claim": _r("received dispatched", "signed", "claimer"),
    "progress": _r("signed", None, "assignee", note=True),
    "reassign": _r("dispatched signed", "dispatched", "coordinator", note=True),
}


def allowed_actions(state: str) -> list[str]:
    """Return the actions that can start from `state`."""
    return [a for a, r in RULES.items() if state in r.sources]


def is_assignee(actor: Actor, d: dict) -> bool:
    """Return True when the demand is the actor's to handle: theirs, their department's, or
    their community's (an admin handles any)."""
    if actor.role == roles.ADMIN:
        return True
    if actor.role == roles.DEPARTMENT_STAFF:
        return d["assignee_department_code"] is not None and (
            d["assignee_department_code"] == actor.department_code)
    if d["assignee_user_id"] is not None:
        return d["assignee_user_id"] == actor.user_id
    return d["assignee_community_code"] is not None and actor.covers(d["grid_code"])


def _token_matches(d: dict, token: object) -> bool:
    if not isinstance(token, str) or not d["follow_token_hash"]:
        return False
    digest = hashlib.sha256(token.encode()).hexdigest()
    return hmac.compare_digest(digest, d["follow_token_hash"])


def follow_token_matches(d: dict, token: object) -> bool:
    """Return True when `token` is the follow token of demand row `d` (its follow_token_hash)."""
    return _token_matches(d, token)


PERMISSION_OF = {"coordinator": "demands.dispatch", "assignee": "demands.handle",
                 "claimer": "demands.claim"}


def check_role(rule: Rule, actor: Actor) -> None:
    """Raise Unauthorized/Forbidden unless the actor's role may ever take this action."""
    if rule.who == "resident":
        return
    if actor.user_id is not None and not actor.is_staff:  # a rider's own login
        raise Forbidden("骑手（流动网格员）账号不能办理诉求，只能上报（riders only report）",
                        "not_staff")
    if not actor.is_staff:
        raise Unauthorized("此操作需要工作人员登录（staff login required）")
    if not policy.may(actor, PERMISSION_OF[rule.who]):
        raise Forbidden(f"角色 {actor.role} 无权执行此操作（not allowed for this role）")


def check_relation(rule: Rule, actor: Actor, d: dict, body: dict) -> None:
    """Raise Forbidden unless the actor stands in the right relation to this demand."""
    if rule.who == "resident":
        if _token_matches(d, body.get("follow_token")):
            return
        if actor.is_staff and policy.may(actor, "demands.rate_for_resident", d["grid_code"]):
            return
        raise Forbidden("需要该诉求的查询凭证（follow_token）", "bad_follow_token")
    if rule.who == "coordinator":
        ok = actor.covers(d["grid_code"])
    elif rule.who == "assignee":
        ok = is_assignee(actor, d)
    else:  # claimer
        ok = actor.department_code is not None
    if not ok:
        raise Forbidden("该诉求不在您的职责或管辖范围内（not yours or outside your scope）")


def lock(session: Session, code: str) -> dict:
    """Return the demand row `code` locked FOR UPDATE; NotFound when unknown."""
    row = session.execute(
        text("SELECT id, code, state, grid_code, category_code, assignee_department_code, "
             "assignee_user_id, assignee_community_code, assignee_member_id, "
             "follow_token_hash, overdue, "
             "closed_at, rating_satisfaction FROM demands WHERE code = :c FOR UPDATE"),
        {"c": code}).mappings().first()
    if row is None:
        raise NotFound(f"没有诉求 {code[:30]!r}（unknown demand）", "demand_not_found")
    return dict(row)


def _point(raw: object) -> tuple[float, float] | None:
    """Return an actor's location {lon, lat, crs} (in a multipart form: that object as JSON
    text) as WGS84 (lon, lat); None when absent."""
    if raw is None or raw == "":
        return None
    if isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except ValueError:
            raise fail("应为 {lon, lat, crs}") from None
    try:
        lon, lat = parse_lonlat(raw.get("lon"), raw.get("lat"))  # type: ignore[union-attr]
        return to_wgs84(lon, lat, parse_crs(raw.get("crs")))  # type: ignore[union-attr]
    except (BadInput, AttributeError) as err:
        raise fail(str(err) if isinstance(err, BadInput) else "应为 {lon, lat, crs}") from None


POINT_SCHEMA = {"type": "object", "required": ["lon", "lat"],
                "properties": {"lon": LON_SCHEMA, "lat": LAT_SCHEMA, "crs": CRS_SCHEMA}}


class TransitionInput(Contract):
    """One action on a demand; the state machine decides whether it is allowed now, each
    action what else it needs (a dispatch target, a rating)."""

    action: Choice(RULES, f"未知操作，可用：{', '.join(RULES)}", required=True)
    note: UserText(2000) = ""
    location: Raw(POINT_SCHEMA, _point) = None
    to: Raw({"type": "object", "description": '派单对象 dispatch target: {"member": id}, '
                                              '{"department": code}, {"user": id} or '
                                              '{"community": code}'}) = None
    follow_token: Raw({"type": "string", "description": "居民查询凭证 for rate/reopen"}) = None
    solved: Flag() = None
    satisfaction: Choice(SATISFACTION, f"应为：{', '.join(SATISFACTION)}") = None




def apply(session: Session, code: str, action: str, actor: Actor, body: dict,
          reopen_days: float = 7.0, now: datetime | None = None) -> dict:
    """Take `action` on demand `code` as `actor`; return the demand after it.

    Order of checks: the role (401/403), then the state under a row lock (409 listing the
    allowed actions; of two conflicting transitions exactly one wins), then the actor's
    relation to this demand (403).
    """
    checked = check(TransitionInput, {**body, "action": action} if isinstance(body, dict)
                    else body)
    rule, note = RULES[checked.action], checked.note
    now = now or datetime.now(UTC)
    check_role(rule, actor)
    d = lock(session, code)
    if d["state"] not in rule.sources:
        err = Conflict(f"状态为 {d['state']} 的诉求不能执行 {action}", "illegal_transition")
        err.allowed = allowed_actions(d["state"])
        raise err
    check_relation(rule, actor, d, body)
    if rule.note_required and not note:
        raise Invalid({"note": "此操作需要填写说明（a note is required）"})
    if action == "reopen" and d["closed_at"] + timedelta(days=reopen_days) < now:
        raise Conflict(f"结案超过 {reopen_days:g} 天，不能重新打开", "reopen_window_passed")
    return perform(session, d, action, actor, body, note, now, checked.location)


def perform(session: Session, d: dict, action: str, actor: Actor, body: dict, note: str,
            now: datetime, lonlat: tuple[float, float] | None = None) -> dict:
    """Carry out a checked action on the locked demand row `d` (the actor at WGS84 `lonlat`,
    when known); return the demand after it."""
    rule = RULES[action]
    cal = workcal.day_rule(session, now.date())
    changes, payload = ACTION_HANDLERS[action](session, d, actor, body, note, now, cal)
    target = rule.target or d["state"]
    session.execute(update(DEMANDS).where(DEMANDS.c.id == d["id"])
                    .values(state=target, **changes))
    events.append(session, d["id"], action, d["state"], target, actor, note, payload,
                  at=now, lonlat=lonlat)
    return demands.summary(session, d["id"])

