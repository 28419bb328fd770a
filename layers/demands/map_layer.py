"""The staff demand map (诉求地图): the demands of the actor's scope inside a viewport, counted
per street / community / grid (or per square of pixels) at low zoom and as points at high
zoom. Positions are WGS84 lon/lat; never a reporter's name, phone or the description."""

from __future__ import annotations

import math
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from pydantic import ConfigDict, Field, model_validator
from sqlalchemy import Integer, and_, cast, func, literal, not_, select
from sqlalchemy.orm import Session

from gis.contracts import Param, fail, required
from gis.errors import BadInput, BadParameter
from gis.params import Bbox
from grids.hierarchy import hierarchy_prefix, level_of
from grids.tables import COMMUNITIES, GRIDS, STREETS
from layers.access import policy
from layers.access.actors import Actor
from layers.demands import figures
from layers.demands.labels import STATE_LABELS
from layers.demands.queries import DemandFilter, DemandFilterQuery, conditions
from layers.demands.store import OPEN_STATES, SUMMARY_TABLE
from layers.demands.tables import CATEGORIES

PERMISSION = "demands.map"
STATE_GROUPS: dict[str, tuple[str, ...]] = {
    "waiting": ("received",), "in_hand": ("dispatched", "signed"),
    "done": ("resolved", "verified"), "closed": ("closed",)}
GROUP_LABELS = {"waiting": "待派", "in_hand": "办理中", "done": "已办结", "closed": "已结案"}
MAPPED = tuple(s for states in STATE_GROUPS.values() for s in states)  # never 'merged'
STATE_CHOICES = tuple(dict.fromkeys((*STATE_GROUPS, "open", *MAPPED)))
UNIT_CELLS = {"street": (9, STREETS), "community": (12, COMMUNITIES), "grid": (15, GRIDS)}
POINT_ZOOM, POINT_CAP = 16, 5000  # from this zoom, points when no more than POINT_CAP match
POINTS_BELOW = {11: 300, 13: 600, 15: 2000}  # up to a zoom: points when no more match
CELL_PX = 64  # a square cell's side in screen pixels above POINT_ZOOM when too many
MAX_ZOOM = 22
DECIMALS = 6


def cell_for(zoom: int) -> str:
    """Return how demands are counted at `zoom` when too many for points: street (≤ 12, the
    city), community (13–14), grid (15), else a square of CELL_PX pixels ('bin')."""
    return "street" if zoom <= 12 else "community" if zoom <= 14 else \
        "grid" if zoom < POINT_ZOOM else "bin"


def points_allowed(zoom: int) -> int:
    """Return how many demands a view at `zoom` shows as points (more are counted in cells)."""
    return next((n for z, n in POINTS_BELOW.items() if zoom <= z), POINT_CAP)


def _zoom(raw: str | None) -> int:
    if raw is None or not raw.strip():
        raise BadParameter("zoom", "缺少参数 zoom（地图缩放级别 0–22）", "missing_parameter")
    if not (raw.strip().isdigit() and int(raw) <= MAX_ZOOM):
        raise BadInput(f"参数 zoom 应为 0–{MAX_ZOOM} 的整数", "out_of_range")
    return int(raw)


def _area(raw: str | None) -> str | None:
    if raw is not None and level_of(raw) is None:
        raise BadInput("参数 within 应为区、街道、社区或网格代码（6/9/12/15 位数字）", "bad_code")
    return raw


def _choice(raw: str | None) -> str | None:
    if raw is not None and raw not in STATE_CHOICES:
        raise BadInput(f"参数 state 应为：{', '.join(STATE_CHOICES)}", "bad_state")
    return raw


