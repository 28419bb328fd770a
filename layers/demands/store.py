"""The service list (服务清单): taking in demands (制单) and reading them."""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime

from sqlalchemy import (
    ColumnElement,
    DateTime,
    Engine,
    FromClause,
    Integer,
    Select,
    Text,
    bindparam,
    column,
    func,
    insert,
    literal_column,
    null,
    select,
    text,
    union_all,
)
from sqlalchemy.orm import Session

from gis.coords import to_wgs84
from gis.db import DriverStatement
from gis.errors import Invalid, NotFound
from gis.srid import STORAGE
from layers import workcal
from layers.access.actors import Actor
from layers.demands import events, taxonomy
from layers.demands.duplicates import ORIGINAL_SQL, original_params
from layers.demands.fields import DemandInput
from layers.demands.rules import DEFAULT_RULES, Rules
from layers.demands.tables import CATEGORIES, DEMAND_EVENTS, DEMANDS

OPEN_STATES = ("received", "dispatched", "signed", "resolved", "verified")


_COUNT = ("INSERT INTO demand_counters (day, last) SELECT %(d)s, 1 FROM (SELECT set_config("
          "'synchronous_commit', %(sync)s, true)) AS s ON CONFLICT (day) "
          "DO UPDATE SET last = demand_counters.last + 1 RETURNING last")


def _next_code(session: Session, now: datetime) -> str:
    """Return the next readable code QTH-YYYYMMDD-NNNN for the local day of `now`.

    On an engine the number is taken in one autocommitted statement on a pooled connection of
    its own, so concurrent intakes do not queue on the day's counter row until each commits
    (a rolled-back intake leaves a gap; the counter's commit is flushed with the demand's).
    Bound to a connection (tests), it is taken in the session's transaction.
    """
    day = now.astimezone(workcal.TZ).date()
    bind = session.get_bind()
    if isinstance(bind, Engine):
        raw = bind.raw_connection()
        try:
            raw.driver_connection.autocommit = True
            n = raw.driver_connection.execute(_COUNT, {"d": day, "sync": "off"}).fetchone()[0]
        finally:
            raw.driver_connection.autocommit = False
            raw.close()
    else:
        n = session.connection().exec_driver_sql(_COUNT, {"d": day, "sync": "on"}).scalar_one()
    return f"QTH-{day:%Y%m%d}-{n:04d}"


_POINT = f"ST_SetSRID(ST_MakePoint(:lon, :lat), {STORAGE})"

# As grids.locate.find: on a shared boundary the lowest code wins.
_GRID_AT = (f"SELECT id, code FROM grids WHERE valid_to IS NULL AND ST_Covers(geom, {_POINT}) "
            "ORDER BY code LIMIT 1")

# Everything a new demand at (lon, lat) needs, in one round trip: its category (NULLs when
# unknown), its grid, the open demand it repeats, and the calendar's overrides.
_CONTEXT = DriverStatement(text(
    f"SELECT {taxonomy.COLUMNS}, grid_id, grid_code, original_id, original_code, "
    "cal_days, cal_working FROM (SELECT 1) AS one "
    "LEFT JOIN categories ON code = :cat "
    f"LEFT JOIN LATERAL ({_GRID_AT}) AS g (grid_id, grid_code) ON true "
    f"LEFT JOIN LATERAL ({ORIGINAL_SQL}) AS o (original_id, original_code) ON true "
    "LEFT JOIN LATERAL (SELECT array_agg(day), array_agg(working) "
    f"FROM ({workcal.OVERRIDES_SQL}) AS x) AS cal (cal_days, cal_working) ON true"))

_GRID_POINT = text("SELECT ST_X(p), ST_Y(p), id, code FROM (SELECT id, code, "
                   "ST_PointOnSurface(geom) AS p FROM grids WHERE code = :c "
                   "AND valid_to IS NULL) AS g")


def _location(session: Session, data: DemandInput) -> tuple[float, float, tuple | None]:
    """Return the demand's point in WGS84 (as sent, or inside the named grid) and the named
    grid's (id, code), if any."""
    if not data.grid_code:
        return *to_wgs84(data.lon, data.lat, data.crs), None
    row = session.execute(_GRID_POINT, {"c": data.grid_code}).first()
    if row is None:
        raise Invalid({"grid_code": f"没有网格 {data.grid_code}"})
    return row[0], row[1], (row[2], row[3])


def _context(session: Session, data: DemandInput, now: datetime, rules: Rules) -> dict:
    """Read the point, category, grid, original and calendar for a new demand; refuse an
    unusable category (400) or a point outside every grid (422)."""
    lon, lat, named_grid = _location(session, data)
    ctx = _CONTEXT.rows(session, {
        **original_params(str(data.category_code), lon, lat, now, rules),
        **workcal.override_params(now.date())})[0]
    found = None if ctx["code"] is None else {k: ctx[k] for k in taxonomy.COLUMN_NAMES}
    ctx["category"] = taxonomy.usable_small_class(found, data.category_code)
    if named_grid:
        ctx["grid_id"], ctx["grid_code"] = named_grid
    elif ctx["grid_id"] is None:
        raise Invalid({"location": "位置不在任何网格内（outside every grid）"})
    return {**ctx, "lon": lon, "lat": lat}


_D, _C, _O, _M = (DEMANDS.alias("d"), CATEGORIES.alias("c"), DEMANDS.alias("o"),
                  DEMANDS.alias("m"))


