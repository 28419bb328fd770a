"""What each demand action changes: columns to set and the event's payload."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy.orm import Session

from gis.errors import Conflict, Invalid
from layers import workcal
from layers.access.actors import Actor
from layers.demands import taxonomy
from layers.demands.dispatch.candidates import responsible_member_ids
from layers.demands.dispatch.rule import assignee_columns, check_target, rule_target

SATISFACTION = ("satisfied", "basic", "dissatisfied")
Result = tuple[dict, dict]
NO_ASSIGNEE = assignee_columns({})


def dispatch(session: Session, d: dict, actor: Actor, body: dict, note: str, now: datetime,
             cal: workcal.IsWorking) -> Result:
    """Send to the rule's target, or to the dispatcher's choice (an override needs a reason)."""
    rule = rule_target(session, d["grid_code"], taxonomy.category(session, d["category_code"]))
    target = check_target(session, body["to"]) if body.get("to") else rule
    override = not consistent_with_rule(session, d["code"], target, rule)
    if override and not note:
        raise Invalid({"note": "改派需说明理由（an override needs a reason）"})
    changes = {**assignee_columns(target), "dispatched_at": now,
               "sign_deadline": workcal.add_working_hours(now, 1, cal)}
    return changes, {"to": target, "rule": rule, "override": override}


def consistent_with_rule(session: Session, code: str, target: dict, rule: dict) -> bool:
    """Return True when `target` is what the rule asks for, or a member responsible for the
    demand's grid or a neighbouring one in the rule's department."""
    if "member" in target:
        return target["member"] in responsible_member_ids(session, code)
    return target == rule


def sign(session, d, actor, body, note, now, cal) -> Result:
    """Record the unit's acceptance (接单)."""
    return {"signed_at": now}, {}


def return_(session, d, actor, body, note, now, cal) -> Result:
    """Hand the demand back to the dispatcher (回退); the assignee is cleared."""
    was = {k: d[k] for k in NO_ASSIGNEE}
    return {**NO_ASSIGNEE, "signed_at": None, "dispatched_at": None}, {"was": was}


def resolve(session, d, actor, body, note, now, cal) -> Result:
    """Record that the unit solved it (办结), awaiting the community's check."""
    return {"resolved_at": now}, {}


def verify(session, d, actor, body, note, now, cal) -> Result:
    """Record the community's check (核查) that the work is done."""
    return {"verified_at": now}, {}


def rework(session, d, actor, body, note, now, cal) -> Result:
    """Send the work back to the same unit (返工)."""
    return {"resolved_at": None, "verified_at": None}, {}


def close(session, d, actor, body, note, now, cal) -> Result:
    """Close the case (结案)."""
    return {"closed_at": now}, {}


def rate(session, d, actor, body, note, now, cal) -> Result:
    """Record the resident's rating: solved or not, and satisfaction (评价), once."""
    if d["rating_satisfaction"] is not None:
        raise Conflict("该诉求已经评价过（already rated）", "already_rated")
    solved, satisfaction = body.get("solved"), body.get("satisfaction")
    errors = {}
    if not isinstance(solved, bool):
        errors["solved"] = "请选择问题是否已解决（solved: true 或 false）"
    if satisfaction not in SATISFACTION:
        errors["satisfaction"] = ("请选择满意程度：满意、基本满意或不满意"
                                  f"（{', '.join(SATISFACTION)}）")
    if errors:
        raise Invalid(errors)
    changes = {"rating_solved": solved, "rating_satisfaction": satisfaction, "rated_at": now}
    return changes, {"solved": solved, "satisfaction": satisfaction}


def reopen(session, d, actor, body, note, now, cal) -> Result:
    """Reopen a closed demand within the window; it waits for dispatch again."""
    cleared = dict.fromkeys(("dispatched_at", "signed_at", "resolved_at", "verified_at",
                             "closed_at", "rating_solved", "rating_satisfaction", "rated_at"))
    return {**NO_ASSIGNEE, **cleared}, {}


def claim(session, d, actor, body, note, now, cal) -> Result:
    """A department takes an overdue item from the public board (认领) and signs for it."""
    if not d["overdue"]:
        raise Conflict("只有超期未办的诉求可以认领（only overdue items can be claimed）",
                       "not_overdue")
    target = {"department": actor.department_code}
    return {**assignee_columns(target), "dispatched_at": now, "signed_at": now}, {"to": target}


def progress(session, d, actor, body, note, now, cal) -> Result:
    """Record a progress note (进展) of the unit handling it; the state stays."""
    return {}, {}


def reassign(session, d, actor, body, note, now, cal) -> Result:
    """Send a dispatched or signed demand to another unit (改派); the note is the reason."""
    if not body.get("to"):
        raise Invalid({"to": "请选择改派对象（a target is required）"})
    target = check_target(session, body["to"])
    was = {k: d[k] for k in NO_ASSIGNEE}
    changes = {**assignee_columns(target), "dispatched_at": now, "signed_at": None,
               "sign_deadline": workcal.add_working_hours(now, 1, cal)}
    return changes, {"to": target, "was": was}


ACTION_HANDLERS: dict[str, Callable[..., Result]] = {
    "dispatch": dispatch, "sign": sign, "return": return_, "resolve": resolve,
    "verify": verify, "rework": rework, "close": close, "rate": rate, "reopen": reopen,
    "claim": claim, "progress": progress, "reassign": reassign,
}
