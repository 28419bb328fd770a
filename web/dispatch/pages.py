"""The dispatcher's page (派单调度): the waiting queue beside a map, one-click assignment."""

from __future__ import annotations

from flask import Blueprint, render_template, url_for

from layers.demands import taxonomy
from web.access.guard import requires
from web.core import maps
from web.core.db import get_session
from web.core.map_context import CODE_SLOT, basemap, map_links
from web.dispatch.maps import dispatch_map

bp = Blueprint("dispatch", __name__)
POLL_MS = 10_000
CANDIDATE_LIMIT = 9



def _config(departments: list[dict]) -> dict:
    """Return the URLs ('__code__' slot), department names and timings for the page module."""
    return {
        "queueUrl": url_for("api.dispatch.dispatch_queue_view"),
        "candidatesUrl": url_for("api.dispatch.demand_candidates", code=CODE_SLOT),
        "transitionsUrl": url_for("api.demands.transition", code=CODE_SLOT),
        "gridApiUrl": url_for("api.grids.grid", code=CODE_SLOT),
        "gridPageUrl": url_for("pages.grid_page", code=CODE_SLOT),
        "demandPageUrl": url_for("staff.demand_page", code=CODE_SLOT),
        "pollMs": POLL_MS,
        "candidateLimit": CANDIDATE_LIMIT,
        "departments": {d["code"]: d["short_name"] or d["name"] for d in departments},
        "urls": {"districts": url_for("api.grids.map_districts"),
                 "rivers": url_for("api.grids.map_rivers")},
    }


@bp.get("/dispatch")
@requires("demands.dispatch")
def dispatch_page():
    """The queue of demands waiting for dispatch beside a map (coordinator roles only)."""
    m = dispatch_map(_config(taxonomy.list_departments(get_session())), map_links(), basemap())
    return render_template("dispatch/index.html", map=maps.render_parts(m),
                           candidate_limit=CANDIDATE_LIMIT, poll_s=POLL_MS // 1000)
