"""Logins (staff and riders): names, roles, scopes, argon2 passwords; tokens in tokens.py."""

from __future__ import annotations

import re
import secrets
from datetime import datetime
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import (
    Boolean,
    DateTime,
    Integer,
    String,
    func,
    select,
    text,
)
from sqlalchemy.orm import Mapped, Session, mapped_column

from gis.errors import BadInput, Conflict, NotFound
from gis.models import Base
from layers.access import roles

HASHER = PasswordHasher()
MIN_PASSWORD = 8
_NAME_RE = re.compile(r"[a-z0-9][a-z0-9_.-]{1,39}")
_DUMMY_HASH: list[str] = []
_SCOPE_TABLES = {
    6: "SELECT 1 FROM districts WHERE code = :c",
    9: "SELECT 1 FROM streets WHERE code = :c",
    12: "SELECT 1 FROM communities WHERE code = :c",
    15: "SELECT 1 FROM grids WHERE code = :c AND valid_to IS NULL",
}


class User(Base):
    """A login (staff, or a rider's own); also a Flask-Login user (is_authenticated,
    is_active, get_id)."""

    __tablename__ = "users"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(40), unique=True)
    display_name: Mapped[str] = mapped_column(String(50))
    role: Mapped[str] = mapped_column(String(20))
    scope_code: Mapped[str | None] = mapped_column(String(15), nullable=True)
    # The foreign key to departments.code lives in migration 0004 (no ORM model of departments).
    department_code: Mapped[str | None] = mapped_column(String(20), nullable=True)
    personal_data: Mapped[bool] = mapped_column(Boolean, default=False)
    password_hash: Mapped[str] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    is_authenticated = True
    is_anonymous = False

    @property
    def is_active(self) -> bool:
        """Return whether the account may log in."""
        return bool(self.active)

    def get_id(self) -> str:
        """Return the id Flask-Login keeps in the session."""
        return str(self.id)

    @property
    def role_label(self) -> str:
        """Return the Chinese label of the role."""
        return roles.label(self.role)


def _check_name(name: str | None) -> str:
    """Return the normalised (lower-case) login name, else raise BadInput."""
    norm = (name or "").strip().lower()
    if not _NAME_RE.fullmatch(norm):
        raise BadInput(
            f"用户名应为 2–40 位小写字母、数字或 _ . -（以字母或数字开头）：{str(name)[:40]!r}",
            "bad_name",
        )
    return norm


def _check_password(password: str | None) -> str:
    """Return `password` when long enough, else raise BadInput."""
    if not password or len(password) < MIN_PASSWORD:
        raise BadInput(f"密码至少 {MIN_PASSWORD} 位", "weak_password")
    return password


def _check_scope_exists(session: Session, code: str | None) -> str | None:
    """Return a valid scope code that names a district/street/community/current grid."""
    code = roles.check_scope(code)
    if code is not None and session.execute(text(_SCOPE_TABLES[len(code)]), {"c": code}).first():
        return code
    if code is not None:
        raise BadInput(f"管辖范围 {code} 在区划中不存在", "unknown_scope")
    return None


def _check_department(session: Session, role: str, code: str | None) -> str | None:
    """Return the department code (required for department staff), checked to exist."""
    code = (code or "").strip() or None
    if code is None:
        if role == roles.DEPARTMENT_STAFF:
            raise BadInput("部门工作人员必须指定所属部门（--department）", "department_required")
        return None
    found = session.execute(text("SELECT 1 FROM departments WHERE code = :c"), {"c": code})
    if found.first() is None:
        raise BadInput(f"部门 {code[:20]!r} 不存在", "unknown_department")
    return code