def summary_of(d: FromClause) -> Select:
    """Return the select of a demand's summary from `d` (the table, or a CTE of its rows with
    the table's columns); callers add the WHERE."""
    joined = select(func.count()).select_from(_M).where(_M.c.duplicate_of == d.c.id)
    return select(
        d.c.id, d.c.code, d.c.title, d.c.description, d.c.category_code,
        _C.c.name.label("category_name"), d.c.state, d.c.source,
        func.ST_X(d.c.geom).label("lon"), func.ST_Y(d.c.geom).label("lat"), d.c.address,
        d.c.grid_code, d.c.assignee_department_code, d.c.assignee_user_id,
        d.c.assignee_community_code, d.c.assignee_member_id, _O.c.code.label("duplicate_of"),
        *(d.c[name] for name in _MOMENTS), d.c.overdue, d.c.escalation_level,
        d.c.rating_solved, d.c.rating_satisfaction, d.c.reporter_name, d.c.reporter_phone,
        joined.scalar_subquery().label("joined_residents"),
    ).select_from(d.join(_C, _C.c.code == d.c.category_code)
                  .outerjoin(_O, _O.c.id == d.c.duplicate_of))


_MOMENTS = ("created_at", "deadline", "sign_deadline", "dispatched_at", "signed_at",
            "resolved_at", "verified_at", "closed_at")
SUMMARY = summary_of(_D)
"""A demand's summary from the table aliased d (`SUMMARY_TABLE`), for filtered lists."""
SUMMARY_TABLE = _D

# The demand, its 'create' event (and 'merge' when it repeats an open one), and its summary,
# in one round trip: the two INSERTs are tuned SQL text, the summary is the same select().
_NEW = text(
    "INSERT INTO demands (code, title, description, category_code, state, source, "
    "geom, input_crs, input_lon, input_lat, address, grid_id, grid_code, reporter_name, "
    "reporter_phone, reporter_member_id, follow_token_hash, duplicate_of, created_at, "
    f"deadline) VALUES (:code, :title, :descr, :cat, :state, :source, {_POINT}, :crs, :ilon, "
    ":ilat, :addr, :gid, :gcode, :rname, :rphone, :member, :token, :dup, :now, :due) "
    "RETURNING *").columns(*(column(c.name, c.type) for c in DEMANDS.c)).cte("d")
def _event(action: str, from_state: str | None, to_state: str, payload: ColumnElement) -> Select:
    """Return the select of a new demand's first event (its actor and time bound by name)."""
    return select(_NEW.c.id, literal_column(f"'{action}'"),
                  literal_column(f"'{from_state}'") if from_state else null(),
                  literal_column(f"'{to_state}'"), bindparam("uid", type_=Integer),
                  bindparam("role", type_=Text), bindparam("now", type_=DateTime(timezone=True)),
                  literal_column("''"), payload, null())


_FIRST_EVENTS = insert(DEMAND_EVENTS).from_select(
    [c.strip() for c in events.COLUMNS.split(",")],
    union_all(
        _event("create", None, "received", literal_column("'{}'::jsonb")),
        _event("merge", "received", "merged", func.jsonb_build_object(
            literal_column("'original'"), bindparam("dup_code", type_=Text)))
        .where(_NEW.c.duplicate_of.is_not(None)))).cte("e")
_INSERT = DriverStatement(summary_of(_NEW).add_cte(_FIRST_EVENTS))


def create_demand(session: Session, data: DemandInput, actor: Actor, rules: Rules = DEFAULT_RULES,
                  now: datetime | None = None) -> dict:
    """Write a new demand with its grid, code, deadline and first event; return its summary.

    A duplicate of an open demand nearby is stored as 'merged' into the original.
    """
    return insert_demand(session, data, actor, rules, now)[0]


def insert_demand(session: Session, data: DemandInput, actor: Actor,
                  rules: Rules = DEFAULT_RULES, now: datetime | None = None,
                  reporter_member_id: int | None = None) -> tuple[dict, dict]:
    """As create_demand (crediting a rider member as reporter, when given); return the
    summary and the demand's category."""
    now = now or datetime.now(UTC)
    ctx = _context(session, data, now, rules)
    cat = ctx["category"]
    token = secrets.token_urlsafe(16)
    is_working = workcal.rule_from(dict(zip(ctx["cal_days"] or (), ctx["cal_working"] or (),
                                            strict=True)))
    original = ctx["original_code"]
    out = _INSERT.rows(session, {
        "code": _next_code(session, now), "title": data.title, "descr": data.description,
        "cat": cat["code"], "state": "merged" if original else "received",
        "source": data.source, "lon": ctx["lon"], "lat": ctx["lat"], "crs": data.crs,
        "ilon": data.lon, "ilat": data.lat, "addr": data.address, "gid": ctx["grid_id"],
        "gcode": ctx["grid_code"], "rname": data.reporter_name, "rphone": data.reporter_phone,
        "member": reporter_member_id, "token": hashlib.sha256(token.encode()).hexdigest(),
        "dup": ctx["original_id"], "dup_code": original, "now": now,
        "due": workcal.deadline(now, cat["limit_amount"], cat["limit_unit"], is_working),
        "uid": actor.user_id, "role": actor.role})[0]
    out["follow_token"] = token
    if original:
        out["joined"] = original
    return out, cat


def summary(session: Session, demand_id: int) -> dict:
    """Return one demand as plain data (with personal fields; callers mask them)."""
    return dict(session.execute(SUMMARY.where(_D.c.id == demand_id)).mappings().one())


def by_code(session: Session, code: str) -> dict:
    """Return one demand by its readable code; NotFound when unknown."""
    row = session.execute(SUMMARY.where(_D.c.code == code)).mappings().first()
    if row is None:
        raise NotFound(f"没有诉求 {code[:30]!r}（unknown demand）", "demand_not_found")
    return dict(row)

