"""Demand routes on the API blueprint: intake, list, detail, transitions, categories."""

from __future__ import annotations

from flask import Response, current_app, jsonify, request

from gis.errors import Invalid
from layers import (
    demand_queries,
    demands,
    events,
    idempotency,
    intake,
    taxonomy,
    transitions,
)
from layers.demand_input import check_new_demand
from web import actor as acting
from web import params
from web.api import bp
from web.db import get_session


def _body() -> dict:
    """Return the request body from JSON or a form; Invalid when JSON is malformed."""
    if request.is_json:
        body = request.get_json(silent=True)
        if body is None:
            raise Invalid({"body": "JSON 无法解析（malformed JSON）"})
        return body
    return request.form.to_dict()


@bp.post("/demands")
def create_demand() -> tuple[Response, int]:
    """Take in a demand (anyone may); Idempotency-Key makes retries safe."""
    session, actor = get_session(), acting.current()
    body = _body()

    def run() -> tuple[int, dict]:
        created = intake.file_demand(session, check_new_demand(body), actor,
                                     current_app.config["RULES"])
        out = demand_queries.present(created, actor)
        out.update({k: created[k] for k in ("follow_token", "joined") if k in created})
        return 201, out

    status, out = idempotency.once(session, request.headers.get("Idempotency-Key"),
                                   request.get_data(), run, current_app.json.dumps)
    session.commit()
    return jsonify(out), status


@bp.get("/demands")
def list_demands() -> Response:
    """Demands as GeoJSON, filtered and paged; personal data only for permitted staff."""
    session, actor = get_session(), acting.current()
    page = demand_queries.list_demands(session, params.demand_filter(request.args), actor)
    session.commit()
    resp = jsonify(page)
    resp.mimetype = "application/geo+json"
    return resp


@bp.get("/demands/<code>")
def demand(code: str) -> Response:
    """One demand with its event history."""
    session, actor = get_session(), acting.current()
    row = demands.by_code(session, code)
    demand_queries.audit_personal_reads(session, actor, [row])
    out = demand_queries.present(row, actor)
    history = events.history(session, row["id"])
    if not actor.is_staff:
        history = [{k: v for k, v in e.items() if k not in ("actor", "lon", "lat")}
                   for e in history]
    out["events"] = history
    out["allowed_actions"] = transitions.allowed_actions(row["state"])
    session.commit()
    return jsonify(out)


@bp.post("/demands/<code>/transitions")
def transition(code: str) -> Response:
    """Take one action on a demand; the state machine decides whether it is allowed."""
    session, actor = get_session(), acting.current()
    body = _body()
    after = transitions.apply(session, code, body.get("action") if isinstance(body, dict)
                              else None, actor, body, current_app.config["RULES"].reopen_days)
    session.commit()
    return jsonify(demand_queries.present(after, actor))


@bp.get("/categories")
def categories() -> Response:
    """The demand categories (大类/小类) with departments and time limits."""
    return jsonify(taxonomy.list_categories(get_session()))


@bp.get("/departments")
def departments() -> Response:
    """The functional departments."""
    return jsonify(taxonomy.list_departments(get_session()))
