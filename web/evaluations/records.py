"""组织评议 and 约谈 staff pages: the secretaries' annual reviews per year (/evaluations/reviews)
and the interview records (/evaluations/interviews), each with its entry form."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for

from gis.errors import DomainError, Invalid
from layers.evaluations import interviews, reviews
from web.access import actor as acting
from web.access.guard import requires
from web.core.db import get_session
from web.core.errors import STATUS, error_page

bp = Blueprint("evaluation_records", __name__, url_prefix="/evaluations")


def _save(write: Callable[[], Any]) -> tuple[Any, dict, int]:
    """Run `write`, committing; on a refusal roll back and return (None, errors, status)."""
    session = get_session()
    try:
        result = write()
    except Invalid as err:
        session.rollback()
        return None, err.fields, 422
    except DomainError as err:
        session.rollback()
        return None, {"form": str(err)}, STATUS.get(type(err), 400)
    session.commit()
    return result, {}, 200


def _year(raw: str | None) -> int | None:
    text = (raw or "").strip()
    if not text:
        return date.today().year
    return int(text) if text.isdigit() and 2000 <= int(text) <= 2100 else None


def _reviews_page(year: int, values: dict, errors: dict, status: int) -> Any:
    rows = reviews.list_year(get_session(), acting.current(), year)
    return render_template("evaluations/reviews.html", rows=rows, year=year, values=values,
                           errors=errors, grades=reviews.GRADES), status


@bp.get("/reviews")
@requires("evaluations.view")
def secretary_reviews() -> Any:
    """述职评议: the year's reviews (?year=, default this year) in the viewer's scope."""
    year = _year(request.args.get("year"))
    if year is None:
        return error_page(400, "年度应为 2000–2100 的四位年份")
    return _reviews_page(year, {"year": str(year), "grade": ""}, {}, 200)


@bp.post("/reviews")
@requires("evaluations.manage")
def add_secretary_review() -> Any:
    """Add one secretary's review; the errors beside their fields, nothing stored."""
    actor, session, values = acting.current(), get_session(), request.form.to_dict()
    created, errors, status = _save(lambda: reviews.create(session, actor, values))
    if created is not None:
        flash(f"已录入 {values.get('person_name', '').strip()} 的述职评议", "success")
        return redirect(url_for("evaluation_records.secretary_reviews",
                                year=values.get("year")))
    return _reviews_page(_year(values.get("year")) or date.today().year, values, errors,
                         status)


@bp.get("/interviews")
@requires("evaluations.view")
def interview_list() -> Any:
    """约谈记录: the interviews filed in the viewer's scope, newest first."""
    rows = interviews.list_interviews(get_session(), acting.current())
    return render_template("evaluations/interviews.html", rows=rows, states=interviews.STATES)


@bp.route("/interviews/new", methods=["GET", "POST"])
@requires("evaluations.manage")
def new_interview() -> Any:
    """新增约谈记录: a valid POST stores it."""
    actor, session = acting.current(), get_session()
    values = request.form.to_dict() if request.method == "POST" else {
        "unit_kind": "community", "held_on": date.today().isoformat(), "state": "open"}
    errors, status = {}, 200
    if request.method == "POST":
        created, errors, status = _save(lambda: interviews.create(session, actor, values))
        if created is not None:
            flash("已保存约谈记录", "success")
            return redirect(url_for("evaluation_records.interview_list"))
    return render_template("evaluations/interview_new.html", values=values, errors=errors,
                           kinds=interviews.UNIT_KINDS, states=interviews.STATES), status


@bp.post("/interviews/<int:interview_id>/follow-up")
@requires("evaluations.manage")
def interview_follow_up(interview_id: int) -> Any:
    """Record an interview's follow-up and state."""
    session, actor = get_session(), acting.current()
    done, errors, status = _save(
        lambda: interviews.follow_up(session, actor, interview_id, request.form))
    if done is None:
        return error_page(status, "；".join(errors.values()))
    flash(f"已更新约谈记录 {interview_id} 的整改情况", "success")
    return redirect(url_for("evaluation_records.interview_list"))
