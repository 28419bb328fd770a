"""Staff upkeep of the 红色驿站 and 暖蜂驿站·工会驿站 (table `stations`): the list within the
viewer's scope, checking a station's fields, creating, updating and deactivating (never
deleting: the row and its history stay). The grid comes from the point, never from the caller;
every change is written to the audit log."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import Field
from sqlalchemy import and_, func, text
from sqlalchemy.orm import Session

from gis import paging
from gis.checks import is_whole, parse_crs, parse_number
from gis.contracts import (
    CITY_LAT,
    CITY_LON,
    CRS_SCHEMA,
    Contract,
    Raw,
    UserText,
    check,
    fail,
    reading,
)
from gis.errors import BadInput, Forbidden, NotFound
from gis.srid import STORAGE
from grids.locate import find
from grids.tables import COMMUNITIES, GRIDS
from layers.access import audit, policy
from layers.access.actors import Actor
from layers.stations import store as stations

"""Roles that may maintain stations, each within its scope (an admin without one: the city)."""
LIMITS = {"name": 100, "address": 300, "opening_hours": 100}  # the columns' lengths
LABELS = {"kind": "驿站类型", "name": "驿站名称", "address": "地址", "services": "服务项目",
          "opening_hours": "开放时间", "location": "位置", "grid_code": "所在网格",
          "active": "启用状态"}
PER_PAGE = 100
MAX_ID = 2**31 - 1  # stations.id is an int4
ACTIVE_FILTER = {"": None, "1": True, "0": False}

_S = stations.STATION
_G, _C = GRIDS.alias("g"), COMMUNITIES.alias("c")
_SELECT = stations.LISTED.add_columns(
    _S.c.active, _G.c.name.label("grid_name"), _C.c.name.label("community_name"),
).select_from(_S.outerjoin(_G, and_(_G.c.code == _S.c.grid_code, _G.c.valid_to.is_(None)))
              .outerjoin(_C, _C.c.code == func.left(_S.c.grid_code, 12)))
_POINT = f"ST_SetSRID(ST_MakePoint(:lon, :lat), {STORAGE})"


@dataclass(frozen=True)
class StationFilter:
    """The list's checked filters: kind (None = all), active (None = both), page."""

    kind: str | None = None
    active: bool | None = None
    page: int = 1


def check_editor(actor: Actor) -> None:
    """Raise Forbidden unless the actor's role may maintain stations (stations.edit)."""
    policy.require(actor, "stations.edit")


def may_edit(actor: Actor, grid_code: str | None) -> bool:
    """Return True when the actor may edit a station in `grid_code` (a station in no grid:
    city-wide editors only)."""
    return actor.is_staff and policy.may(actor, "stations.edit", grid_code or "")


def _kind(raw: object) -> str:
    if raw in stations.KINDS:
        return str(raw)
    known = "、".join(f"{v}（{k}）" for k, v in stations.KINDS.items())
    raise fail("请选择驿站类型" if not raw else f"未知驿站类型 {str(raw)[:20]!r}，可选：{known}")


def _services(raw: object) -> tuple[str, ...]:
    """Return the known services in page order; a field error naming an unknown one."""
    given = [] if raw is None else list(raw) if isinstance(raw, list | tuple) else [raw]
    unknown = [s for s in given if s not in stations.SERVICES]
    if unknown:
        raise fail(f"未知服务项目 {str(unknown[0])[:20]!r}，可选："
                   + "、".join(stations.SERVICES.values()))
    return tuple(s for s in stations.SERVICES if s in given)


def _number(name: str, label: str) -> Callable[[object], float]:
    def read(raw: object) -> float:
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            raise fail(f"请填写{label}（{name}）")
        try:
            return parse_number(name, raw)
        except BadInput as err:
            raise fail(str(err)) from None
    return read


def _text(name: str, required: bool = False) -> Any:
    return UserText(LIMITS[name], required=required, label=LABELS[name])


