"""The service list (服务清单): taking in demands (制单) and reading them."""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime

from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

from gis.coords import to_wgs84
from gis.errors import Invalid, NotFound
from gis.srid import STORAGE
from layers import events, taxonomy, workcal
from layers.actors import Actor
from layers.demand_input import DemandInput
from layers.duplicates import find_original
from layers.rules import DEFAULT_RULES, Rules

OPEN_STATES = ("received", "dispatched", "signed", "resolved", "verified")


_COUNT = ("INSERT INTO demand_counters (day, last) SELECT :d, 1 FROM (SELECT set_config("
          "'synchronous_commit', :sync, true)) AS s ON CONFLICT (day) "
          "DO UPDATE SET last = demand_counters.last + 1 RETURNING last")


def _next_code(session: Session, now: datetime) -> str:
    """Return the next readable code QTH-YYYYMMDD-NNNN for the local day of `now`.

    On an engine the number is taken in one autocommitted statement, so concurrent intakes
    do not queue on the day's counter row until each commits (a rolled-back intake leaves a
    gap; the counter's commit is flushed with the demand's). Bound to a connection (tests),
    it is taken in the session's transaction.
    """
    day = now.astimezone(workcal.TZ).date()
    bind = session.get_bind()
    if isinstance(bind, Engine):
        with bind.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            n = conn.execute(text(_COUNT), {"d": day, "sync": "off"}).scalar_one()
    else:
        n = session.execute(text(_COUNT), {"d": day, "sync": "on"}).scalar_one()
    return f"QTH-{day:%Y%m%d}-{n:04d}"


# As grids.locate.find: on a shared boundary the lowest code wins.
_GRID_AT = text(f"SELECT id, code FROM grids WHERE valid_to IS NULL AND ST_Covers(geom, "
                f"ST_SetSRID(ST_MakePoint(:lon, :lat), {STORAGE})) ORDER BY code LIMIT 1")


def _place(session: Session, data: DemandInput) -> tuple[int, str, float, float]:
    """Return (grid id, grid code, lon, lat in WGS84) for the demand's location."""
    if data.grid_code:
        row = session.execute(
            text("SELECT id, code, ST_X(p), ST_Y(p) FROM (SELECT id, code, "
                 "ST_PointOnSurface(geom) AS p FROM grids WHERE code = :c "
                 "AND valid_to IS NULL) AS g"), {"c": data.grid_code}).first()
        if row is None:
            raise Invalid({"grid_code": f"没有网格 {data.grid_code}"})
        return row[0], row[1], row[2], row[3]
    lon, lat = to_wgs84(data.lon, data.lat, data.crs)
    found = session.execute(_GRID_AT, {"lon": lon, "lat": lat}).first()
    if found is None:
        raise Invalid({"location": "位置不在任何网格内（outside every grid）"})
    return found[0], found[1], lon, lat


def create_demand(session: Session, data: DemandInput, actor: Actor, rules: Rules = DEFAULT_RULES,
                  now: datetime | None = None) -> dict:
    """Write a new demand with its grid, code, deadline and first event; return its summary.

    A duplicate of an open demand nearby is stored as 'merged' into the original.
    """
    now = now or datetime.now(UTC)
    cat = taxonomy.small_class(session, data.category_code)
    grid_id, grid_code, lon, lat = _place(session, data)
    original = find_original(session, cat["code"], lon, lat, now, rules)
    token = secrets.token_urlsafe(16)
    due = workcal.deadline(now, cat["limit_amount"], cat["limit_unit"],
                           workcal.day_rule(session, now.date()))
    row = session.execute(
        text(
            "INSERT INTO demands (code, title, description, category_code, state, source, geom, "
            "input_crs, input_lon, input_lat, address, grid_id, grid_code, reporter_name, "
            "reporter_phone, follow_token_hash, duplicate_of, created_at, deadline) VALUES "
            f"(:code, :title, :descr, :cat, :state, :source, ST_SetSRID(ST_MakePoint(:lon, :lat), "
            f"{STORAGE}), :crs, :ilon, :ilat, :addr, :gid, :gcode, :rname, :rphone, :token, "
            ":dup, :now, :due) RETURNING id"),
        {"code": _next_code(session, now), "title": data.title, "descr": data.description,
         "cat": cat["code"], "state": "merged" if original else "received",
         "source": data.source, "lon": lon, "lat": lat, "crs": data.crs, "ilon": data.lon,
         "ilat": data.lat, "addr": data.address, "gid": grid_id, "gcode": grid_code,
         "rname": data.reporter_name, "rphone": data.reporter_phone,
         "token": hashlib.sha256(token.encode()).hexdigest(),
         "dup": original["id"] if original else None, "now": now, "due": due},
    ).scalar_one()
    events.append(session, row, "create", None, "received", actor, at=now)
    if original:
        events.append(session, row, "merge", "received", "merged", actor, at=now,
                      payload={"original": original["code"]})
    out = summary(session, row)
    out["follow_token"] = token
    if original:
        out["joined"] = original["code"]
    return out


SUMMARY_SQL = (
    "SELECT d.id, d.code, d.title, d.description, d.category_code, c.name AS category_name, "
    "d.state, d.source, ST_X(d.geom) AS lon, ST_Y(d.geom) AS lat, d.address, d.grid_code, "
    "d.assignee_department_code, d.assignee_user_id, d.assignee_community_code, "
    "d.assignee_member_id, "
    "o.code AS duplicate_of, d.created_at, d.deadline, d.sign_deadline, d.dispatched_at, "
    "d.signed_at, d.resolved_at, d.verified_at, d.closed_at, d.overdue, d.escalation_level, "
    "d.rating_solved, d.rating_satisfaction, d.reporter_name, d.reporter_phone, "
    "(SELECT count(*) FROM demands m WHERE m.duplicate_of = d.id) AS joined_residents "
    "FROM demands d JOIN categories c ON c.code = d.category_code "
    "LEFT JOIN demands o ON o.id = d.duplicate_of "
)


def summary(session: Session, demand_id: int) -> dict:
    """Return one demand as plain data (with personal fields; callers mask them)."""
    row = session.execute(text(SUMMARY_SQL + "WHERE d.id = :id"), {"id": demand_id}).mappings()
    return dict(row.one())


def by_code(session: Session, code: str) -> dict:
    """Return one demand by its readable code; NotFound when unknown."""
    row = session.execute(text(SUMMARY_SQL + "WHERE d.code = :c"), {"c": code}).mappings().first()
    if row is None:
        raise NotFound(f"没有诉求 {code[:30]!r}（unknown demand）", "demand_not_found")
    return dict(row)

