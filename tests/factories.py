"""Small row factories for tests: a demand, a station, a 差评消消乐 request, a staff login.

Members come from tests/people.py (`add_member`). Every factory writes inside the test's
transaction and returns what a test needs to refer to the row."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.orm import Session

from layers.access import tokens, users
from layers.access.actors import RESIDENT
from layers.demands import store as demands
from layers.demands.fields import check_new_demand

PASSWORD = "secret-pass-123"


def demand(session: Session, grid_code: str, category: str = "1403",
           title: str = "路灯不亮") -> dict:
    """File a demand in a grid as a resident; return its summary (with `follow_token`)."""
    body = {"title": title, "category": category, "grid_code": grid_code}
    return demands.create_demand(session, check_new_demand(body), RESIDENT)


def station(session: Session, grid_code: str, name: str = "测试驿站") -> int:
    """Insert an active red station at a point inside the grid; return its id."""
    return session.execute(text(
        "INSERT INTO stations (kind, name, address, services, opening_hours, geom, grid_code, "
        "active) SELECT 'red_station', :n, '测试地址', ARRAY['rest']::varchar[], "
        "'每日 08:00–20:00', ST_PointOnSurface(geom), code, true FROM grids "
        "WHERE code = :g AND valid_to IS NULL RETURNING id"),
        {"n": name, "g": grid_code}).scalar_one()


def review_request(session: Session, member_id: int, community_code: str) -> int:
    """Insert a pending 差评消消乐 request of a rider for a community; return its id."""
    return session.execute(text(
        "INSERT INTO review_requests (member_id, platform, order_ref, reason, community_code) "
        "VALUES (:m, '美团', :o, '超时差评', :c) RETURNING id"),
        {"m": member_id, "o": f"T{member_id}-{community_code}", "c": community_code}
    ).scalar_one()


def login(session: Session, name: str, role: str, scope: str | None = None,
          department: str | None = None) -> tuple[users.User, str]:
    """Create a login (staff or rider) with a bearer token; return (user, token)."""
    user = users.create_user(session, name, role, PASSWORD, scope_code=scope,
                             department_code=department)
    return user, tokens.issue_token(session, name)
