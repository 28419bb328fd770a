"""Staff pages (login required, Chinese): filing a demand with photos, and a demand's page."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import Blueprint, current_app, flash, redirect, render_template, url_for
from sqlalchemy.orm import Session

from gis.errors import BadInput, Invalid, NotFound
from gis.localtime import TZ
from layers.demands import labels, photo_files, photos, taxonomy, worklist
from layers.demands.fields import SOURCES
from web.access import actor as acting
from web.access.guard import requires
from web.core import uploads
from web.core.db import get_session
from web.core.errors import error_page
from web.core.media import media_dir
from web.demands.forms import DemandForm

bp = Blueprint("staff", __name__, url_prefix="/staff")
KIND_LABELS = {"before": "受理时", "after": "办结后", "progress": "办理中"}
ACTION_LABELS = {
    "create": "登记", "merge": "合并到原诉求", "dispatch": "派遣", "sign": "签收", "return": "回退",
    "resolve": "办结", "verify": "核查", "rework": "返工", "close": "结案", "rate": "评价",
    "reopen": "重新打开", "claim": "认领", "escalate": "升级督办", "progress": "进展",
    "reassign": "改派",
}


def local_time(value: datetime | None) -> str:
    """Return a UTC time as 'YYYY-MM-DD HH:MM' in Asia/Shanghai ('—' when absent)."""
    return value.astimezone(TZ).strftime("%Y-%m-%d %H:%M") if value else "—"


def _file(session: Session, form: DemandForm) -> dict | None:
    """Write the form's demand and photos; None (errors shown on the form) when refused."""
    try:
        with photo_files.staged(media_dir()) as store:
            created = photos.create_demand_with_photos(
                session, store, form.body(), uploads.photo_bytes(), acting.current(),
                current_app.config["RULES"])
            session.commit()
        return created
    except Invalid as err:
        form.add_errors(err.fields)
    except BadInput as err:
        form.add_errors({"category" if err.code == "unknown_category" else "body": str(err)})
    session.rollback()
    return None


@bp.route("/demands/new", methods=["GET", "POST"])
@requires("demands.register")
def new_demand() -> Any:
    """登记诉求: the form; a valid POST files the demand and shows its page."""
    session = get_session()
    form = DemandForm()
    form.set_categories(taxonomy.list_categories(session))
    if form.validate_on_submit():
        created = _file(session, form)
        if created is not None:
            flash(f"诉求已登记：{created['code']}", "success")
            return redirect(url_for("staff.demand_page", code=created["code"]))
    return render_template("demands/new.html", form=form), 422 if form.errors else 200


@bp.get("/demands/<code>")
@requires("demands.view")
def demand_page(code: str) -> Any:
    """One demand for staff: its fields, history, photos by kind (受理时/办结后) and the forms
    of the actions the actor may take now; 403 outside their scope and orders."""
    session = get_session()
    try:
        d = worklist.staff_detail(session, code[:30], acting.current(),
                                  current_app.config["RULES"].reopen_days)
    except NotFound:
        return error_page(404, "没有这个诉求。")
    session.commit()  # the audit of unmasked reads
    return render_template(
        "demands/demand.html", d=d, events=d["events"], photos=d["photos"],
        departments=taxonomy.list_departments(session), **page_helpers())


def page_helpers() -> dict:
    """Return what the demand templates use: time and label helpers, the action names."""
    return {"local_time": local_time, "state_label": labels.state_label, "sources": SOURCES,
            "kinds": KIND_LABELS, "actions": ACTION_LABELS,
            "satisfaction_label": labels.satisfaction_label}
