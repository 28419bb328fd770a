"""The staff page 网格力量 (/members): on-duty members by kind on the grid map, coverage gaps,
the professional members short of their monthly service days, and 账号关联 (tying a staff
login to a member; CSRF-checked forms, managers only)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_wtf import FlaskForm
from wtforms import StringField, SubmitField
from wtforms.validators import DataRequired, Length

from gis.errors import BadInput, DomainError, Forbidden, Invalid, NotFound
from grids import mapdata
from layers.access import policy
from layers.demands import taxonomy
from layers.members import logins as member_logins
from layers.members import map_data as member_map
from layers.members import service_days
from layers.members import store as members
from web.access import actor as acting
from web.access.guard import requires
from web.core import maps
from web.core.db import get_session
from web.core.errors import STATUS, error_page
from web.core.map_context import basemap, map_links
from web.members import maps as member_maps

bp = Blueprint("members", __name__)
TABLE_ROWS = 200


class LinkLoginForm(FlaskForm):
    """关联登录账号: the staff user name that will act for a member."""

    login = StringField("登录账号（用户名）", validators=[
        DataRequired("请填写登录账号（用户名）"), Length(max=40, message="用户名最多 40 个字符")])
    submit = SubmitField("关联")


class UnlinkLoginForm(FlaskForm):
    """解除关联: a one-button form, so that unlinking is a CSRF-checked POST."""

    submit = SubmitField("解除关联")


def _department(raw: str | None, departments: list[dict]) -> str | None:
    """Return ?department= when it is a known department code, None when empty."""
    if not raw:
        return None
    if raw not in {d["code"] for d in departments}:
        raise BadInput(f"没有部门 {raw[:20]!r}（unknown department）", "bad_department")
    return raw


def _layers(session, scope: str | None) -> tuple[member_maps.MemberLayers, dict[str, dict]]:
    """Return where the map's data comes from (members fetched by viewport above the embed
    threshold) and the per-kind counts of the viewer's scope."""
    counts = member_map.on_duty_counts(session, datetime.now(UTC), scope)
    embed = member_maps.embeds(counts)
    layers = member_maps.MemberLayers(
        grids_url=url_for("api.grids.map_grids"), data_url=url_for("api.members.member_map"),
        fetch_url="" if embed else url_for("api.members.members_on_duty"),
        fetch_limit=current_app.config.get("MEMBER_MAP_FETCH_LIMIT", member_map.ON_DUTY_LIMIT),
    )
    return layers, counts


@bp.get("/members")
@requires("members.view")
def index() -> Any:
    """网格力量: the member map with coverage controls, and the service-day shortfall table."""
    session, actor = get_session(), acting.current()
    departments = taxonomy.list_departments(session)
    try:
        month = service_days.parse_month(request.args.get("month"))
        department = _department(request.args.get("department"), departments)
    except BadInput as err:
        return error_page(400, str(err))
    layers, counts = _layers(session, actor.scope)
    parts = maps.render_parts(member_maps.member_map(layers, map_links(), basemap()))
    everyone = service_days.shortfall(session, month, department, actor.scope, only_short=False)
    short = [r for r in everyone if r["shortfall"] > 0]
    return render_template(
        "members/index.html", map=parts, kinds=member_maps.kind_legend(),
        counts=counts, fetching=bool(layers.fetch_url), departments=departments, month=month,
        department=department, short=short[:TABLE_ROWS], short_total=len(short),
        professionals=len(everyone), minimum=service_days.MIN_DAYS, scope=actor.scope,
        no_rider=len(member_map.grids_without_rider(session, actor.scope)),
        grid_count=mapdata.grid_count(session),
        can_manage_logins=policy.may(actor, "members.logins"))


@bp.get("/members/logins")
@requires("members.logins")
def logins() -> Any:
    """账号关联: members in scope whose id is ?q= or whose name contains it, with their logins."""
    query = request.args.get("q", "")
    try:
        found = member_logins.find(get_session(), acting.current(), query)
    except BadInput as err:
        return error_page(400, str(err))
    return render_template("members/logins.html", query=query[:member_logins.MAX_QUERY],
                           found=found, kinds=members.KINDS, limit=member_logins.MAX_FOUND)


def _login_page(member_id: int, form: LinkLoginForm | None = None, error: str | None = None,
                status: int = 200) -> Any:
    """Render one member's login page (404/403 pages for unknown or out-of-scope members)."""
    try:
        found = member_logins.member_login(get_session(), acting.current(), member_id)
    except NotFound:
        return error_page(404, f"没有网格成员 {member_id}。")
    except Forbidden as err:
        return error_page(403, str(err))
    return render_template(
        "members/login.html", m=found, kinds=members.KINDS, form=form or LinkLoginForm(),
        unlink_form=UnlinkLoginForm(), error=error), status


@bp.get("/members/<int:member_id>/login")
@requires("members.logins")
def member_login(member_id: int) -> Any:
    """One member: its current login, a form to link another and a button to unlink."""
    return _login_page(member_id)


@bp.post("/members/<int:member_id>/login")
@requires("members.logins")
def link_login(member_id: int) -> Any:
    """Tie the login named in the form to the member; refusals are shown on the page."""
    form = LinkLoginForm()
    if not form.validate_on_submit():
        return _login_page(member_id, form, status=422)
    session = get_session()
    try:
        member_logins.link(session, acting.current(), member_id, form.login.data)
    except Invalid as err:
        session.rollback()
        form.login.errors = [*form.login.errors, *err.fields.values()]
        return _login_page(member_id, form, status=422)
    except DomainError as err:
        session.rollback()
        return _login_page(member_id, form, str(err), STATUS.get(type(err), 400))
    session.commit()
    flash(f"已将登录账号 {form.login.data.strip().lower()} 关联到网格成员 {member_id}", "success")
    return redirect(url_for("members.member_login", member_id=member_id))


@bp.post("/members/<int:member_id>/login/unlink")
@requires("members.logins")
def unlink_login(member_id: int) -> Any:
    """Remove the member's login (the member stays; the login stays a staff account)."""
    if not UnlinkLoginForm().validate_on_submit():
        return error_page(400, "表单无效或已过期，请刷新页面后重试。")
    session = get_session()
    try:
        member_logins.unlink(session, acting.current(), member_id)
    except DomainError as err:
        session.rollback()
        return _login_page(member_id, error=str(err), status=STATUS.get(type(err), 400))
    session.commit()
    flash(f"已解除网格成员 {member_id} 的登录账号关联", "success")
    return redirect(url_for("members.member_login", member_id=member_id))
