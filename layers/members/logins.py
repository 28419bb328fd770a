"""Logins of grid members (账号关联): who may tie a login to a member, finding members in the
actor's scope, linking and unlinking. One login acts for at most one member; a rider member
takes only a rider's login (role rider) and a rider's login only a rider member; every change
is written to the audit log. Never selects phones."""

from __future__ import annotations

from sqlalchemy import (
    ColumnElement,
    distinct,
    exists,
    func,
    literal_column,
    or_,
    select,
    text,
    true,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from gis.checks import is_whole
from gis.errors import BadInput, Conflict, Forbidden, Invalid, NotFound
from grids.tables import COMMUNITIES
from layers.access import audit, policy, roles, users
from layers.access.actors import Actor
from layers.demands.tables import DEPARTMENTS
from layers.members import store as members
from layers.members.tables import MEMBER_GRIDS, MEMBERS

"""Roles that may link logins: a linked login reports the member's positions, duty and service
days and earns a rider's points, so this is account administration — the admin's (like
`flask users` and `flask members link`), within the admin's scope."""
MAX_FOUND = 50
MAX_QUERY = 50
MAX_ID = 2**31 - 1  # members.id is an int4: larger ids cannot exist

_M, _U, _DEP = MEMBERS.alias("m"), users.User.__table__.alias("u"), DEPARTMENTS.alias("d")
_G, _C = MEMBER_GRIDS.alias("g"), COMMUNITIES.alias("c")
_GRID_COUNT = select(func.count()).select_from(_G).where(_G.c.member_id == _M.c.id)
_COMMUNITY_NAMES = (select(func.string_agg(distinct(_C.c.name), literal_column("'、'")))
                    .select_from(_G.join(_C, _C.c.code == func.left(_G.c.grid_code, 12)))
                    .where(_G.c.member_id == _M.c.id))
_MEMBER = select(
    _M.c.id, _M.c.kind, _M.c.name, _M.c.department_code,
    _DEP.c.short_name.label("department_name"), _M.c.organisation, _M.c.platform, _M.c.active,
    _U.c.name.label("login"), _U.c.display_name.label("login_display_name"),
    _U.c.role.label("login_role"), _U.c.active.label("login_active"),
    _GRID_COUNT.scalar_subquery().label("grid_count"),
    _COMMUNITY_NAMES.scalar_subquery().label("communities"),
).select_from(_M.outerjoin(_U, _U.c.id == _M.c.user_id)
              .outerjoin(_DEP, _DEP.c.code == _M.c.department_code))


def check_manager(actor: Actor) -> None:
    """Raise Forbidden unless the actor's role may link members' logins (members.logins)."""
    policy.require(actor, "members.logins")


def _in_scope(scope: str | None) -> ColumnElement[bool]:
    """Return the condition on members aliased m: a grid of theirs lies in `scope`."""
    if scope is None:
        return true()
    return exists().where(_G.c.member_id == _M.c.id, _G.c.grid_code.like(scope + "%"))


def _contains(query: str) -> str:
    """Return an ILIKE pattern matching `query` anywhere, its wildcards escaped."""
    return "%" + query.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def find(session: Session, actor: Actor, query: str | None) -> list[dict]:
    """Return up to MAX_FOUND members in the actor's scope whose id is `query` or whose name
    contains it (the id match first), each with its current login; no phones."""
    check_manager(actor)
    query = (query or "").strip()
    if not query:
        return []
    if len(query) > MAX_QUERY:
        raise BadInput(f"查询内容过长（最多 {MAX_QUERY} 个字）", "query_too_long")
    match = _M.c.name.ilike(_contains(query), escape="\\")
    order = [_M.c.name, _M.c.id]
    if is_whole(query) and 0 < int(query) <= MAX_ID:
        match = or_(_M.c.id == int(query), match)
        order.insert(0, (_M.c.id == int(query)).desc())
    rows = session.execute(_MEMBER.where(_in_scope(actor.scope), match).order_by(*order)
                           .limit(MAX_FOUND))
    return [dict(r) for r in rows.mappings()]


def member_login(session: Session, actor: Actor, member_id: int) -> dict:
    """Return one member with its current login (no phone); NotFound when unknown, Forbidden
    when the actor may not manage logins or none of the member's grids is in scope."""
    check_manager(actor)
    row = None
    if 0 < member_id <= MAX_ID:
        row = session.execute(_MEMBER.where(_M.c.id == member_id)).mappings().first()
    if row is None:
        raise NotFound(f"没有网格成员 {member_id}（unknown member）", "member_not_found")
    inside = session.execute(select(_in_scope(actor.scope)).select_from(_M)
                             .where(_M.c.id == member_id)).scalar()
    if not inside:
        raise Forbidden(f"网格成员 {member_id} 不在您的管辖范围（{actor.scope}）内",
                        "out_of_scope")
    return dict(row)


def _login_user(session: Session, login: object) -> users.User:
    """Return the active user named `login`; Invalid, NotFound or Conflict otherwise."""
    if not isinstance(login, str) or not login.strip():
        raise Invalid({"login": "请填写登录账号（用户名）"})
    if len(login.strip()) > 40:
        raise Invalid({"login": "用户名最多 40 个字符"})
    user = users.get_user(session, login)
    if user is None:
        raise NotFound(f"没有登录账号 {login.strip()}（unknown login）", "user_not_found")
    if not user.active:
        raise Conflict(f"登录账号 {user.name} 已停用，不能关联（login inactive）",
                       "user_inactive")
    return user


def check_pairing(kind: str, user: users.User) -> None:
    """Raise Conflict unless a member of `kind` may take `user`'s login: riders' logins (role
    rider) and rider members go only together."""
    if kind == "rider" and user.role != roles.RIDER:
        raise Conflict(
            f"流动网格员只能关联骑手账号（角色“{roles.label(roles.RIDER)}”），登录账号 "
            f"{user.name} 的角色是{roles.label(user.role)}。请用 flask users create 用户名 "
            "--role rider 创建骑手账号后再关联（rider members take rider logins only）。",
            "rider_login_required")
    if kind != "rider" and user.role == roles.RIDER:
        raise Conflict(
            f"骑手账号 {user.name} 只能关联流动网格员，不能关联"
            f"{members.KINDS.get(kind, kind)}（rider logins are for rider members only）。",
            "rider_login_for_riders_only")


def _linked_elsewhere(session: Session, user: users.User, member_id: int) -> Conflict | None:
    """Return the Conflict to raise when `user` already acts for another member."""
    other = session.execute(
        text("SELECT id, name FROM members WHERE user_id = :u AND id <> :m"),
        {"u": user.id, "m": member_id}).first()
    if other is None:
        return None
    return Conflict(f"登录账号 {user.name} 已关联网格成员 {other.id}（{other.name}）。"
                    "一个账号只能关联一名成员，请先解除原关联。", "login_linked")


def _audit(session: Session, actor: Actor, action: str, member_id: int, login: str) -> None:
    audit.record(session, actor, action, f"member:{member_id} login:{login}")


def link(session: Session, actor: Actor, member_id: int, login: object) -> dict:
    """Tie login `login` (a user name) to the member; return the member as `member_login`
    does. Conflict `login_linked` when the login acts for another member, and (check_pairing)
    when a rider member and a login that is not a rider's, or the reverse, would meet."""
    found = member_login(session, actor, member_id)
    before = found["login"]
    user = _login_user(session, login)
    check_pairing(found["kind"], user)
    clash = _linked_elsewhere(session, user, member_id)
    if clash is not None:
        raise clash
    try:
        with session.begin_nested():
            members.link_login(session, member_id, user.id)
    except IntegrityError:  # linked elsewhere by a concurrent request
        raise _linked_elsewhere(session, user, member_id) or Conflict(
            f"登录账号 {user.name} 刚被关联到其他成员，请刷新后重试。", "login_linked") from None
    if before not in (None, user.name):  # a replaced login is logged as unlinked
        _audit(session, actor, "unlink_member_login", member_id, before)
    if before != user.name:
        _audit(session, actor, "link_member_login", member_id, user.name)
    return member_login(session, actor, member_id)


def unlink(session: Session, actor: Actor, member_id: int) -> dict:
    """Remove the member's staff login (nothing to do when it has none); return the member."""
    found = member_login(session, actor, member_id)
    if found["login"] is not None:
        members.link_login(session, member_id, None)
        _audit(session, actor, "unlink_member_login", member_id, found["login"])
    return member_login(session, actor, member_id)
