"""Small row factories for tests: a demand, a station, a member, a 差评消消乐 request, a login.

Every factory writes inside the caller's transaction (a session or a connection) and returns
what a test needs to refer to the row."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import String, func, insert, literal, select
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from grids.tables import GRIDS
from layers.access import tokens, users
from layers.access.actors import RESIDENT
from layers.demands import store as demands
from layers.demands.fields import check_new_demand
from layers.members.tables import MEMBER_GRIDS, MEMBERS
from layers.riders.tables import REVIEW_REQUESTS
from layers.stations.tables import STATIONS

PASSWORD = "secret-pass-123"


def demand(session: Session, grid_code: str, category: str = "1403",
           title: str = "路灯不亮") -> dict:
    """File a demand in a grid as a resident; return its summary (with `follow_token`)."""
    body = {"title": title, "category": category, "grid_code": grid_code}
    return demands.create_demand(session, check_new_demand(body), RESIDENT)


def station(session: Session, grid_code: str, name: str = "测试驿站") -> int:
    """Insert an active red station at a point inside the grid; return its id."""
    fields = {"kind": "red_station", "name": name, "address": "测试地址",
              "opening_hours": "每日 08:00–20:00", "active": True}
    grid = select(*(literal(v).label(k) for k, v in fields.items()),
                  literal(["rest"], ARRAY(String)).label("services"), GRIDS.c.code,
                  func.ST_PointOnSurface(GRIDS.c.geom)
                  ).where(GRIDS.c.code == grid_code, GRIDS.c.valid_to.is_(None))
    return session.execute(
        insert(STATIONS).from_select([*fields, "services", "grid_code", "geom"], grid)
        .returning(STATIONS.c.id)).scalar_one()


def review_request(session: Session, member_id: int, community_code: str) -> int:
    """Insert a pending 差评消消乐 request of a rider for a community; return its id."""
    return session.execute(insert(REVIEW_REQUESTS).values(
        member_id=member_id, platform="美团", order_ref=f"T{member_id}-{community_code}",
        reason="超时差评", community_code=community_code).returning(REVIEW_REQUESTS.c.id)
    ).scalar_one()


def member(db: Session | Connection, kind: str = "rider", name: str = "测试成员",
           grids: Iterable[str] = (), position: tuple[float, float] | None = None,
           **columns: object) -> int:
    """Insert a member responsible for `grids`, at the WGS84 `position` (lon, lat; its time
    `position_at`, default now) when given; any other column as a keyword (phone,
    department_code, platform, user_id, on_duty, active). Return its id."""
    values = {"kind": kind, "name": name, **columns}
    if position is not None:
        values["position"] = func.ST_SetSRID(func.ST_MakePoint(*position), 4326)
        values.setdefault("position_at", func.now())
    member_id = db.execute(insert(MEMBERS).values(**values).returning(MEMBERS.c.id)).scalar_one()
    rows = [{"member_id": member_id, "grid_code": g} for g in grids]
    if rows:
        db.execute(insert(MEMBER_GRIDS), rows)
    return member_id


def login(session: Session, name: str, role: str, scope: str | None = None,
          department: str | None = None) -> tuple[users.User, str]:
    """Create a login (staff or rider) with a bearer token; return (user, token)."""
    user = users.create_user(session, name, role, PASSWORD, scope_code=scope,
                             department_code=department)
    return user, tokens.issue_token(session, name)
