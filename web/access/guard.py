"""Who is asking and may they: the request's login (session or bearer token) and the
permission each view declares (`requires`, names from layers.access.policy)."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import Response, g, redirect, request, url_for
from flask_login import current_user

from layers.access import policy, tokens, users
from web.core.db import get_session
from web.core.errors import error_page, is_api, json_error

_UNSET = object()


def bearer_token() -> str | None:
    """Return the token of an `Authorization: Bearer <token>` header, or None."""
    scheme, _, value = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        return None
    return value.strip()


def _token_user() -> users.User | None:
    """Return the user of the request's bearer token, committing its last-used time."""
    db = get_session()
    user = tokens.user_for_token(db, bearer_token())
    if db.info.pop("token_touched", False):
        db.commit()
    return user


def current_actor() -> users.User | None:
    """Return the user of this request (staff or rider: check the role): bearer token on the
    API, else the session."""
    actor = g.get("_gridgov_actor", _UNSET)
    if actor is _UNSET:
        if is_api() and bearer_token() is not None:
            actor = _token_user()
        elif current_user.is_authenticated:
            actor = current_user._get_current_object()
        else:
            actor = None
        g._gridgov_actor = actor
    return actor


def unauthorized() -> Response:
    """Answer 401 JSON on the API, a redirect to the login page elsewhere."""
    if is_api():
        resp = json_error(
            401, "unauthorized", "需要登录或有效的访问令牌（Authorization: Bearer <token>）"
        )
        resp.headers["WWW-Authenticate"] = 'Bearer realm="gridgov"'
        return resp
    return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))


def forbidden(message: str) -> Any:
    """Answer 403 JSON on the API, a Chinese 403 page (with the message) elsewhere."""
    if is_api():
        return json_error(403, "forbidden", message)
    return error_page(403, message)


def requires(name: str) -> Callable:
    """Decorate a view with the one permission it needs (`view.permission`): without a login
    401 on the API or the login page, 403 when the login's role lacks it. A permission every
    resident has leaves the view as it is; the domain checks the object's scope."""
    perm = policy.permission(name)

    def decorator(view: Callable) -> Callable:
        if not perm.needs_login:
            view.permission = name
            return view

        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            actor = current_actor()
            if actor is None:
                return unauthorized()
            if actor.role not in perm.roles:
                return forbidden(policy.refusal(actor.role, name))
            return view(*args, **kwargs)

        wrapped.permission = name
        return wrapped

    return decorator
