"""Riders' contributions (流动网格员贡献台账): the staff page (monthly points per rider, recording
随手帮/随口宣, deciding 差评消消乐 requests) and a rider's own page /riders/me (its month, its
requests, asking for 差评消消乐); CSRF-checked forms."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_wtf import FlaskForm
from wtforms import HiddenField, IntegerField, SelectField, StringField, SubmitField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import AnyOf, DataRequired, Length, NumberRange, Optional

from gis.contracts import max_length
from gis.errors import BadInput, DomainError, Invalid, NotFound
from layers.access import policy
from layers.riders import contributions as riders
from layers.riders import reviews as rider_reviews
from web.access import actor as acting
from web.access.guard import requires
from web.core.db import get_session
from web.core.errors import error_page
from web.demands.pages import local_time

bp = Blueprint("riders", __name__)


def _carry_out(run: Callable[[], object], failed: str, done: str) -> None:
    """Run a change and commit it, flashing `done`; on a refusal roll back and flash it
    after `failed` (field errors joined)."""
    session = get_session()
    try:
        run()
    except DomainError as err:
        session.rollback()
        reason = "；".join(err.fields.values()) if isinstance(err, Invalid) else str(err)
        flash(f"{failed}{reason}", "danger")
    else:
        session.commit()
        flash(done, "success")




def _review_max(name: str) -> int:
    return max_length(rider_reviews.ReviewRequestInput, name)


class DecisionForm(FlaskForm):
    """Approve or decline one 差评消消乐 request."""

    decision = HiddenField(validators=[AnyOf(("approve", "decline"))])
    note = StringField("备注", validators=[
        Optional(), Length(max=max_length(rider_reviews.ReviewDecision, "note"))])
    submit = SubmitField("提交")


class ActivityForm(FlaskForm):
    """Record help given (随手帮) or leaflets handed out (随口宣) for a rider."""

    member_id = IntegerField("骑手编号", validators=[DataRequired("请填写骑手编号")])
    kind = SelectField("类型", choices=[SelectChoice(k, label)
                                      for k, label in riders.ACTIVITY_KINDS.items()])
    count = IntegerField("数量", default=1, validators=[
        DataRequired("请填写数量"), NumberRange(min=1, max=max(riders.MAX_ACTIVITY_COUNT.values()))
    ])
    note = StringField("备注", validators=[
        Optional(), Length(max=max_length(riders.ActivityInput, "note"))])
    submit = SubmitField("登记")


class ReviewRequestForm(FlaskForm):
    """A rider's own 差评消消乐 request: the order, its platform and what happened."""

    order_ref = StringField("订单号", validators=[DataRequired("请填写订单号"),
                                              Length(max=_review_max("order_ref"))])
    platform = StringField("平台", validators=[Optional(), Length(max=_review_max("platform"))])
    reason = StringField("情况说明", validators=[DataRequired("请填写情况说明"),
                                             Length(max=_review_max("reason"))])
    submit = SubmitField("申请差评消消乐")


def _month_arg() -> str:
    return riders.month_bounds(request.args.get("month") or None)[0]


@bp.get("/riders")
@requires("riders.view")
def ledger() -> Any:
    """This month's (?month=YYYY-MM) contributions of the riders in scope, and the pending
    差评消消乐 requests of the actor's communities."""
    session, actor = get_session(), acting.current()
    try:
        month = _month_arg()
    except BadInput as err:
        return error_page(400, str(err))
    book = riders.ledger_for(session, actor, month)
    pending = rider_reviews.list_reviews(session, actor, "pending")
    session.commit()
    return render_template(
        "riders/ledger.html", book=book, pending=pending, weights=riders.POINTS,
        per_point=riders.LEAFLETS_PER_POINT, threshold=riders.VERIFIED_THRESHOLD,
        can_decide=policy.may(actor, "riders.decide"),
        can_record=policy.may(actor, "riders.record"),
        decision_form=DecisionForm(), activity_form=ActivityForm(), local_time=local_time)


@bp.post("/riders/review-requests/<int:request_id>/decision")
@requires("riders.decide")
def decide(request_id: int) -> Any:
    """Approve or decline a pending request from the ledger page."""
    form = DecisionForm()
    if not form.validate_on_submit():
        return error_page(400, "表单无效或已过期，请刷新页面后重试。")
    approve = form.decision.data == "approve"
    _carry_out(lambda: rider_reviews.decide_review(
        get_session(), request_id, acting.current(),
        {"approve": approve, "note": form.note.data or ""}),
        "审核失败：", "已同意该差评消消乐申请" if approve else "已拒绝该申请")
    return redirect(url_for("riders.ledger"))


@bp.post("/riders/activities")
@requires("riders.record")
def record() -> Any:
    """Record 随手帮 or 随口宣 for a rider from the ledger page."""
    form = ActivityForm()
    if not form.validate_on_submit():
        flash("登记失败：" + "；".join(e for errs in form.errors.values() for e in errs), "danger")
        return redirect(url_for("riders.ledger"))
    body = {"kind": form.kind.data, "count": form.count.data, "note": form.note.data or ""}
    _carry_out(lambda: riders.record_activity(get_session(), form.member_id.data,
                                              acting.current(), body), "登记失败：", "已登记")
    return redirect(url_for("riders.ledger"))


@bp.get("/riders/me")
@requires("account.own")
def mine() -> Any:
    """A rider's own month (?month=YYYY-MM): reports, verified, help, leaflets, points, and its
    差评消消乐 requests with a form to ask for one (no phones, no other rider)."""
    session, actor = get_session(), acting.current()
    try:
        member_id = riders.own_rider(session, actor)
        own = riders.contributions(session, member_id, _month_arg())
    except NotFound as err:
        return error_page(404, str(err))
    except BadInput as err:
        return error_page(400, str(err))
    requests = rider_reviews.list_reviews(session, actor, None, member_id)
    return render_template(
        "riders/mine.html", own=own, requests=requests, states=rider_reviews.STATES,
        weights=riders.POINTS, per_point=riders.LEAFLETS_PER_POINT,
        form=ReviewRequestForm(), local_time=local_time)


@bp.post("/riders/me/review-requests")
@requires("account.own")
def request_review() -> Any:
    """File the rider's own 差评消消乐 request from /riders/me; refusals are flashed."""
    form = ReviewRequestForm()
    if not form.validate_on_submit():
        flash("申请失败：" + "；".join(e for errs in form.errors.values() for e in errs), "danger")
        return redirect(url_for("riders.mine"))
    session, actor = get_session(), acting.current()
    body = {"order_ref": form.order_ref.data, "platform": form.platform.data or "",
            "reason": form.reason.data}
    _carry_out(lambda: rider_reviews.request_review_removal(
        session, riders.own_rider(session, actor), actor, body),
        "申请失败：", "已提交差评消消乐申请，等待社区审核")
    return redirect(url_for("riders.mine"))
