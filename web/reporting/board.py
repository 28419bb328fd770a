"""The public board (晒单公示) pages and the department claim (认领) form."""

from __future__ import annotations

from collections.abc import Mapping

from flask import Blueprint, flash, redirect, render_template, request, url_for

from gis.checks import is_whole
from gis.errors import BadInput, DomainError
from grids.hierarchy import hierarchy_prefix, level_of
from layers.access import policy
from layers.demands import labels, transitions
from layers.reporting import board
from web.access import actor as acting
from web.access.guard import requires
from web.core.db import get_session
from web.core.errors import error_page
from web.core.periods import period_args

bp = Blueprint("board", __name__)
PER_PAGE = 20
SORTS = {"on_time": "on_time_rate", "satisfaction": "satisfaction_rate", "received": "received"}
# The parameters /board reads; only these go back into its sort links (url_for would take
# others such as _method or endpoint as its own arguments and fail).
INDEX_ARGS = ("grid", "community", "street", "district", "from", "to", "sort")


@bp.app_template_filter("rate_percent")
def _rate_filter(value: float | None) -> str:
    """Jinja filter: a 0–1 rate as a percentage, '—' when undefined."""
    return labels.percent(value)


def _page(args: Mapping[str, str]) -> int:
    """Return ?page= (1–100000), 1 when absent."""
    raw = args.get("page", "1")
    if not is_whole(raw) or not 1 <= int(raw) <= 100_000:
        raise BadInput("参数 page 应为 1–100000 的整数", "out_of_range")
    return int(raw)


def _sorted(rows: list[dict], sort: str) -> list[dict]:
    """Return rows ordered by the chosen figure, largest first, undefined rates last."""
    key = SORTS[sort]
    return sorted(rows, key=lambda r: (r[key] is None, -(r[key] or 0), r["code"]))


@bp.get("/board")
@requires("public")
def index():
    """Every community's figures, grouped by street, or sorted by a figure (?sort=)."""
    try:
        within = hierarchy_prefix(request.args)
        period = period_args(request.args)
        sort = request.args.get("sort") or None
        if sort is not None and sort not in SORTS:
            raise BadInput("参数 sort 应为：" + "、".join(SORTS), "bad_sort")
    except BadInput as err:
        return error_page(400, str(err))
    rows = board.community_figures(get_session(), within=within, period=period)
    return render_template(
        "reporting/board.html", groups=None if sort else board.by_street(rows),
        rows=_sorted(rows, sort) if sort else rows, total=board.totals(rows), sort=sort,
        args={k: v for k, v in request.args.items() if k in INDEX_ARGS})


@bp.get("/board/<code>")
@requires("public")
def community(code: str):
    """One community's figures and its demands (paged) with before/after photos."""
    if level_of(code) != "community":
        return error_page(404, f"没有编码为“{code[:40]}”的社区。")
    session, actor = get_session(), acting.current()
    try:
        page = _page(request.args)
    except BadInput as err:
        return error_page(400, str(err))
    figures = board.community_figures(session, community_code=code)
    if not figures:
        return error_page(404, f"没有编码为“{code}”的社区。")
    total = board.count_items(session, code)
    return render_template(
        "reporting/community.html", figures=figures[0], page=page, per_page=PER_PAGE,
        items=board.board_items(session, code, page, PER_PAGE), total=total,
        pages=max(1, -(-total // PER_PAGE)), args=request.args,
        can_claim=policy.may(actor, "demands.claim"), is_staff=actor.is_staff)


@bp.post("/board/claim/<code>")
@requires("public")
def claim(code: str):
    """A department takes an overdue item (认领): it is signed for by their department."""
    session, actor = get_session(), acting.current()
    where = board.community_of_demand(session, code[:20])
    try:
        transitions.apply(session, code[:20], "claim", actor, {})
    except DomainError as err:
        session.rollback()
        flash(_claim_failed(err), "danger")
    else:
        session.commit()
        flash(f"已认领诉求 {code}，已转入本部门办理。", "success")
    if where is None:
        return redirect(url_for("board.index"))
    page = request.form.get("page", "")
    extra = {"page": int(page)} if is_whole(page) and 1 < int(page) <= 100_000 else {}
    return redirect(url_for("board.community", code=where, **extra))


def _claim_failed(err: DomainError) -> str:
    """Return the flash message for a refused claim."""
    if err.code == "illegal_transition":
        return "认领失败：该诉求已有单位签收办理或已办结，不能认领。"
    return f"认领失败：{err}"
