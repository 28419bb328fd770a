"""Roles (with Chinese labels): the staff roles and the rider role, hierarchy scopes and the
personal-data permission."""

from __future__ import annotations

import re

from gis.errors import BadInput

DISPATCHER = "dispatcher"
GRID_WORKER = "grid_worker"
COMMUNITY_STAFF = "community_staff"
DEPARTMENT_STAFF = "department_staff"
SUPERVISOR = "supervisor"
LEADER = "leader"
ADMIN = "admin"
RIDER = "rider"
"""A delivery rider's own login (流动网格员): files 随手拍, reads its own contributions and
requests 差评消消乐; not staff (no staff pages, no residents' data, never sent work)."""

STAFF_LABELS: dict[str, str] = {
    DISPATCHER: "调度员",
    GRID_WORKER: "网格员",
    COMMUNITY_STAFF: "社区工作人员",
    DEPARTMENT_STAFF: "部门工作人员",
    SUPERVISOR: "督导（街道/区）",
    LEADER: "领导",
    ADMIN: "管理员",
}
ALL: tuple[str, ...] = tuple(STAFF_LABELS)
"""The staff roles (what `staff_required` admits); the rider role is not one of them."""
LABELS: dict[str, str] = {**STAFF_LABELS, RIDER: "骑手（流动网格员）"}
KNOWN: tuple[str, ...] = tuple(LABELS)
"""Every role a login may have (the users.role_known check): the staff roles and the rider."""

PERSONAL_DATA = "personal_data"
"""Permission: may see reporters' names and phones unmasked (reads are audited)."""
PERSONAL_DATA_BY_DEFAULT: frozenset[str] = frozenset({ADMIN, DISPATCHER})

SCOPE_LEVELS: dict[int, str] = {6: "district", 9: "street", 12: "community", 15: "grid"}
_SCOPE_RE = re.compile(r"[0-9]+")


def label(role: str) -> str:
    """Return the Chinese label of a role (the role name itself when unknown)."""
    return LABELS.get(role, role)


def is_staff(role: str | None) -> bool:
    """Return True for a staff role (not the rider's, not a resident's)."""
    return role in STAFF_LABELS


def check_role(role: str | None) -> str:
    """Return `role` when it is a known role name, else raise BadInput."""
    if role not in LABELS:
        known = "、".join(f"{r}（{t}）" for r, t in LABELS.items())
        raise BadInput(f"未知角色 {str(role)[:30]!r}；可选：{known}", "bad_role")
    return role


def check_scope(code: str | None) -> str | None:
    """Return a scope code (None or '' = city-wide) when it has 6/9/12/15 digits, else BadInput."""
    if code is None or code == "":
        return None
    if not _SCOPE_RE.fullmatch(code) or len(code) not in SCOPE_LEVELS:
        raise BadInput(
            f"管辖范围代码应为 6/9/12/15 位数字（区/街道/社区/网格）：{code[:20]!r}", "bad_scope"
        )
    return code


def scope_level(code: str | None) -> str:
    """Return 'city', 'district', 'street', 'community' or 'grid' for a scope code."""
    return "city" if code is None else SCOPE_LEVELS.get(len(code), "unknown")


def in_scope(user_scope: str | None, code: str | None) -> bool:
    """Return True when hierarchy `code` lies inside `user_scope` (None = the whole city)."""
    if user_scope is None:
        return True
    return code is not None and code.startswith(user_scope)


def default_personal_data(role: str) -> bool:
    """Return whether `role` sees personal data unless told otherwise (admin, dispatcher)."""
    return role in PERSONAL_DATA_BY_DEFAULT