class DemandMapQuery(DemandFilterQuery):
    """The demand map's parameters: the demand filter (state also takes a group: waiting,
    in_hand, done, closed, open), the viewport (bbox, zoom) and within= any hierarchy code."""

    model_config = ConfigDict(json_schema_extra=required("bbox", "zoom"))

    zoom: Param({"type": "integer", "minimum": 0, "maximum": MAX_ZOOM,
                 "description": "地图缩放级别 map zoom"}, _zoom) = Field(
        None, validate_default=True)
    bbox: Bbox(required=True) = Field(None, validate_default=True)
    state: Param({"type": "string", "enum": list(STATE_CHOICES),
                  "description": "状态或状态组 state or group (waiting 待派, in_hand 办理中, "
                                 "done 已办结, closed 已结案, open 未结案)"},
                 _choice) = None
    area: Param({"type": "string", "pattern": "^([0-9]{6}|[0-9]{9}|[0-9]{12}|[0-9]{15})$",
                 "description": "区/街道/社区/网格代码 within this hierarchy code"},
                _area) = Field(None, alias="within")

    @model_validator(mode="after")
    def _within_nests(self) -> DemandMapQuery:
        if self.area is not None:
            given = {k: getattr(self, k) for k in ("district", "street", "community", "grid")
                     if getattr(self, k) is not None}
            if given.get(level_of(self.area), self.area) != self.area:
                raise fail("区划参数互相矛盾（codes do not nest）", "within", "bad_code")
            try:
                self._within = hierarchy_prefix({**given, level_of(self.area): self.area})
            except BadInput as err:
                raise fail(str(err), "within", err.code) from None
        return self

    def filter(self, **more: object) -> DemandFilter:
        """Return the filter: a group becomes its states; no state means every mapped one."""
        f = super().filter(**more)
        if self.state in STATE_GROUPS or self.state in ("open", None):
            states = STATE_GROUPS.get(self.state) or (OPEN_STATES if self.state else MAPPED)
            f = replace(f, state=None, states=tuple(states))
        return f


def overdue_at(now: datetime) -> Any:
    """Return the condition 'overdue at `now`' (figures.is_overdue) on alias d."""
    return figures.is_overdue(SUMMARY_TABLE.c, now)


def demand_map(session: Session, actor: Actor, f: DemandFilter, zoom: int,
               now: datetime | None = None) -> dict:
    """Return the demands matching `f` in the actor's scope as a GeoJSON FeatureCollection
    (WGS84): `kind` 'point' (one feature per demand) or 'cluster' (counts per `cell`), with
    the `total` matching. Forbidden when `f.within` is outside the actor's scope."""
    policy.require(actor, PERMISSION, f.within)
    f = replace(f, within=f.within or actor.scope)
    now = now or datetime.now(UTC)
    found = _count_upto(session, f, now, POINT_CAP + 1)
    if found <= points_allowed(zoom):
        features = points(session, f, now)
        kind, cell, total = "point", None, len(features)
    else:
        cell = cell_for(zoom)
        features = clusters(session, f, now, cell, zoom)
        kind, total = "cluster", sum(c["properties"]["count"] for c in features)
    return {"type": "FeatureCollection", "kind": kind, "cell": cell, "zoom": zoom,
            "scope": f.within, "total": total, "features": features}


def where(f: DemandFilter, now: datetime) -> list:
    """Return the conditions of `f` on alias d, overdue meaning overdue_at(now)."""
    late = [] if f.overdue is None else [overdue_at(now) if f.overdue else
                                         not_(overdue_at(now))]
    return [*conditions(replace(f, overdue=None)), *late]


def _count_upto(session: Session, f: DemandFilter, now: datetime, most: int) -> int:
    """Return how many demands match `f`, counting no further than `most`."""
    hits = select(literal(1)).select_from(SUMMARY_TABLE).where(*where(f, now)).limit(most)
    return session.execute(select(func.count()).select_from(hits.subquery())).scalar_one()


def _group_of(state: str) -> str:
    return next(g for g, states in STATE_GROUPS.items() if state in states)


def _point(x: float, y: float) -> dict:
    return {"type": "Point", "coordinates": [round(x, DECIMALS), round(y, DECIMALS)]}


def points(session: Session, f: DemandFilter, now: datetime) -> list[dict]:
    """Return one GeoJSON Point feature per demand matching `f` (at most POINT_CAP): code,
    category and its name, state group and state, overdue, grid, days open, deadline."""
    d, c = SUMMARY_TABLE.c, CATEGORIES.c
    days = cast(func.floor(func.extract(
        "epoch", func.coalesce(d.closed_at, now) - d.created_at) / 86400), Integer)
    stmt = (select(d.code, d.category_code, c.name, d.state, overdue_at(now).label("late"),
                   d.grid_code, days.label("days"), d.deadline, func.ST_X(d.geom),
                   func.ST_Y(d.geom))
            .select_from(SUMMARY_TABLE.join(CATEGORIES, c.code == d.category_code))
            .where(*where(f, now)).order_by(d.id).limit(POINT_CAP))
    return [{"type": "Feature", "geometry": _point(x, y), "properties": {
        "kind": "point", "code": code, "category": cat, "category_name": name,
        "group": _group_of(state), "state": state, "state_label": STATE_LABELS[state],
        "overdue": late, "grid": grid, "days_open": days, "deadline": deadline}}
        for code, cat, name, state, late, grid, days, deadline, x, y
        in session.execute(stmt)]


