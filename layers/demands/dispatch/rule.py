"""Where a demand goes by rule, and checking a dispatcher's chosen target."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.orm import Session

from gis.errors import Invalid

TARGET_KINDS = ("department", "user", "community", "member")


# A login acting for a delivery rider (a mobile grid member) reports; it is never sent work.
# Riders' logins have the rider role (not staff); this also covers a staff login linked to a
# rider before that role existed.
_NOT_A_RIDER = ("NOT EXISTS (SELECT 1 FROM members r WHERE r.user_id = users.id "
                "AND r.kind = 'rider')")


def rule_target(session: Session, grid_code: str, category: dict) -> dict:
    """Return the rule's target: the grid's grid worker (or its community) when the community
    can solve the category, otherwise the category's responsible department."""
    if category["community_solvable"]:
        worker = session.execute(
            text("SELECT id FROM users WHERE role = 'grid_worker' AND active "
                 f"AND scope_code IS NOT NULL AND :g LIKE scope_code || '%' AND {_NOT_A_RIDER} "
                 "ORDER BY length(scope_code) DESC, id LIMIT 1"), {"g": grid_code}
        ).scalar()
        return {"user": worker} if worker else {"community": grid_code[:12]}
    return {"department": category["department_code"]}


def check_target(session: Session, target: object) -> dict:
    """Return a dispatcher's target {kind: value} after checking that it exists."""
    if not isinstance(target, dict) or len(target) != 1 or next(iter(target)) not in TARGET_KINDS:
        raise Invalid({"to": 'to 应为 {"member": id}、{"department": 代码}、{"user": id} '
                             '或 {"community": 代码}'})
    kind, value = next(iter(target.items()))
    queries = {
        "department": "SELECT code FROM departments WHERE code = :v AND active",
        "user": "SELECT id FROM users WHERE id = :v AND active AND role IN "
                f"('grid_worker', 'department_staff', 'community_staff') AND {_NOT_A_RIDER}",
        "community": "SELECT code FROM communities WHERE code = :v",
        "member": "SELECT id FROM members WHERE id = :v AND active AND kind IN "
                  "('professional', 'grid_worker', 'grid_leader')",
    }
    numeric = kind in ("user", "member")
    if numeric and (not isinstance(value, int) or isinstance(value, bool)):
        raise Invalid({"to": f"{kind} 应为整数 id"})
    if not numeric and not isinstance(value, str):
        raise Invalid({"to": f"{kind} 应为代码文本"})
    if session.execute(text(queries[kind]), {"v": value}).scalar() is None:
        raise Invalid({"to": f"没有可派单的{kind} {str(value)[:30]}"})
    return member_target(session, value) if kind == "member" else {kind: value}


def member_target(session: Session, member_id: int) -> dict:
    """Return a member target with the department and login that act for the member."""
    row = session.execute(text("SELECT department_code, user_id FROM members WHERE id = :id"),
                          {"id": member_id}).one()
    target = {"member": member_id}
    if row.department_code:
        target["department"] = row.department_code
    if row.user_id:
        target["user"] = row.user_id
    return target


def assignee_columns(target: dict) -> dict:
    """Return the demand columns that record `target` as the assignee."""
    return {
        "assignee_department_code": target.get("department"),
        "assignee_user_id": target.get("user"),
        "assignee_community_code": target.get("community"),
        "assignee_member_id": target.get("member"),
    }
