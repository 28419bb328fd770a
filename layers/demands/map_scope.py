"""The figures beside the staff demand map: the actor's scope (name, outline, extent, the
streets/communities/grids inside it) and its open, overdue and due-today demands and
on-duty members. Geometry is WGS84 lon/lat."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from grids.hierarchy import level_of
from grids.queries import unit_name
from grids.tables import COMMUNITIES, DISTRICTS, GRIDS, STREETS
from layers.access import policy, roles
from layers.access.actors import Actor
from layers.demands import figures
from layers.demands.fields import SOURCES
from layers.demands.map_layer import GROUP_LABELS, PERMISSION
from layers.members.map_data import on_duty_counts

OUTLINE_TOLERANCE = 0.00003  # degrees (≈ 2–3 m): the outline is drawn, not measured
NAMED = {"district": DISTRICTS, "street": STREETS, "community": COMMUNITIES}


def scope_figures(session: Session, actor: Actor, now: datetime | None = None) -> dict:
    """Return the actor's scope for the map to open on: code (None = city), level, name,
    bbox, outline (GeoJSON, None for the city), the areas inside it, and its figures: open,
    overdue, due today (Asia/Shanghai day) and on-duty members (per kind); the labels of
    the state groups and sources the map's filters offer."""
    policy.require(actor, PERMISSION)
    now = now or datetime.now(UTC)
    scope = actor.scope
    return {"scope": scope, "level": roles.scope_level(scope),
            "name": unit_name(session, scope),
            **_extent(session, scope), "areas": areas(session, scope),
            **_demand_figures(session, scope, now), **_on_duty(session, scope, now),
            "groups": GROUP_LABELS, "sources": SOURCES}


def _current_grids(scope: str | None) -> list:
    g = GRIDS.c
    out = [g.valid_to.is_(None)]
    if scope:
        out.append(g.code.like(scope + "%"))
    return out


def _extent(session: Session, scope: str | None) -> dict:
    """Return the bbox of the scope's current grids and, below the city, their outline."""
    g = GRIDS.c
    box = session.execute(select(func.ST_XMin(func.ST_Extent(g.geom)),
                                 func.ST_YMin(func.ST_Extent(g.geom)),
                                 func.ST_XMax(func.ST_Extent(g.geom)),
                                 func.ST_YMax(func.ST_Extent(g.geom)))
                          .where(*_current_grids(scope))).one()
    outline = None
    if scope:
        shape = func.ST_SimplifyPreserveTopology(func.ST_Union(g.geom), OUTLINE_TOLERANCE)
        raw = session.execute(select(func.ST_AsGeoJSON(shape, 6))
                              .where(*_current_grids(scope))).scalar()
        outline = json.loads(raw) if raw else None
    bbox = None if box[0] is None else [round(v, 6) for v in box]
    return {"bbox": bbox, "outline": outline}


def areas(session: Session, scope: str | None) -> list[dict]:
    """Return the areas a filter may pick inside `scope`: streets and communities (and the
    grids of a community or grid scope), each {code, name, level}, in code order."""
    prefix = (scope or "") + "%"
    rows = [*session.execute(select(STREETS.c.code, STREETS.c.name)
                             .where(STREETS.c.code.like(prefix))),
            *session.execute(select(COMMUNITIES.c.code, COMMUNITIES.c.name)
                             .where(COMMUNITIES.c.code.like(prefix)))]
    if scope and len(scope) >= 12:
        rows += session.execute(select(GRIDS.c.code, GRIDS.c.name)
                                .where(*_current_grids(scope))).all()
    out = [{"code": code, "name": name, "level": level_of(code)} for code, name in rows]
    return sorted(out, key=lambda a: a["code"])


def _demand_figures(session: Session, scope: str | None, now: datetime) -> dict:
    """Return open, overdue and due-today demand counts in `scope`."""
    counts = figures.open_counts(session, scope, now)
    return {k: counts[k] for k in ("open", "overdue", "due_today")}


def _on_duty(session: Session, scope: str | None, now: datetime) -> dict:
    """Return on-duty members with a position in `scope`: total and per kind."""
    kinds = on_duty_counts(session, now, scope)
    return {"on_duty": sum(k["on_duty"] for k in kinds.values()),
            "on_duty_by_kind": {k: {"label": v["label"], "on_duty": v["on_duty"]}
                                for k, v in kinds.items()}}
