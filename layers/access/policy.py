"""Who may do what: the named permissions, each with its roles and its scope rule.

Views declare one permission per route (`web.access.guard.requires`), domain functions and
templates ask the same names (`may`, `require`); no role list is written anywhere else.
"""

from __future__ import annotations

from dataclasses import dataclass

from gis.errors import Forbidden
from layers.access import roles
from layers.access.actors import RESIDENT_ROLE, Actor

STAFF = frozenset(roles.ALL)
LOGINS = frozenset(roles.KNOWN)
EVERYONE = LOGINS | {RESIDENT_ROLE}
COORDINATORS = frozenset({roles.DISPATCHER, roles.COMMUNITY_STAFF, roles.SUPERVISOR, roles.ADMIN})
LOCAL_UPKEEP = frozenset({roles.COMMUNITY_STAFF, roles.SUPERVISOR, roles.ADMIN})

NONE, HIERARCHY, OWN = "none", "hierarchy", "own"
"""Scope rules: no object; the object's hierarchy code inside the actor's scope (None = city);
the actor's own object (its member, its rider), else the hierarchy rule for the roles."""


@dataclass(frozen=True)
class Permission:
    """A named permission: the roles that have it and how far it reaches."""

    name: str
    roles: frozenset[str]
    scope: str
    summary: str

    @property
    def needs_login(self) -> bool:
        """Return True when residents (no login) do not have it."""
        return RESIDENT_ROLE not in self.roles


def _p(name: str, holders: frozenset[str], scope: str, summary: str) -> Permission:
    return Permission(name, frozenset(holders), scope, summary)


PERMISSIONS: dict[str, Permission] = {p.name: p for p in (
    _p("public", EVERYONE, NONE, "公开页面与接口（不含个人信息）"),
    _p("account.own", LOGINS, OWN, "本人账号（工作人员或骑手本人的数据）"),
    _p("demands.register", STAFF, NONE, "登记诉求"),
    _p("demands.view", STAFF, HIERARCHY,
       "查看诉求详情（管辖范围内，或本人、本单位、本社区承办的）"),
    _p("demands.dispatch", COORDINATORS, HIERARCHY, "派单、核查、返工、结案"),
    _p("demands.handle", frozenset({roles.ADMIN, roles.DEPARTMENT_STAFF, roles.GRID_WORKER,
                                    roles.COMMUNITY_STAFF}), OWN,
       "签收、回退、办结本人或本单位的诉求"),
    _p("demands.map", STAFF, HIERARCHY, "查看辖区诉求地图与统计（不含个人信息）"),
    _p("demands.claim", frozenset({roles.DEPARTMENT_STAFF}), NONE, "部门认领逾期诉求"),
    _p("demands.rate_for_resident", frozenset({roles.DISPATCHER, roles.ADMIN}), HIERARCHY,
       "代居民评价或重新打开（回访）"),
    _p("personal_data.read", STAFF, NONE, "查看居民姓名和电话（按账号授权，读取留痕）"),
    _p("members.view", STAFF, HIERARCHY, "查看网格力量、在岗成员与下沉服务"),
    _p("members.act_for", frozenset({roles.DISPATCHER, roles.ADMIN}), HIERARCHY,
       "代成员上报位置、在岗状态与签到"),
    _p("members.service_days", STAFF, OWN, "下沉服务签到、签退"),
    _p("members.logins", frozenset({roles.ADMIN}), HIERARCHY, "账号关联"),
    _p("riders.view", frozenset({roles.COMMUNITY_STAFF, roles.SUPERVISOR, roles.LEADER,
                                 roles.ADMIN}), HIERARCHY, "查看骑手贡献台账"),
    _p("riders.record", frozenset({roles.GRID_WORKER, roles.COMMUNITY_STAFF, roles.SUPERVISOR,
                                   roles.ADMIN}), HIERARCHY, "登记随手帮、随口宣"),
    _p("riders.decide", LOCAL_UPKEEP, HIERARCHY, "审核差评消消乐申请"),
    _p("stations.view", STAFF, HIERARCHY, "查看驿站管理"),
    _p("stations.edit", LOCAL_UPKEEP, HIERARCHY, "新增、编辑、停用驿站"),
    _p("ledgers.download", STAFF, HIERARCHY, "下载民意问题反馈台账"),
    _p("reporting.rates", frozenset({roles.LEADER, roles.SUPERVISOR, roles.ADMIN}), HIERARCHY,
       "查看三率与按期结案率（管辖范围内）"),
    _p("reporting.publish", frozenset({roles.LEADER, roles.ADMIN}), NONE,
       "发布红黑榜（仅全市范围账号；发布后不再改变）"),
    _p("evaluations.manage", LOCAL_UPKEEP, HIERARCHY,
       "组织群众评议（建轮次、发评议码、录入评议大会结果）、录入述职评议与约谈"),
    _p("evaluations.view", LOCAL_UPKEEP | {roles.LEADER}, HIERARCHY,
       "查看群众评议结果、述职评议与约谈记录（管辖范围内）"),
)}


def permission(name: str) -> Permission:
    """Return the permission of that name; ValueError for a name the policy does not know."""
    try:
        return PERMISSIONS[name]
    except KeyError:
        raise ValueError(f"unknown permission {name!r}") from None


def has_role(role: str | None, name: str) -> bool:
    """Return True when `role` is one of the roles holding permission `name`."""
    return (role or RESIDENT_ROLE) in permission(name).roles


def in_reach(actor: Actor, code: str | None) -> bool:
    """Return True when hierarchy `code` lies inside the actor's scope (None = the city)."""
    return roles.in_scope(actor.scope, code)


def may(actor: Actor, name: str, code: str | None = None) -> bool:
    """Return True when the actor holds permission `name` and, for a scoped permission given
    an object's hierarchy `code`, that object lies in the actor's scope. Personal data also
    needs the login's own grant (users.personal_data)."""
    perm = permission(name)
    if actor.role not in perm.roles:
        return False
    if name == "personal_data.read" and not actor.personal_data:
        return False
    return code is None or perm.scope == NONE or in_reach(actor, code)


def refusal(role: str | None, name: str) -> str:
    """Return the Chinese sentence refusing `role` permission `name` (a rider's own)."""
    perm = permission(name)
    holders = perm.roles - {RESIDENT_ROLE}
    names = "工作人员账号" if STAFF <= holders else "、".join(
        roles.label(r) for r in roles.KNOWN if r in holders)
    if role == roles.RIDER:
        return f"{RIDER_REFUSED}（需要：{names}）"
    return f"{roles.label(role or RESIDENT_ROLE)}无权执行此操作（需要：{names}）"


RIDER_REFUSED = "骑手（流动网格员）账号只能使用随手拍上报和查看本人贡献，不能使用工作人员功能"


def require(actor: Actor, name: str, code: str | None = None) -> None:
    """Raise Forbidden unless `may(actor, name, code)`: the role's refusal, or out_of_scope
    naming the code."""
    if not may(actor, name):
        raise Forbidden(refusal(actor.role, name))
    if not may(actor, name, code):
        raise Forbidden(f"{code} 不在您的管辖范围（{actor.scope}）内", "out_of_scope")
