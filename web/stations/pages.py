"""驿站管理 (/stations): staff keep the 红色驿站 and 暖蜂驿站·工会驿站 of their scope — the list
(any staff), adding, editing and deactivating (admins, community staff and supervisors, in
their scope; CSRF-checked forms, refusals shown on the form). The form's location can be
picked on a map of the grids (static/js/stations/form.js; typed lon/lat work without it). Thin:
`layers.station_edits` checks, writes and audits."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_wtf import FlaskForm
from sqlalchemy.orm import Session
from wtforms import SubmitField

from gis.errors import BadInput, DomainError, Forbidden, Invalid, NotFound
from layers.access import policy
from layers.stations import edits as station_edits
from layers.stations import store as stations
from web.access import actor as acting
from web.access.guard import requires
from web.core.db import get_session
from web.core.errors import STATUS, error_page
from web.core.map_context import basemap, map_links
from web.stations import maps as station_maps
from web.stations.forms import StationForm

bp = Blueprint("stations", __name__)


class DeactivateForm(FlaskForm):
    """停用: a one-button form, so that deactivating is a CSRF-checked POST."""

    submit = SubmitField("停用驿站")


@bp.get("/stations")
@requires("stations.view")
def index() -> Any:
    """驿站管理: the stations in the viewer's scope, filtered by ?kind=&active=, paged."""
    session, actor = get_session(), acting.current()
    try:
        f = station_edits.parse_filter(request.args)
    except BadInput as err:
        return error_page(400, str(err))
    rows, total = station_edits.list_stations(session, actor, f)
    return render_template(
        "stations/index.html", rows=rows, total=total, f=f, kinds=stations.KINDS,
        per_page=station_edits.PER_PAGE, scope=actor.scope,
        can_create=policy.may(actor, "stations.edit"))


def _save(form: StationForm, write: Callable[[Session, station_edits.StationInput], Any]
          ) -> tuple[Any, int]:
    """Check the form's values and write them, committing; on a refusal roll back, put the
    reasons on the form and return (None, status)."""
    session = get_session()
    try:
        result = write(session, station_edits.check_input(session, form.values()))
    except Invalid as err:
        session.rollback()
        form.add_errors(err.fields)
        return None, 422
    except DomainError as err:
        session.rollback()
        form.form_errors.append(str(err))
        return None, STATUS.get(type(err), 400)
    session.commit()
    return result, 200


def _picker() -> dict:
    """Return what the form's location picker needs: the basemap (tiles, datum), the viewer's
    scope (its grids stand out), the stations' layer URL and kinds (the other stations are
    drawn) and the grid page URL ('__code__' slot)."""
    return {"basemap": basemap(), "scope": acting.current().scope,
            "stations_url": station_maps.layer_url(), "kinds": station_maps.kind_legend(),
            "grid_url": map_links().grid_url}


def _form_page(form: StationForm, station: dict | None, status: int) -> Any:
    return render_template("stations/form.html", form=form, station=station,
                           deactivate_form=DeactivateForm(), picker=_picker()), status


@bp.route("/stations/new", methods=["GET", "POST"])
@requires("stations.edit")
def new() -> Any:
    """新增驿站: the form; a valid POST adds the station (grid from its point)."""
    actor, form, status = acting.current(), StationForm(), 200
    if form.validate_on_submit():
        created, status = _save(form, lambda s, d: station_edits.create(s, actor, d))
        if created is not None:
            grid = created["grid_code"] or "无（不在任何网格内）"
            flash(f"已新增驿站：{form.name.data.strip()}（编号 {created['id']}，所在网格 {grid}）",
                  "success")
            return redirect(url_for("stations.index"))
    return _form_page(form, None, status)


def _editable(station_id: int) -> dict | tuple:
    """Return the station the actor may edit, or the 404/403 page to answer instead."""
    try:
        return station_edits.editable(get_session(), acting.current(), station_id)
    except NotFound:
        return error_page(404, f"没有驿站 {station_id}。")
    except Forbidden as err:
        return error_page(403, str(err))


@bp.route("/stations/<int:station_id>/edit", methods=["GET", "POST"])
@requires("stations.edit")
def edit(station_id: int) -> Any:
    """编辑驿站: the form filled with the station; a valid POST saves the changes."""
    found = _editable(station_id)
    if isinstance(found, tuple):
        return found
    actor, status = acting.current(), 200
    if request.method == "GET":
        return _form_page(StationForm(data=station_edits.form_values(found)), found, status)
    form = StationForm()
    if form.validate_on_submit():
        changed, status = _save(
            form, lambda s, d: station_edits.update(s, actor, station_id, d))
        if changed is not None:
            names = "、".join(station_edits.LABELS[k] for k in changed)
            flash(f"已保存驿站 {found['id']}：修改了{names}" if changed
                  else f"驿站 {found['id']} 没有改动", "success")
            return redirect(url_for("stations.index"))
    return _form_page(form, found, status)


@bp.post("/stations/<int:station_id>/deactivate")
@requires("stations.edit")
def deactivate(station_id: int) -> Any:
    """停用: the station stays (with its history) but no longer shows on maps or the API."""
    if not DeactivateForm().validate_on_submit():
        return error_page(400, "表单无效或已过期，请刷新页面后重试。")
    session = get_session()
    try:
        done = station_edits.deactivate(session, acting.current(), station_id)
    except NotFound:
        return error_page(404, f"没有驿站 {station_id}。")
    except Forbidden as err:
        return error_page(403, str(err))
    session.commit()
    flash(f"已停用驿站 {station_id}（记录保留，可在编辑页重新启用）" if done
          else f"驿站 {station_id} 已是停用状态", "success")
    return redirect(url_for("stations.index"))
