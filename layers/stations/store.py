"""Red stations (红色驿站) and 暖蜂驿站·工会驿站: rest points for riders and other new-economy
workers (table `stations`, migration 0012). Nearest ones in geodesic metres, and the list.

Stored in EPSG:4326 (lon, lat); ranked by KNN `<->` on `geom::geography` (the partial GiST
index ix_stations_geog), never by 4326 degrees: at 45.8° N a degree of longitude is 0.70 of a
degree of latitude.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from pydantic import model_validator
from sqlalchemy import String, any_, func, literal, select, text
from sqlalchemy.orm import Session

from gis import paging
from gis.checks import in_range, parse_crs, parse_number
from gis.contracts import CITY_LAT, CITY_LON, CRS_SCHEMA, Contract, Param, check, fail
from gis.coords import CRS_NAMES, to_wgs84
from gis.errors import BadInput, Invalid
from gis.params import Limit
from gis.srid import STORAGE
from layers.members import store as members
from layers.stations.tables import STATIONS

KINDS: dict[str, str] = {"red_station": "红色驿站", "warm_bee": "暖蜂驿站·工会驿站"}
SERVICES: dict[str, str] = {  # the order pages list them in
    "rest": "临时休息",
    "charging": "手机充电",
    "water": "饮水",
    "hot_meal": "热饭",
    "toilet": "如厕",
    "first_aid": "应急药箱",
    "legal_advice": "法律咨询",
}
DEFAULT_LIMIT, MAX_LIMIT = 5, 50
PER_PAGE, MAX_PER_PAGE = 500, 1000
MAP_CAP = 5000  # stations drawn on the city map at most
# KNN on geography orders by sphere distance; distance_m is on the spheroid (up to ~0.5 %
# apart), so a few more neighbours than asked are ranked again by distance_m.
_SLACK = 8
OUTSIDE = "位置不在七台河市内（outside the city）"
SWAPPED = "；经纬度写反了：交换 lon 与 lat 后落在市内（lon and lat are swapped）"

_POINT = f"ST_SetSRID(ST_MakePoint(:x, :y), {STORAGE})"
_HERE = f"CAST({_POINT} AS geography)"
# Inside the city: in a current grid or a district outline (the rule of member positions).
_IN_CITY = members.IN_CITY_SQL.format(p=_POINT)
_COLUMNS = ("s.id, s.kind, s.name, s.address, s.services, s.opening_hours, s.grid_code, "
            "ST_X(s.geom) AS lon, ST_Y(s.geom) AS lat")
_SERVICE = "(CAST(:service AS varchar) IS NULL OR CAST(:service AS varchar) = ANY(s.services))"
_NEAREST = text(f"""
    WITH c AS MATERIALIZED (SELECT {_IN_CITY} AS inside)
    SELECT c.inside, n.*
    FROM c LEFT JOIN LATERAL (
        SELECT k.*, ST_Distance(CAST(k.geom AS geography), {_HERE}) AS distance_m
        FROM (SELECT {_COLUMNS}, s.geom FROM stations s
              WHERE s.active AND {_SERVICE}
              ORDER BY CAST(s.geom AS geography) <-> {_HERE}
              LIMIT :pool) k
        WHERE c.inside
    ) n ON true
    ORDER BY n.distance_m, n.id
    LIMIT :limit
""")
_INSIDE = text(f"SELECT {_IN_CITY}")
_S = STATIONS.alias("s")
LISTED = select(_S.c.id, _S.c.kind, _S.c.name, _S.c.address, _S.c.services,
                _S.c.opening_hours, _S.c.grid_code, func.ST_X(_S.c.geom).label("lon"),
                func.ST_Y(_S.c.geom).label("lat"))
"""A station's public columns from the table aliased s (`STATION`)."""
STATION = _S


def _number(name: str) -> Callable[[object], float | None]:
    return lambda raw: None if raw is None else parse_number(name, raw)


class StationQuery(Contract):
    """A WGS84 or datum point (lon and lat, or neither: list them all), how many nearest, a
    service, and the list's page."""

    lon: Param({**CITY_LON, "description": "经度 (with lat: nearest stations)"},
               _number("lon")) = None
    lat: Param({**CITY_LAT, "description": "纬度 (with lon: nearest stations)"},
               _number("lat")) = None
    crs: Param({**CRS_SCHEMA, "description": "坐标系"}, parse_crs) = "wgs84"
    limit: Limit("limit", DEFAULT_LIMIT, MAX_LIMIT, "how many nearest (default 5)") = \
        DEFAULT_LIMIT
    service: Param({"type": "string", "enum": list(SERVICES),
                    "description": "只要提供此服务的 only those with this service"},
                   lambda raw: check_service(raw)) = None
    page: Limit("page", 1, 100_000, "page of the list (without lon/lat)") = 1
    per_page: Limit("per_page", PER_PAGE, MAX_PER_PAGE,
                    "page size of the list (default 500)") = PER_PAGE

    @model_validator(mode="after")
    def _both_or_neither(self) -> StationQuery:
        if (self.lon is None) != (self.lat is None):
            name = "lat" if self.lat is None else "lon"
            raise fail(f"缺少参数 {name}（missing parameter {name}）", name)
        return self


def check_service(raw: str | None) -> str | None:
    """Return a known service code (None when absent); BadInput listing the known ones."""
    if raw is None or raw == "":
        return None
    if raw not in SERVICES:
        raise BadInput(f"未知服务 {raw[:20]!r}，可用：{', '.join(SERVICES)}", "bad_service")
    return raw


def parse_query(args: Mapping[str, str]) -> StationQuery:
    """Return the checked query (lon, lat as given, in `crs`); Invalid naming each bad field."""
    return check(StationQuery, dict(args.items()))


