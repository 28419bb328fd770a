"""Logging in: the login and logout pages of staff and riders (Flask-Login sessions, CSRF on
every form); who is asking and what they may do is web.access.guard's."""

from __future__ import annotations

import logging
import os
import secrets
from typing import Any
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    Flask,
    Response,
    current_app,
    flash,
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
from layers.access import policy, roles, users
from layers.access.actors import for_user
from web.access import nav
from web.access.guard import bearer_token, current_actor, requires, unauthorized
from web.core.db import get_session
from web.core.errors import is_api, json_error

LOG = logging.getLogger(__name__)
LOGIN_FAILED = "用户名或密码错误"
RIDER_PAGES = ("/report", "/riders/me")  # where a rider may land after logging in
login_manager = LoginManager()
csrf = CSRFProtect()
bp = Blueprint("auth", __name__)


class LoginForm(FlaskForm):
    """The login form of staff and riders (CSRF token included)."""

    name = StringField("用户名", validators=[DataRequired("请输入用户名"), Length(max=40)])
    password = PasswordField("密码", validators=[DataRequired("请输入密码"), Length(max=200)])
    next = HiddenField()
    submit = SubmitField("登录")


class LogoutForm(FlaskForm):
    """A one-button form so that logging out is a CSRF-checked POST."""

    submit = SubmitField("退出登录")


def _safe_next(target: str | None) -> str:
    """Return `target` when it is a printable local path, else the home page (no open
    redirects; a Location header cannot hold control characters)."""
    parts = urlsplit(target or "")
    if target and target.startswith("/") and not target.startswith("//") and not parts.netloc:
        if "\\" not in target and target.isprintable():
            return target
    return url_for("home.index")


def _landing(user: users.User, target: str | None) -> str:
    """Return where `user` goes after logging in: `target` (when local), but a rider goes to
    /report unless `target` is one of the rider's own pages."""
    target = _safe_next(target)
    if user.role == roles.RIDER and not target.startswith(RIDER_PAGES):
        return url_for("report.report_page")
    return target


@bp.route("/login", methods=["GET", "POST"])
@requires("public")
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
@requires("public")
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
    return is_api() and (bearer_token() is not None or "_user_id" not in session)


def _csrf_guard() -> None:
    if current_app.config.get("WTF_CSRF_ENABLED", True) and not _skips_csrf():
        csrf.protect(apply_exemptions=True)


def _csrf_error(exc: CSRFError) -> Any:
    message = "安全令牌（CSRF）缺失或已过期，请刷新页面后重试"
    if is_api():
        return json_error(400, "csrf_failed", message)
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


def _may(name: str) -> bool:
    """Return whether the request's login holds permission `name` (for templates: the nav)."""
    return policy.may(for_user(current_actor()), name)


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
    login_manager.unauthorized_handler(unauthorized)
    csrf.init_app(app)
    app.before_request(_csrf_guard)
    app.register_error_handler(CSRFError, _csrf_error)
    app.context_processor(lambda: {"current_actor": current_actor, "role_label": roles.label,
                                   "may": _may, "nav_menus": lambda: nav.menus(_may)})