COUNTS = ("count", *STATE_GROUPS, "overdue")


def _counted(now: datetime) -> list:
    """Return the count columns of an aggregate over alias d: all, per group, overdue."""
    d = SUMMARY_TABLE.c
    return [func.count().label("count"),
            *(func.count().filter(d.state.in_(s)).label(g) for g, s in STATE_GROUPS.items()),
            func.count().filter(overdue_at(now)).label("overdue")]


def clusters(session: Session, f: DemandFilter, now: datetime, cell: str,
             zoom: int) -> list[dict]:
    """Return one GeoJSON Point feature per `cell` holding demands matching `f`, with count,
    counts per state group, overdue and bbox, most first: see unit_clusters, bin_clusters."""
    rows = (unit_clusters(session, f, now, cell) if cell in UNIT_CELLS
            else bin_clusters(session, f, now, zoom))
    return [_cluster(row, cell) for row in rows]


def unit_clusters(session: Session, f: DemandFilter, now: datetime, cell: str) -> list:
    """Return aggregate rows per street/community/grid: counted per stored grid id (no point
    is read), placed at the count-weighted mean of its grids' inner points, bbox = its grids'
    extent, with the unit's code and name."""
    d, g = SUMMARY_TABLE.c, GRIDS.c
    per_grid = (select(d.grid_id, *_counted(now)).select_from(SUMMARY_TABLE)
                .where(*where(f, now)).group_by(d.grid_id).subquery())
    unit = func.substr(g.code, 1, UNIT_CELLS[cell][0]).label("unit")
    inner, weight = func.ST_PointOnSurface(g.geom), per_grid.c["count"]
    box = func.ST_Extent(g.geom)
    agg = select(unit, *(cast(func.sum(per_grid.c[k]), Integer).label(k) for k in COUNTS),
                 (func.sum(func.ST_X(inner) * weight) / func.sum(weight)).label("x"),
                 (func.sum(func.ST_Y(inner) * weight) / func.sum(weight)).label("y"),
                 func.ST_XMin(box).label("x0"), func.ST_YMin(box).label("y0"),
                 func.ST_XMax(box).label("x1"), func.ST_YMax(box).label("y1"),
                 ).select_from(per_grid.join(GRIDS, g.id == per_grid.c.grid_id)
                               ).group_by(unit).subquery()
    names = UNIT_CELLS[cell][1]
    on = agg.c.unit == names.c.code
    if names is GRIDS:
        on = and_(on, g.valid_to.is_(None))
    stmt = select(agg, names.c.name).select_from(agg.outerjoin(names, on))
    return session.execute(stmt.order_by(agg.c["count"].desc(), agg.c.unit)).mappings().all()


def bin_clusters(session: Session, f: DemandFilter, now: datetime, zoom: int) -> list:
    """Return aggregate rows per square of CELL_PX screen pixels at `zoom` (integer floor
    binning of lon/lat), at the mean of its demands, bbox = their extent."""
    d = SUMMARY_TABLE.c
    x, y = func.ST_X(d.geom), func.ST_Y(d.geom)
    dx = CELL_PX * 360 / (256 * 2 ** zoom)  # square on a Web Mercator screen at this latitude
    dy = dx * math.cos(math.radians((f.bbox[1] + f.bbox[3]) / 2 if f.bbox else 45.77))
    keys = [func.floor(x / dx).label("i"), func.floor(y / dy).label("j")]
    box = func.ST_Extent(d.geom)
    stmt = (select(*keys, *_counted(now), func.avg(x).label("x"), func.avg(y).label("y"),
                   func.ST_XMin(box).label("x0"), func.ST_YMin(box).label("y0"),
                   func.ST_XMax(box).label("x1"), func.ST_YMax(box).label("y1"))
            .select_from(SUMMARY_TABLE).where(*where(f, now)).group_by(*keys)
            .order_by(func.count().desc()))
    return session.execute(stmt).mappings().all()


def _cluster(row: Any, cell: str) -> dict:
    """Return one cluster feature of an aggregate row."""
    props = {"kind": "cluster", "cell": cell, "code": row.get("unit"), "name": row.get("name"),
             **{k: row[k] for k in COUNTS},
             "bbox": [round(row[k], DECIMALS) for k in ("x0", "y0", "x1", "y1")]}
    return {"type": "Feature", "geometry": _point(row["x"], row["y"]), "properties": props}