class StationInput(Contract):
    """A station's fields as the 驿站管理 form sends them: lon/lat in crs (WGS84 once
    checked, inside the city)."""

    kind: Raw({"type": "string", "enum": list(stations.KINDS)}, _kind) = \
        Field(None, validate_default=True)
    name: _text("name", required=True) = Field(None, validate_default=True)
    address: _text("address") = ""
    services: Raw({"type": "array", "items": {"type": "string", "enum": list(stations.SERVICES)}},
                  _services) = ()
    opening_hours: _text("opening_hours") = ""
    lon: Raw(CITY_LON, _number("lon", "经度")) = Field(None, validate_default=True)
    lat: Raw(CITY_LAT, _number("lat", "纬度")) = Field(None, validate_default=True)
    crs: Raw(CRS_SCHEMA, reading(parse_crs)) = "wgs84"
    active: Raw({"type": "boolean"}, bool) = False


def check_input(session: Session, raw: Mapping) -> StationInput:
    """Return a station's checked fields (the point converted to WGS84 and inside the city);
    Invalid naming every bad field (kind, name, address, services, opening_hours, lon, lat,
    crs, location)."""
    data = check(StationInput, dict(raw))
    data.lon, data.lat = stations.point_in_city(session, data.lon, data.lat, data.crs)
    return data


def parse_filter(args: Mapping[str, str]) -> StationFilter:
    """Return the list's filters from ?kind=&active=&page=; BadInput for an unknown value."""
    kind = args.get("kind") or None
    if kind is not None and kind not in stations.KINDS:
        raise BadInput(f"未知驿站类型 {kind[:20]!r}", "bad_kind")
    if args.get("active", "") not in ACTIVE_FILTER:
        raise BadInput("active 应为 1（启用）、0（已停用）或留空（全部）", "bad_active")
    page = args.get("page", "1")
    if not is_whole(page) or not 1 <= int(page) <= 100_000:
        raise BadInput("page 应为 1–100000 的整数", "bad_page")
    return StationFilter(kind, ACTIVE_FILTER[args.get("active", "")], int(page))


def list_stations(session: Session, actor: Actor, f: StationFilter,
                  per_page: int = PER_PAGE) -> tuple[list[dict], int]:
    """Return (a page of the stations whose grid is in the staff actor's scope — all of them
    for a city-wide one — active first, then by grid and id; how many match in all).
    lon/lat WGS84."""
    if not actor.is_staff:
        raise Forbidden("只有工作人员可以查看驿站管理列表")
    stmt = _SELECT.order_by(_S.c.active.desc(), _S.c.grid_code.asc().nulls_last(), _S.c.id)
    if actor.scope is not None:
        stmt = stmt.where(_S.c.grid_code.like(actor.scope + "%"))
    if f.kind is not None:
        stmt = stmt.where(_S.c.kind == f.kind)
    if f.active is not None:
        stmt = stmt.where(_S.c.active == f.active)
    rows, total = paging.page(session, stmt, f.page, per_page)
    return [_row(r, actor) for r in rows], total


def _row(row: Mapping, actor: Actor) -> dict:
    """Return a station row as plain data with labels and whether the actor may edit it."""
    out = dict(row)
    out["services"] = [s for s in stations.SERVICES if s in (row["services"] or ())]
    out["kind_label"] = stations.KINDS.get(row["kind"], row["kind"])
    out["service_labels"] = [stations.SERVICES[s] for s in out["services"]]
    out["editable"] = may_edit(actor, row["grid_code"])
    return out


def editable(session: Session, actor: Actor, station_id: int, lock: bool = False) -> dict:
    """Return one station that the actor may maintain (locked FOR UPDATE when `lock`);
    Forbidden for other roles or a station outside the actor's scope, NotFound when unknown."""
    check_editor(actor)
    row = None
    if 0 < station_id <= MAX_ID:
        stmt = _SELECT.where(_S.c.id == station_id)
        row = session.execute(stmt.with_for_update(of=_S) if lock else stmt).mappings().first()
    if row is None:
        raise NotFound(f"没有驿站 {station_id}（unknown station）", "station_not_found")
    if not may_edit(actor, row["grid_code"]):
        raise Forbidden(f"驿站 {station_id}（{row['name']}）不在您的管辖范围内", "out_of_scope")
    return _row(row, actor)