def check_point(lon: float, lat: float, crs: str = "wgs84") -> tuple[float, float]:
    """Return the point as WGS84 (lon, lat); Invalid naming lon, lat or crs when unusable."""
    errors: dict[str, str] = {}
    if not in_range(lon, 0.0):
        errors["lon"] = f"经度 lon={lon} 超出范围 [-180, 180]"
    if not in_range(0.0, lat):
        errors["lat"] = f"纬度 lat={lat} 超出范围 [-90, 90]"
    try:
        crs = parse_crs(crs)
    except BadInput as err:
        errors["crs"] = str(err)
    if errors:
        raise Invalid(errors)
    return to_wgs84(lon, lat, crs)


def _swapped(session: Session, lon: float, lat: float, crs: str) -> bool:
    """Return True when (lat, lon), read the other way round, falls inside the city."""
    if not in_range(lat, lon) or crs not in CRS_NAMES:
        return False
    x, y = to_wgs84(lat, lon, crs)
    return bool(session.execute(_INSIDE, {"x": x, "y": y}).scalar())


def _refused(session: Session, err: Invalid, lon: float, lat: float, crs: str) -> Invalid:
    """Return `err` saying, in the field named, when lon and lat look swapped."""
    if not _swapped(session, lon, lat, crs):
        return err
    name = "lat" if "lat" in err.fields else next(iter(err.fields))
    return Invalid({**err.fields, name: err.fields[name] + SWAPPED})


def point_in_city(session: Session, lon: float, lat: float,
                  crs: str = "wgs84") -> tuple[float, float]:
    """Return a point given in `crs` as WGS84 (lon, lat) when it lies inside the city (a
    current grid or a district outline); Invalid naming lon/lat/crs when unusable, `location`
    outside the city (saying when lon and lat look swapped)."""
    try:
        x, y = check_point(lon, lat, crs)
    except Invalid as err:
        raise _refused(session, err, lon, lat, crs) from None
    if not session.execute(_INSIDE, {"x": x, "y": y}).scalar():
        raise _refused(session, Invalid({"location": OUTSIDE}), lon, lat, crs)
    return x, y


def present(row: Mapping) -> dict:
    """Return a station row as plain data with its Chinese labels (lon/lat WGS84)."""
    out = {k: row[k] for k in ("id", "kind", "name", "address", "opening_hours", "grid_code",
                               "lon", "lat")}
    out["services"] = [s for s in SERVICES if s in (row["services"] or ())]
    out["kind_label"] = KINDS.get(row["kind"], row["kind"])
    out["service_labels"] = [SERVICES[s] for s in out["services"]]
    if "distance_m" in row:
        out["distance_m"] = round(float(row["distance_m"]), 1)
    return out


def nearest(session: Session, lon: float, lat: float, crs: str = "wgs84",
            limit: int = DEFAULT_LIMIT, service: str | None = None) -> list[dict]:
    """Return the `limit` active stations nearest to (lon, lat) given in `crs`, nearest first,
    each with distance_m (geodesic, straight line) and lon/lat in WGS84.

    Invalid for a point out of range or outside the city, a limit outside 1..MAX_LIMIT or an
    unknown service."""
    try:
        x, y = check_point(lon, lat, crs)
    except Invalid as err:
        raise _refused(session, err, lon, lat, crs) from None
    if not 1 <= limit <= MAX_LIMIT:
        raise Invalid({"limit": f"limit 应为 1–{MAX_LIMIT} 的整数（integer 1–{MAX_LIMIT}）"})
    try:
        service = check_service(service)
    except BadInput as err:
        raise Invalid({"service": str(err)}) from None
    rows = session.execute(_NEAREST, {"x": x, "y": y, "service": service, "limit": limit,
                                      "pool": limit + _SLACK}).mappings().all()
    if not rows[0]["inside"]:
        raise _refused(session, Invalid({"location": OUTSIDE}), lon, lat, crs)
    return [present(r) for r in rows if r["id"] is not None]


def feature(station: dict) -> dict:
    """Return a presented station as a GeoJSON Point Feature (lon, lat WGS84)."""
    props = {k: v for k, v in station.items() if k not in ("lon", "lat")}
    return {"type": "Feature", "id": station["id"], "properties": props,
            "geometry": {"type": "Point", "coordinates": [station["lon"], station["lat"]]}}


def active(session: Session, service: str | None = None, page: int = 1,
           per_page: int = PER_PAGE) -> tuple[list[dict], int]:
    """Return (a page of the active stations by id, presented, lon/lat WGS84; how many in all)."""
    stmt = LISTED.where(_S.c.active).order_by(_S.c.id)
    if (service := check_service(service)) is not None:
        stmt = stmt.where(literal(service, String) == any_(_S.c.services))
    rows, total = paging.page(session, stmt, page, per_page)
    return [present(r) for r in rows], total


def all_active(session: Session) -> list[dict]:
    """Return every active station (up to MAP_CAP), presented, lon/lat WGS84, by id."""
    return active(session, per_page=MAP_CAP)[0]


def feature_collection(session: Session, q: StationQuery) -> dict:
    """Return a page of the active stations as a GeoJSON FeatureCollection with the total."""
    stations, total = active(session, q.service, q.page, q.per_page)
    return {"type": "FeatureCollection", "features": [feature(s) for s in stations],
            "total": total, "page": q.page, "per_page": q.per_page}


def has_stations(session: Session) -> bool:
    """Return True when any station (active or not) is stored."""
    return bool(session.execute(text("SELECT EXISTS (SELECT 1 FROM stations)")).scalar())
