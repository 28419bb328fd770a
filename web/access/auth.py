"""Authentication of staff and rider logins: session login pages (Flask-Login, CSRF), bearer
tokens on the API, and the role checks of views (riders are not staff)."""

from __future__ import annotations

import logging
import os
import secrets
from collections.abc import Callable
from functools import wraps
from typing import Any
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    Flask,
    Response,
    current_app,
    flash,
    g,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import LoginManager, current_user, login_user, logout_user
from flask_wtf import FlaskForm
from flask_wtf.csrf import CSRFError, CSRFProtect
from wtforms import HiddenField, PasswordField, StringField, SubmitField
from wtforms.validators import DataRequired, Length

from gis.checks import is_whole
from gis.errors import Forbidden
from layers.access import roles, tokens, users
from web.core.db import get_session
from web.core.errors import error_page

LOG = logging.getLogger(__name__)
API_PREFIXES = ("/api/", "/open311/")
LOGIN_FAILED = "用户名或密码错误"
RIDER_REFUSED = "骑手（流动网格员）账号只能使用随手拍上报和查看本人贡献，不能使用工作人员功能"
RIDER_PAGES = ("/report", "/riders/me")  # where a rider may land after logging in
login_manager = LoginManager()
csrf = CSRFProtect()
bp = Blueprint("auth", __name__)
_UNSET = object()


class LoginForm(FlaskForm):
    """The login form of staff and riders (CSRF token included)."""

    name = StringField("用户名", validators=[DataRequired("请输入用户名"), Length(max=40)])
    password = PasswordField("密码", validators=[DataRequired("请输入密码"), Length(max=200)])
    next = HiddenField()
    submit = SubmitField("登录")


class LogoutForm(FlaskForm):
    """A one-button form so that logging out is a CSRF-checked POST."""

    submit = SubmitField("退出登录")


def _is_api() -> bool:
    return request.path.startswith(API_PREFIXES)


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
        if _is_api() and bearer_token() is not None:
            actor = _token_user()
        elif current_user.is_authenticated:
            actor = current_user._get_current_object()
        else:
            actor = None
        g._gridgov_actor = actor
    return actor


def _json(status: int, code: str, message: str) -> Response:
    resp = jsonify({"error": {"code": code, "message": message}})
    resp.status_code = status
    return resp


def _unauthorized() -> Response:
    """Answer 401 JSON on the API, a redirect to the login page elsewhere."""
    if _is_api():
        resp = _json(
            401, "unauthorized", "需要登录或有效的访问令牌（Authorization: Bearer <token>）"
        )
        resp.headers["WWW-Authenticate"] = 'Bearer realm="gridgov"'
        return resp
    return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))


def _forbidden(message: str) -> Any:
    """Answer 403 JSON on the API, a Chinese 403 page (with the message) elsewhere."""
    if _is_api():
        return _json(403, "forbidden", message)
    return error_page(403, message)


def _refusal(role: str, allowed: tuple[str, ...]) -> str:
    """Return why `role` may not use a view open to `allowed` (a rider's own sentence)."""
    staff = set(roles.ALL) <= set(allowed)
    names = "工作人员账号" if staff else "、".join(roles.label(r) for r in allowed)
    if role == roles.RIDER:
        return f"{RIDER_REFUSED}（需要：{names}）"
    return f"{roles.label(role)}无权执行此操作（需要：{names}）"


def roles_required(*allowed: str) -> Callable:
    """Decorate a view: 401 (API) or login redirect (pages) without a login, 403 when the
    login's role is not allowed."""
    for role in allowed:
        roles.check_role(role)

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            actor = current_actor()
            if actor is None:
                return _unauthorized()
            if actor.role not in allowed:
                return _forbidden(_refusal(actor.role, allowed))
            return view(*args, **kwargs)

        return wrapped

    return decorator


def staff_required(view: Callable) -> Callable:
    """Decorate a view: 401 (API) or login redirect (pages) unless a staff member acts; 403
    for a rider's login."""
    return roles_required(*roles.ALL)(view)


def login_required(view: Callable) -> Callable:
    """Decorate a view open to every login, staff or rider (the view checks what is theirs)."""
    return roles_required(*roles.KNOWN)(view)


def require_scope(code: str | None) -> None:
    """Raise Forbidden (403) unless hierarchy `code` is inside the current staff actor's scope
    (a rider has none)."""
    actor = current_actor()
    if actor is None or not roles.is_staff(actor.role) or not roles.in_scope(actor.scope_code,
                                                                              code):
        raise Forbidden(f"{code} 不在您的管辖范围内", "out_of_scope")


