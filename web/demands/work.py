"""The work lists on the web: 我的工单 (an assignee's orders) and 待核查 (resolved demands
waiting for a coordinator's check); their actions post to the transitions API."""

from __future__ import annotations

from flask import Blueprint, current_app, render_template

from layers.demands import taxonomy, worklist
from web.access import actor as acting
from web.access.guard import requires
from web.core.db import get_session
from web.demands.pages import page_helpers

bp = Blueprint("work", __name__)


def _reopen_days() -> float:
    return current_app.config["RULES"].reopen_days


@bp.get("/work")
@requires("demands.handle")
def mine() -> str:
    """我的工单: the demands the actor, their department or community must handle, oldest
    deadline first, with sign / return / progress / resolve."""
    session = get_session()
    data = worklist.assigned_to(session, acting.current(), _reopen_days())
    session.commit()  # the audit of unmasked reads
    return render_template("demands/work.html", mode="mine", title="我的工单", **data,
                           limit=worklist.LIST_LIMIT,
                           departments=taxonomy.list_departments(session), **page_helpers())


@bp.get("/work/verification")
@requires("demands.dispatch")
def verification() -> str:
    """待核查: resolved demands of the coordinator's scope, longest waiting first, with
    verify / rework."""
    session = get_session()
    data = worklist.waiting_verification(session, acting.current(), _reopen_days())
    session.commit()
    return render_template("demands/work.html", mode="verification", title="待核查", **data,
                           limit=worklist.LIST_LIMIT,
                           departments=taxonomy.list_departments(session), **page_helpers())
