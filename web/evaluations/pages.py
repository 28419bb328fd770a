"""群众评议 staff pages (/evaluations): the rounds, a new round, one round with its results,
opening and closing, issuing ballot codes (a printable sheet, shown once), entering a
meeting's paper forms, the report for the units' superiors (page and .xlsx) and the
departments' half-year figures. Thin: parse, one `layers.evaluations` call, render."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for

from gis.errors import DomainError, Invalid
from layers.evaluations import ballots, catalog, report_file, results, rounds, sheets
from web.access import actor as acting
from web.access.guard import requires
from web.core.db import get_session
from web.core.errors import STATUS, error_page
from web.reporting.ledgers import MIMETYPES, content_disposition

bp = Blueprint("evaluations", __name__, url_prefix="/evaluations")


def _refused(err: DomainError) -> Any:
    """Roll back and answer a domain refusal with its Chinese page."""
    get_session().rollback()
    return error_page(STATUS.get(type(err), 400), str(err))


@bp.get("")
@requires("evaluations.view")
def index() -> Any:
    """群众评议: the rounds in the viewer's scope, newest period first."""
    actor = acting.current()
    rows = rounds.list_rounds(get_session(), actor)
    return render_template("evaluations/index.html", rows=rows, scope=actor.scope,
                           min_votes=catalog.MIN_VOTES)


@bp.route("/rounds/new", methods=["GET", "POST"])
@requires("evaluations.manage")
def new_round() -> Any:
    """新建评议轮次: kind, period, area, least votes; a valid POST creates a draft round."""
    actor, errors, status = acting.current(), {}, 200
    values = request.form.to_dict() if request.method == "POST" else {
        "kind": catalog.COMMUNITY, "area_code": actor.scope or ""}
    if request.method == "POST":
        session = get_session()
        try:
            round_id = rounds.create_round(session, actor, rounds.check_round(values))
        except Invalid as err:
            session.rollback()
            errors, status = err.fields, 422
        except DomainError as err:
            session.rollback()
            errors, status = {"form": str(err)}, STATUS.get(type(err), 400)
        else:
            session.commit()
            flash("已建立评议轮次（准备中）：发放评议码后点“开始评议”", "success")
            return redirect(url_for("evaluations.detail", round_id=round_id))
    return render_template("evaluations/new.html", values=values, errors=errors,
                           kinds=catalog.KINDS, hints=catalog.PERIOD_HINT,
                           min_votes=catalog.MIN_VOTES), status


def _detail(round_id: int, errors: dict | None = None, values: dict | None = None,
            status: int = 200) -> Any:
    try:
        data = results.results(get_session(), acting.current(), round_id)
    except DomainError as err:
        return _refused(err)
    return render_template("evaluations/round.html", data=data, errors=errors or {},
                           values=values or {}, max_batch=ballots.MAX_BATCH), status


@bp.get("/rounds/<int:round_id>")
@requires("evaluations.view")
def detail(round_id: int) -> Any:
    """One round: state, ballots issued and used, the results table per unit."""
    return _detail(round_id)


@bp.post("/rounds/<int:round_id>/state")
@requires("evaluations.manage")
def move(round_id: int) -> Any:
    """开始评议 (draft → open) or 结束评议 (open → closed)."""
    session = get_session()
    try:
        found = rounds.move(session, acting.current(), round_id, request.form.get("to"))
    except DomainError as err:
        return _refused(err)
    session.commit()
    flash(f"{found['title']}：{found['state_label']}", "success")
    return redirect(url_for("evaluations.detail", round_id=round_id))


@bp.post("/rounds/<int:round_id>/ballots")
@requires("evaluations.manage")
def issue_ballots(round_id: int) -> Any:
    """发放评议码: store the codes' hashes and show the codes once, as a printable sheet."""
    session = get_session()
    try:
        issued = ballots.issue(session, acting.current(), round_id, request.form)
    except Invalid as err:
        session.rollback()
        return _detail(round_id, err.fields, request.form.to_dict(), 422)
    except DomainError as err:
        return _refused(err)
    session.commit()
    vote_url = url_for("evaluate.start", _external=True)
    return render_template("evaluations/sheet.html", issued=issued, vote_url=vote_url,
                           scale=catalog.SCALE)


@bp.route("/rounds/<int:round_id>/entry", methods=["GET", "POST"])
@requires("evaluations.manage")
def entry(round_id: int) -> Any:
    """录入评议大会结果: one row per paper form; a valid POST stores them all, a bad one
    nothing (the errors beside their cells)."""
    session, actor = get_session(), acting.current()
    errors, status = {}, 200
    values = request.form.to_dict() if request.method == "POST" else {}
    if request.method == "POST":
        try:
            done = sheets.enter_meeting(session, actor, round_id, values)
        except Invalid as err:
            session.rollback()
            errors, status = err.fields, 422
        except DomainError as err:
            return _refused(err)
        else:
            session.commit()
            flash(f"已录入 {done['unit']['name']} 的评议表 {done['sheets']} 份", "success")
            return redirect(url_for("evaluations.detail", round_id=round_id))
    try:
        found = rounds.get_round(session, actor, round_id)
    except DomainError as err:
        return _refused(err)
    rows = sheets.rows_shown(request.args.get("rows"), values)
    return render_template("evaluations/entry.html", round=found, values=values,
                           errors=errors, rows=rows, scale=catalog.SCALE), status


@bp.get("/rounds/<int:round_id>/report")
@requires("evaluations.view")
def report(round_id: int) -> Any:
    """评议结果反馈: the results grouped by each unit's superior, printable."""
    try:
        data = results.report(get_session(), acting.current(), round_id)
    except DomainError as err:
        return _refused(err)
    return render_template("evaluations/report.html", data=data)


@bp.get("/rounds/<int:round_id>/report.xlsx")
@requires("evaluations.view")
def report_xlsx(round_id: int) -> Any:
    """The same report as .xlsx."""
    try:
        data = results.report(get_session(), acting.current(), round_id)
    except DomainError as err:
        return _refused(err)
    name = f"{data['round']['title']}结果.xlsx"
    return Response(report_file.to_xlsx(data), mimetype=MIMETYPES["xlsx"], headers={
        "Content-Disposition": content_disposition(name, f"evaluation-{round_id}.xlsx")})


@bp.get("/departments")
@requires("evaluations.view")
def departments() -> Any:
    """职能部门评议汇总: each department over a half-year's closed rounds (?period=2026H2)."""
    period = (request.args.get("period") or "").strip().upper()[:7]
    if period and not catalog.PERIOD_PATTERN[catalog.DEPARTMENT].fullmatch(period):
        return error_page(400, "期次应为半年，如 2026H2")
    rows = results.department_assessment(get_session(), acting.current(), period) \
        if period else []
    return render_template("evaluations/departments.html", rows=rows, period=period,
                           period_label=catalog.period_label(period) if period else "",
                           dimensions=catalog.DIMENSIONS[catalog.DEPARTMENT])