def _safe_next(target: str | None) -> str:
    """Return `target` when it is a printable local path, else the home page (no open
    redirects; a Location header cannot hold control characters)."""
    parts = urlsplit(target or "")
    if target and target.startswith("/") and not target.startswith("//") and not parts.netloc:
        if "\\" not in target and target.isprintable():
            return target
    return url_for("pages.index")


def _landing(user: users.User, target: str | None) -> str:
    """Return where `user` goes after logging in: `target` (when local), but a rider goes to
    /report unless `target` is one of the rider's own pages."""
    target = _safe_next(target)
    if user.role == roles.RIDER and not target.startswith(RIDER_PAGES):
        return url_for("report.report_page")
    return target


@bp.route("/login", methods=["GET", "POST"])
def login() -> Any:
    """The login page of staff and riders; a correct name and password start a session."""
    form = LoginForm()
    if request.method == "GET":
        form.next.data = request.args.get("next", "")
    if form.validate_on_submit():
        db = get_session()
        user = users.authenticate(db, form.name.data, form.password.data)
        if user is not None:
            db.commit()
            session.clear()
            login_user(user)
            return redirect(_landing(user, form.next.data))
        flash(LOGIN_FAILED, "danger")
    return render_template("access/login.html", form=form, logout_form=None)


@bp.route("/logout", methods=["GET", "POST"])
def logout() -> Any:
    """GET asks to confirm (a CSRF-protected form); POST ends the session."""
    if request.method == "POST":
        logout_user()
        session.clear()
        flash("已退出登录", "success")
        return redirect(url_for("auth.login"))
    if not current_user.is_authenticated:
        return redirect(url_for("auth.login"))
    return render_template("access/login.html", form=None, logout_form=LogoutForm())


def _load_user(user_id: str) -> users.User | None:
    """Return the active user kept in the session, or None."""
    return users.get_by_id(get_session(), int(user_id)) if is_whole(user_id) else None


def _skips_csrf() -> bool:
    """API calls with a bearer token, or from callers not logged in, need no CSRF token."""
    return _is_api() and (bearer_token() is not None or "_user_id" not in session)


def _csrf_guard() -> None:
    if current_app.config.get("WTF_CSRF_ENABLED", True) and not _skips_csrf():
        csrf.protect(apply_exemptions=True)


def _csrf_error(exc: CSRFError) -> Any:
    message = "安全令牌（CSRF）缺失或已过期，请刷新页面后重试"
    if _is_api():
        return _json(400, "csrf_failed", message)
    return Response(message, status=400, mimetype="text/plain")


def _stable_secret_key(app: Flask) -> None:
    """Keep one SECRET_KEY across workers and restarts when GRIDGOV_SECRET_KEY is unset."""
    conf = app.config.get("GRIDGOV")
    if app.testing or (conf is not None and conf.secret_key):
        return
    path = os.path.join(app.instance_path, "secret_key")
    if not os.path.exists(path):
        os.makedirs(app.instance_path, exist_ok=True)
        tmp = f"{path}.{os.getpid()}.tmp"
        with open(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w") as fh:
            fh.write(secrets.token_hex(32))
        try:
            os.link(tmp, path)
        except FileExistsError:
            pass
        finally:
            os.unlink(tmp)
    with open(path, encoding="ascii") as fh:
        app.config["SECRET_KEY"] = fh.read().strip()
    LOG.info("GRIDGOV_SECRET_KEY unset: using the key kept in %s", path)


def init_app(app: Flask) -> None:
    """Set up sessions (HttpOnly, SameSite=Lax), Flask-Login, CSRF, 401/403 answers, /login."""
    _stable_secret_key(app)
    app.config.update(
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        REMEMBER_COOKIE_HTTPONLY=True,
        REMEMBER_COOKIE_SAMESITE="Lax",
        WTF_CSRF_CHECK_DEFAULT=False,
    )
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = "请先登录"
    login_manager.user_loader(_load_user)
    login_manager.unauthorized_handler(_unauthorized)
    csrf.init_app(app)
    app.before_request(_csrf_guard)
    app.register_error_handler(CSRFError, _csrf_error)
    app.context_processor(lambda: {"current_actor": current_actor, "role_label": roles.label,
                                   "is_staff_role": roles.is_staff})
    app.register_blueprint(bp)
