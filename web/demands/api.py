"""Demand routes on the API blueprint: intake, list, detail, transitions, categories."""

from __future__ import annotations

from flask import Blueprint, Response, current_app, jsonify, request

from gis.contracts import check_query
from layers.demands import idempotency, photo_files, photos, taxonomy
from layers.demands import queries as demand_queries
from layers.demands.fields import DemandInput
from layers.demands.idempotency import IdempotencyHeader
from layers.demands.photos import DemandWithPhotos, TransitionWithPhotos
from layers.demands.transitions import TransitionInput
from web.access import actor as acting
from web.access.guard import requires
from web.core import uploads
from web.core.db import get_session
from web.core.jsonout import geojson
from web.core.media import media_dir
from web.openapi.spec import contract

bp = Blueprint("demands", __name__)  # under /api/v1 (web.create_app)
TAG = "demands 诉求"


@bp.post("/demands")
@requires("public")
@contract(TAG, json=DemandInput, form=DemandWithPhotos, headers=IdempotencyHeader, ok=201,
          errors=(400, 409, 413))
def create_demand() -> tuple[Response, int]:
    """Take in a demand (anyone may): JSON, or multipart with up to 9 'before' `photos`;
    Idempotency-Key makes retries safe."""
    session, actor = get_session(), acting.current()
    body, raws = uploads.request_body(), uploads.photo_bytes()

    def run() -> tuple[int, dict]:
        created = photos.create_demand_with_photos(session, store, body, raws, actor,
                                                   current_app.config["RULES"])
        out = demand_queries.present(created, actor)
        out.update({k: created[k] for k in ("follow_token", "joined") if k in created})
        return 201, out

    with photo_files.staged(media_dir()) as store:  # files removed unless committed
        status, out = idempotency.once(session, request.headers.get("Idempotency-Key"),
                                       uploads.fingerprint(body, raws), run,
                                       current_app.json.dumps)
        session.commit()
    return jsonify(out), status


@bp.get("/demands")
@requires("public")
@contract(TAG, query=demand_queries.DemandQuery, errors=(400,))
def list_demands() -> Response:
    """Demands as GeoJSON, filtered and paged; personal data only for permitted staff."""
    session, actor = get_session(), acting.current()
    wanted = check_query(demand_queries.DemandQuery, request.args).filter()
    page = demand_queries.list_demands(session, wanted, actor)
    session.commit()
    return geojson(page)


@bp.get("/demands/<code>")
@requires("public")
@contract(TAG, errors=(404,))
def demand(code: str) -> Response:
    """One demand with its event history."""
    session = get_session()
    out = demand_queries.detail(session, code, acting.current())
    session.commit()  # the audit of unmasked reads
    return jsonify(out)


@bp.post("/demands/<code>/transitions")
@requires("public")
@contract(TAG, json=TransitionInput, form=TransitionWithPhotos,
          errors=(400, 401, 403, 404, 409, 413))
def transition(code: str) -> Response:
    """Take one action on a demand.

    JSON, or multipart with `photos` ('after' on resolve, else 'progress'); the state machine
    decides whether it is allowed. Staff act with a bearer token or session; residents
    rate/reopen with their follow_token."""
    session, actor = get_session(), acting.current()
    body, raws = uploads.request_body(), uploads.photo_bytes()
    action = body.get("action") if isinstance(body, dict) else None
    with photo_files.staged(media_dir()) as store:
        after = photos.apply_with_photos(session, store, code, action, actor, body, raws,
                                         current_app.config["RULES"].reopen_days)
        session.commit()
    return jsonify(demand_queries.present(after, actor))


@bp.get("/categories")
@requires("public")
@contract(TAG)
def categories() -> Response:
    """The demand categories (大类/小类) with departments and time limits."""
    return jsonify(taxonomy.list_categories(get_session()))


@bp.get("/departments")
@requires("public")
@contract(TAG)
def departments() -> Response:
    """The functional departments."""
    return jsonify(taxonomy.list_departments(get_session()))
