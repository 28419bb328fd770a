"""红黑榜 pages (`/leaders/board…`): the board of a level and period (the published one, else
the live draft marked 未发布), its .xlsx and the 发布 form. The board is city-wide: every
viewer sees the same ranking; only city-wide leaders and admins publish."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from flask import (
    Blueprint,
    Response,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)

from gis.contracts import check_query
from gis.errors import BadParameter, DomainError
from layers.access import policy
from layers.access.actors import Actor
from layers.reporting import board_file, boards
from layers.reporting.units import LEVEL_LABELS
from web.access import actor as acting
from web.access.guard import requires
from web.core.db import get_session
from web.core.errors import STATUS, error_page
from web.reporting.ledgers import MIMETYPES, content_disposition

bp = Blueprint("boards", __name__, url_prefix="/leaders")


def _shown(q: boards.BoardQuery, actor: Actor, now: datetime) -> dict:
    """Return the published board of the query's level and period, else the live one."""
    session, period = get_session(), q.chosen_period(now)
    return (boards.published(session, q.level, period.label)
            or boards.board(session, actor, q.level, period,
                            current_app.config["RATE_RULES"], q.n, now))


def _may_publish(actor: Actor, q: boards.BoardQuery, data: dict, now: datetime) -> bool:
    """Return True when the 发布 button is offered: a city-wide publisher, an ended period,
    a board not yet published."""
    return (policy.may(actor, "reporting.publish") and actor.scope is None
            and data["published"] is None and q.chosen_period(now).end <= now)


@bp.get("/board")
@requires("reporting.rates")
def board_page() -> Any:
    """红黑榜: red and black places with their figures, the unranked units and why."""
    try:
        q, error = check_query(boards.BoardQuery, request.args), None
    except BadParameter as err:
        q, error = boards.BoardQuery(), str(err)
    actor, now = acting.current(), datetime.now(UTC)
    data = _shown(q, actor, now)
    return render_template(
        "leaders/board.html", data=data, q=q, levels=boards.BOARD_LEVELS,
        level_labels=LEVEL_LABELS, error=error, status=board_file.status_line(data),
        may_publish=_may_publish(actor, q, data, now)), 400 if error else 200


@bp.get("/board.xlsx")
@requires("reporting.rates")
def board_xlsx() -> Any:
    """The same board as .xlsx."""
    try:
        q = check_query(boards.BoardQuery, request.args)
    except BadParameter as err:
        return error_page(400, str(err))
    data = _shown(q, acting.current(), datetime.now(UTC))
    name = f"{data['period']}{LEVEL_LABELS[data['level']]}红黑榜.xlsx"
    return Response(board_file.to_xlsx(data), mimetype=MIMETYPES["xlsx"], headers={
        "Content-Disposition": content_disposition(
            name, f"board-{data['level']}-{data['period']}.xlsx")})


@bp.post("/board/publish")
@requires("reporting.publish")
def publish() -> Any:
    """发布: freeze the board of the form's level, period and N as it is now."""
    session = get_session()
    try:
        q = check_query(boards.BoardQuery, request.form)
        done = boards.publish(session, acting.current(), q.level, q.chosen_period(
            datetime.now(UTC)), current_app.config["RATE_RULES"], q.n, datetime.now(UTC))
    except DomainError as err:
        session.rollback()
        return error_page(STATUS.get(type(err), 400), str(err))
    session.commit()
    flash(f"已发布 {done['period']} {LEVEL_LABELS[done['level']]}红黑榜", "success")
    return redirect(url_for("boards.board_page", level=done["level"], period=done["period"],
                            n=done["n"]))