def _check_rider(role: str, scope_code: str | None, department_code: str | None,
                 personal_data: bool | None) -> None:
    """Raise BadInput when a rider's login is given a scope, a department or personal data."""
    if role != roles.RIDER:
        return
    if scope_code:
        raise BadInput("骑手账号不设管辖范围：骑手负责的网格来自其关联的流动网格员"
                       "（rider logins take no --scope）", "rider_scope")
    if department_code:
        raise BadInput("骑手账号不属于部门（rider logins take no --department）",
                       "rider_department")
    if personal_data:
        raise BadInput("骑手账号不能查看个人信息（no personal data for riders）",
                       "rider_personal_data")


def get_user(session: Session, name: str) -> User | None:
    """Return the user with login `name` (case-insensitive), or None."""
    norm = (name or "").strip().lower()
    return session.scalars(select(User).where(User.name == norm)).one_or_none()


def get_by_id(session: Session, user_id: int) -> User | None:
    """Return the active user with this id, or None."""
    user = session.get(User, user_id)
    return user if user is not None and user.active else None


def require(session: Session, name: str) -> User:
    """Return the user of that name, else raise NotFound (user_not_found)."""
    user = get_user(session, name)
    if user is None:
        raise NotFound(f"没有用户 {str(name)[:40]!r}", "user_not_found")
    return user


def create_user(
    session: Session,
    name: str,
    role: str,
    password: str,
    *,
    display_name: str | None = None,
    scope_code: str | None = None,
    department_code: str | None = None,
    personal_data: bool | None = None,
) -> User:
    """Add a login of a staff or the rider role (flushed, not committed); BadInput/Conflict
    write nothing. A rider's login has no scope, department or personal data."""
    name = _check_name(name)
    role = roles.check_role(role)
    _check_rider(role, scope_code, department_code, personal_data)
    scope_code = _check_scope_exists(session, scope_code)
    department_code = _check_department(session, role, department_code)
    _check_password(password)
    if get_user(session, name) is not None:
        raise Conflict(f"用户名 {name} 已存在", "user_exists")
    user = User(
        name=name,
        display_name=(display_name or "").strip()[:50] or name,
        role=role,
        scope_code=scope_code,
        department_code=department_code,
        personal_data=roles.default_personal_data(role) if personal_data is None else personal_data,
        password_hash=HASHER.hash(password),
        active=True,
    )
    session.add(user)
    session.flush()
    return user


def set_password(session: Session, name: str, password: str) -> None:
    """Replace the user's password hash (flushed, not committed)."""
    user = require(session, name)
    user.password_hash = HASHER.hash(_check_password(password))
    session.flush()


def set_personal_data(session: Session, name: str, allowed: bool) -> None:
    """Grant or withdraw the personal-data permission (flushed, not committed); never to a
    rider's login (BadInput)."""
    user = require(session, name)
    _check_rider(user.role, None, None, allowed)
    user.personal_data = allowed
    session.flush()


def _verify(password_hash: str, password: str) -> bool:
    try:
        return HASHER.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def authenticate(session: Session, name: str, password: str) -> User | None:
    """Return the active user whose password matches; None for any failure (same cost)."""
    user = get_user(session, name) if name else None
    if user is None or not user.active:
        if not _DUMMY_HASH:
            _DUMMY_HASH.append(HASHER.hash(secrets.token_hex(8)))
        _verify(_DUMMY_HASH[0], password or "")
        return None
    if not _verify(user.password_hash, password or ""):
        return None
    if HASHER.check_needs_rehash(user.password_hash):
        user.password_hash = HASHER.hash(password)
    return user


def as_dict(user: User) -> dict[str, Any]:
    """Return a user as plain data (never the password hash)."""
    return {
        "name": user.name,
        "display_name": user.display_name,
        "role": user.role,
        "role_label": roles.label(user.role),
        "scope_code": user.scope_code,
        "department_code": user.department_code,
        "personal_data": user.personal_data,
        "active": user.active,
        "created_at": user.created_at.isoformat() if user.created_at else None,
    }


def list_users(session: Session) -> list[dict[str, Any]]:
    """Return every user as plain data, ordered by role then name."""
    rows = session.scalars(select(User).order_by(User.role, User.name)).all()
    return [as_dict(u) for u in rows]
