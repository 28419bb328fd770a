"""Following a report: what its reporter, holding the follow token, may see of it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import text
from sqlalchemy.orm import Session

from gis.errors import Forbidden
from layers.access.actors import RESIDENT
from layers.demands import events, transitions
from layers.demands import queries as demand_queries
from layers.demands import store as demands
from layers.demands.photos import by_kind, photos_for

_PLACE_SQL = text(
    "SELECT d.follow_token_hash, g.name AS grid_name, c.name AS community_name, "
    "s.name AS street_name FROM demands d JOIN grids g ON g.id = d.grid_id "
    "JOIN communities c ON c.code = g.community_code JOIN streets s ON s.code = c.street_code "
    "WHERE d.id = :i")


def follow(session: Session, code: str, token: object, reopen_days: float = 7.0,
           now: datetime | None = None) -> dict:
    """Return a report for its reporter holding the follow token: state, grid, events and
    photos by kind, with no personal data, and whether it may be rated (closed, not yet
    rated) or reopened (until `reopen_until`); NotFound when unknown, Forbidden when the
    token is wrong."""
    row = demands.by_code(session, code)
    place = session.execute(_PLACE_SQL, {"i": row["id"]}).mappings().one()
    if not transitions.follow_token_matches(dict(place), token):
        raise Forbidden("查询凭证不正确（wrong follow token）", "bad_follow_token")
    out = demand_queries.present(row, RESIDENT)
    out.update({k: v for k, v in place.items() if k != "follow_token_hash"})
    out["events"] = [{k: e[k] for k in ("action", "from_state", "to_state", "at", "note")}
                     for e in events.history(session, row["id"])]
    out["photos"] = by_kind(photos_for(session, [row["id"]])[row["id"]])
    closed = row["state"] == "closed" and row["closed_at"] is not None
    out["can_rate"] = closed and row["rating_satisfaction"] is None
    out["reopen_until"] = row["closed_at"] + timedelta(days=reopen_days) if closed else None
    out["can_reopen"] = closed and (now or datetime.now(UTC)) <= out["reopen_until"]
    return out
