"""/evaluate: residents score with a one-time ballot code, on a phone — enter the code, score
each dimension of the code's units, submit once. No login, nothing about the voter kept."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template, request

from gis.errors import DomainError, Invalid
from layers.evaluations import ballots
from web.access.guard import requires
from web.core.db import get_session
from web.core.errors import STATUS

bp = Blueprint("evaluate", __name__)


def _code_page(code: str = "", error: str | None = None, status: int = 200) -> Any:
    return render_template("evaluations/evaluate.html", code=code, error=error), status


def _refusal(err: DomainError, code: str) -> Any:
    get_session().rollback()
    return _code_page(code, str(err), STATUS.get(type(err), 400))


@bp.get("/evaluate")
@requires("public")
def start() -> Any:
    """Ask for the ballot code (?code= fills it in)."""
    return _code_page(ballots.normalize(request.args.get("code", ""))[:ballots.CODE_LENGTH])


def _score_page(ballot: dict, code: str, errors: dict, values: dict, status: int) -> Any:
    return render_template("evaluations/vote.html", ballot=ballot, code=code, errors=errors,
                           values=values), status


@bp.post("/evaluate")
@requires("public")
def open_code() -> Any:
    """Check the code; show the scoring form of its units, or say why not."""
    code = request.form.get("code", "")
    try:
        ballot = ballots.open_ballot(get_session(), code)
    except DomainError as err:
        return _refusal(err, code[:40])
    return _score_page(ballot, code, {}, {}, 200)


@bp.post("/evaluate/vote")
@requires("public")
def vote() -> Any:
    """Record the vote (once per code); a missing score is shown beside its dimension."""
    session, code = get_session(), request.form.get("code", "")
    values = request.form.to_dict()
    try:
        done = ballots.cast(session, code, values)
    except Invalid as err:
        session.rollback()
        return _score_page(ballots.open_ballot(session, code), code, err.fields, values, 422)
    except DomainError as err:
        return _refusal(err, code[:40])
    session.commit()
    return render_template("evaluations/thanks.html", done=done)
