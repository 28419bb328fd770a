"""`/`: the start page of each role — the public one for residents and riders, the user's
work list or map for those whose day is one page, figures and links for the others."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, redirect, render_template, url_for

from layers.access import roles
from layers.reporting import home
from web.access import actor as acting
from web.access.guard import requires
from web.core.db import get_session

bp = Blueprint("home", __name__)
START_PAGES = {
    roles.GRID_WORKER: "work.mine",
    roles.DEPARTMENT_STAFF: "work.mine",
    roles.SUPERVISOR: "pages.grid_map",
}
"""Roles whose day is one page start there (我的工单, the supervisor's map); the others get
the start page below."""


@bp.get("/")
@requires("public")
def index() -> Any:
    """The start page for the request's login (or the public one without a staff login)."""
    actor = acting.current()
    if actor.role in START_PAGES:
        return redirect(url_for(START_PAGES[actor.role]))
    if not actor.is_staff:
        return render_template("home/public.html", rider=actor.is_rider)
    data = home.start_figures(get_session(), actor)
    return render_template("home/staff.html", **data, role=actor.role, oldest_age=waited)


def waited(seconds: int) -> str:
    """Return how long something has waited, in Chinese (分钟 / 小时 / 天)."""
    if seconds < 3600:
        return f"{max(1, seconds // 60)} 分钟"
    if seconds < 86400:
        return f"{seconds // 3600} 小时"
    return f"{seconds // 86400} 天 {seconds % 86400 // 3600} 小时"