def _grid_in_scope(session: Session, actor: Actor, data: StationInput) -> str | None:
    """Return the grid code of the station's point (None: in a district outline but no grid);
    Forbidden when the actor may not keep a station there."""
    found = find(session, data.lon, data.lat)
    grid = found.grid_code if found else None
    if not may_edit(actor, grid):
        where = f"所在网格 {grid}" if grid else "该位置不在任何网格内，"
        raise Forbidden(f"{where}不在您的管辖范围（{actor.scope}）内，不能在此设立驿站",
                        "out_of_scope")
    return grid


def _values(data: StationInput, grid: str | None) -> dict:
    return {"kind": data.kind, "name": data.name, "address": data.address,
            "services": list(data.services), "opening_hours": data.opening_hours,
            "grid_code": grid, "lon": data.lon, "lat": data.lat, "active": data.active}


def create(session: Session, actor: Actor, data: StationInput) -> dict:
    """Insert a station (grid from its point) and audit `create_station`; return {id,
    grid_code}. Forbidden for other roles or a point outside the actor's scope."""
    check_editor(actor)
    grid = _grid_in_scope(session, actor, data)
    station_id = session.execute(text(
        "INSERT INTO stations (kind, name, address, services, opening_hours, grid_code, geom, "
        "active) VALUES (:kind, :name, :address, CAST(:services AS varchar[]), :opening_hours, "
        f":grid_code, {_POINT}, :active) RETURNING id"), _values(data, grid)).scalar_one()
    audit.record(session, actor, "create_station", f"station:{station_id} {data.kind}")
    return {"id": station_id, "grid_code": grid}


def _changes(before: dict, data: StationInput, grid: str | None) -> list[str]:
    """Return the names of the fields that `data` (at `grid`) changes, in LABELS order."""
    after = {**_values(data, grid), "location": (data.lon, data.lat)}
    was = {**before, "location": (before["lon"], before["lat"])}
    return [k for k in LABELS if after[k] != was[k]]


def update(session: Session, actor: Actor, station_id: int, data: StationInput) -> list[str]:
    """Write a station's new fields (grid from its point); return the changed field names
    (none: nothing written). Audited: `update_station` naming the fields, and
    `deactivate_station` / `reactivate_station` when the active flag changes."""
    before = editable(session, actor, station_id, lock=True)
    grid = _grid_in_scope(session, actor, data)
    changed = _changes(before, data, grid)
    if not changed:
        return []
    session.execute(text(
        "UPDATE stations SET kind = :kind, name = :name, address = :address, "
        "services = CAST(:services AS varchar[]), opening_hours = :opening_hours, "
        f"grid_code = :grid_code, geom = {_POINT}, active = :active WHERE id = :id"),
        {**_values(data, grid), "id": station_id})
    fields = [k for k in changed if k != "active"]
    if fields:
        audit.record(session, actor, "update_station", f"station:{station_id} {','.join(fields)}")
    if "active" in changed:
        action = "reactivate_station" if data.active else "deactivate_station"
        audit.record(session, actor, action, f"station:{station_id}")
    return changed


def deactivate(session: Session, actor: Actor, station_id: int) -> bool:
    """Mark a station inactive (kept, no longer public) and audit `deactivate_station`;
    return False when it already was."""
    before = editable(session, actor, station_id, lock=True)
    if not before["active"]:
        return False
    session.execute(text("UPDATE stations SET active = false WHERE id = :id"),
                    {"id": station_id})
    audit.record(session, actor, "deactivate_station", f"station:{station_id}")
    return True


def form_values(station: dict) -> dict:
    """Return a station's fields as the edit form shows them (lon/lat WGS84, exact)."""
    fields = ("kind", "name", "address", "services", "opening_hours", "active")
    return {**{k: station[k] for k in fields}, "lon": repr(station["lon"]),
            "lat": repr(station["lat"]), "crs": "wgs84"}

