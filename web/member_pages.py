"""The staff page 网格力量 (/members): on-duty members by kind on the grid map, coverage gaps,
and the professional members short of their monthly service days."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template, request

from gis.errors import BadInput
from grids import mapdata
from layers import member_map, service_days, taxonomy
from web import actor as acting
from web import maps, member_maps
from web.auth import staff_required
from web.db import get_session
from web.errors import error_page
from web.map_context import basemap, map_links

bp = Blueprint("members", __name__)
TABLE_ROWS = 200


def _department(raw: str | None, departments: list[dict]) -> str | None:
    """Return ?department= when it is a known department code, None when empty."""
    if not raw:
        return None
    if raw not in {d["code"] for d in departments}:
        raise BadInput(f"没有部门 {raw[:20]!r}（unknown department）", "bad_department")
    return raw


def _layers(session, departments: list[dict]) -> tuple[member_maps.MemberLayers, list[dict]]:
    """Return the map's plain data and the on-duty member rows (names, never phones)."""
    rows = member_map.on_duty(session, with_names=True)
    layers = member_maps.MemberLayers(
        grids=mapdata.map_grids(session), members=rows,
        coverage=member_map.coverage(session, [d["code"] for d in departments]),
        no_rider=member_map.grids_without_rider(session),
    )
    return layers, rows


@bp.get("/members")
@staff_required
def index() -> Any:
    """网格力量: the member map with coverage controls, and the service-day shortfall table."""
    session, actor = get_session(), acting.current()
    departments = taxonomy.list_departments(session)
    try:
        month = service_days.parse_month(request.args.get("month"))
        department = _department(request.args.get("department"), departments)
    except BadInput as err:
        return error_page(400, str(err))
    layers, rows = _layers(session, departments)
    parts = maps.render_parts(member_maps.member_map(layers, map_links(), basemap()))
    everyone = service_days.shortfall(session, month, department, actor.scope, only_short=False)
    short = [r for r in everyone if r["shortfall"] > 0]
    return render_template(
        "members/index.html", map=parts, kinds=member_maps.kind_legend(),
        counts=member_map.kind_counts(rows), departments=departments, month=month,
        department=department, short=short[:TABLE_ROWS], short_total=len(short),
        professionals=len(everyone), minimum=service_days.MIN_DAYS, scope=actor.scope,
        no_rider=len(layers.no_rider), grid_count=len(layers.grids))
