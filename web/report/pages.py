"""随手拍 for delivery riders (and anyone): the one-screen phone report page, the outlines its
tap-on-the-map fallback draws, and the follow page of a report (token-checked, no personal
data)."""

from __future__ import annotations

from flask import Blueprint, Response, current_app, render_template, request

from gis.errors import Forbidden, NotFound
from grids import mapdata
from grids.queries import grid_rows
from layers.demands import follow as following
from layers.demands import labels, taxonomy
from layers.riders import contributions as riders
from web.access import actor as acting
from web.access.guard import requires
from web.core.cached import cached_json
from web.core.db import get_session
from web.core.errors import error_page
from web.core.map_context import basemap
from web.demands.pages import ACTION_LABELS, local_time

bp = Blueprint("report", __name__)
# The small classes riders meet most on the street, offered as big buttons (others: a select).
RIDER_CATEGORIES = ("0102", "0103", "0201", "0402", "1401", "1403", "1501", "0105", "0504")
OUTLINE_SIMPLIFY_M = 10.0
OUTLINES_MAX_AGE = 3600


def _categories() -> tuple[list[dict], list[dict]]:
    """Return (the common rider categories in RIDER_CATEGORIES order, every active small class
    grouped by big class as [{'name', 'items'}])."""
    rows = taxonomy.list_categories(get_session())
    big = {c["code"]: c["name"] for c in rows if c["parent_code"] is None}
    small = [c for c in rows if c["parent_code"] is not None and c["active"]]
    by_code = {c["code"]: c for c in small}
    common = [by_code[code] for code in RIDER_CATEGORIES if code in by_code]
    groups: dict[str, list[dict]] = {}
    for c in small:
        groups.setdefault(big.get(c["parent_code"], c["parent_code"]), []).append(c)
    return common, [{"name": name, "items": items} for name, items in groups.items()]


@bp.get("/report")
@requires("public")
def report_page() -> str:
    """随手拍: location (GPS or a tap on the map) + photo + category → one-step report."""
    actor = acting.current()
    rider_id = riders.rider_of_user(get_session(), actor.user_id)  # a rider's own login
    common, groups = _categories()
    return render_template(
        "report/report.html", common=common, groups=groups,
        rider_name=actor.name if rider_id else None, basemap=basemap())


@bp.get("/report/outlines.json")
@requires("public")
def outlines() -> Response:
    """District outlines and current grids (code, name only; lon/lat, simplified ~10 m) for
    the tap-on-the-map fallback."""
    session = get_session()
    grids = mapdata.grid_features(grid_rows(session), OUTLINE_SIMPLIFY_M)
    for f in grids:
        f["properties"] = {k: f["properties"][k] for k in ("code", "name", "community_name")}
    districts = mapdata.district_outlines(session)
    return cached_json({"districts": {"type": "FeatureCollection", "features": districts},
                        "grids": {"type": "FeatureCollection", "features": grids}},
                       public=True, max_age=OUTLINES_MAX_AGE)


@bp.get("/report/follow/<code>")
@requires("public")
def follow(code: str):
    """A report's state, progress and photos for whoever holds its follow token (?token=),
    with its rating (once, when closed) and reopening (within the window) forms."""
    token = request.args.get("token")
    reopen_days = current_app.config["RULES"].reopen_days
    try:
        d = following.follow(get_session(), code[:30], token, reopen_days)
    except NotFound:
        return error_page(404, "没有这条上报记录，请核对编号。")
    except Forbidden:
        return error_page(403, "查询凭证不正确或已失效：请使用提交上报后得到的跟踪链接。")
    resp = Response(render_template(
        "report/follow.html", d=d, reopen_days=reopen_days,
        state_label=labels.state_label, satisfaction_label=labels.satisfaction_label,
        actions=ACTION_LABELS, local_time=local_time))
    resp.headers["Referrer-Policy"] = "no-referrer"  # the token stays out of other sites' logs
    resp.headers["Cache-Control"] = "no-store"
    return resp
