"""`GET /api/v1/evaluations/rounds/<id>/results`: a 群众评议 round's results per unit
(community staff, supervisors, leaders, admins; rounds overlapping their scope)."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify

from layers.evaluations import results
from web.access import actor as acting
from web.access.guard import requires
from web.core.db import get_session
from web.openapi.spec import contract

bp = Blueprint("evaluations", __name__, url_prefix="/evaluations")  # under /api/v1
ROUND_FIELDS = ("id", "title", "kind", "period", "area_code", "state", "min_votes",
                "dimensions")
UNIT_FIELDS = ("code", "name", "superior_code", "superior_name", "votes", "staff_votes",
               "ballot_votes", "dimensions", "mean", "score", "few_votes")


@bp.get("/rounds/<int:round_id>/results")
@requires("evaluations.view")
@contract("evaluations 两评", errors=(404,))
def round_results(round_id: int) -> Response:
    """One round's results: `{round: {id, title, kind, period, area_code, state, min_votes,
    dimensions: [{key, label}]}, scale: {"1": …}, units: [{code, name, superior_code,
    superior_name, votes, staff_votes, ballot_votes, dimensions: {key: mean 1–5}, mean,
    score (百分制 = mean × 20), few_votes, rank}]}`. Means are null without votes; a unit
    with fewer than min_votes votes has `few_votes` and no rank."""
    data = results.results(get_session(), acting.current(), round_id)
    return jsonify({
        "round": {k: data["round"][k] for k in ROUND_FIELDS},
        "scale": {str(k): v for k, v in data["scale"].items()},
        "units": [{**{k: u[k] for k in UNIT_FIELDS}, "rank": u.get("rank")}
                  for u in data["units"]]})
