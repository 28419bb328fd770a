"""Bearer API tokens of logins: issued once, stored as their sha256, looked up per request."""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime, timedelta

from sqlalchemy import (
    Boolean,
    DateTime,
    ForeignKey,
    Integer,
    String,
    bindparam,
    func,
    select,
    update,
)
from sqlalchemy.orm import Mapped, Session, mapped_column

from gis.errors import Conflict
from gis.models import Base
from layers.access.users import User, require

TOKEN_TOUCH_EVERY = timedelta(minutes=1)


class ApiToken(Base):
    """A bearer token of a user; only its sha256 hex digest is stored."""

    __tablename__ = "api_tokens"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    revoked: Mapped[bool] = mapped_column(Boolean, default=False)


def _hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def issue_token(session: Session, name: str) -> str:
    """Return a new bearer token for the active user (shown once; only its sha256 is stored)."""
    user = require(session, name)
    if not user.active:
        raise Conflict(f"用户 {user.name} 已停用", "user_inactive")
    token = secrets.token_urlsafe(32)
    session.add(ApiToken(user_id=user.id, token_hash=_hash_token(token), revoked=False))
    session.flush()
    return token


_USER_COLUMNS = tuple(User.__table__.c)
_TOKEN_USER = (
    select(*_USER_COLUMNS, ApiToken.id.label("token_id"),
           ApiToken.last_used_at.label("token_used_at"))
    .join(ApiToken, User.id == ApiToken.user_id)
    .where(ApiToken.token_hash == bindparam("digest"), ApiToken.revoked.is_(False))
    .where(User.active.is_(True))
)


def user_for_token(session: Session, token: str | None) -> User | None:
    """Return the active user of an unrevoked token (a detached User read in one Core
    statement, no ORM load), or None. Marks the token used at most once a minute and then
    sets session.info["token_touched"] so the caller can commit it."""
    if not token:
        return None
    row = session.connection().execute(  # Core: no ORM execution layer on every API call
        _TOKEN_USER, {"digest": _hash_token(token)}).mappings().first()
    if row is None:
        return None
    user = User(**{c.key: row[c.key] for c in _USER_COLUMNS})
    now = datetime.now(UTC)
    if row["token_used_at"] is None or now - row["token_used_at"] > TOKEN_TOUCH_EVERY:
        session.execute(update(ApiToken).where(ApiToken.id == row["token_id"])
                        .values(last_used_at=now))
        session.info["token_touched"] = True
    return user


def revoke_token(session: Session, token: str) -> bool:
    """Revoke one token; return True when it existed and was live."""
    api_token = session.scalars(
        select(ApiToken).where(ApiToken.token_hash == _hash_token(token or ""))
    ).one_or_none()
    if api_token is None or api_token.revoked:
        return False
    api_token.revoked = True
    session.flush()
    return True


def revoke_tokens(session: Session, name: str) -> int:
    """Revoke every live token of a user; return how many."""
    user = require(session, name)
    live = session.scalars(
        select(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked.is_(False))
    ).all()
    for api_token in live:
        api_token.revoked = True
    session.flush()
    return len(live)
