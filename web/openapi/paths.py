"""The /api/v1 paths of the OpenAPI document: one entry per route and method.

Add an entry here with every new /api/v1 route (tests/test_openapi.py checks).
"""

from __future__ import annotations

from layers.demands.fields import SOURCES as DEMAND_SOURCES
from layers.demands.labels import STATE_LABELS
from layers.demands.transitions import RULES
from layers.riders.reviews import STATES as REVIEW_STATES
from layers.stations.store import SERVICES
from web.openapi.schema import (
    CRS,
    LAT,
    LON,
    Facts,
    city_point,
    obj,
    op,
    path_param,
    q,
)

STR, INT, BOOL = {"type": "string"}, {"type": "integer"}, {"type": "boolean"}
GEOJSON = "application/geo+json"
HIERARCHY = (
    q("district", {"type": "string", "pattern": "^[0-9]{6}$"}, "区代码 district code"),
    q("street", {"type": "string", "pattern": "^[0-9]{9}$"}, "街道代码 street code"),
    q("community", {"type": "string", "pattern": "^[0-9]{12}$"}, "社区代码 community code"),
    q("grid", {"type": "string", "pattern": "^[0-9]{15}$"}, "网格代码 grid code"),
)
BBOX_NUMBERS = {"type": "array", "minItems": 4, "maxItems": 4,
             "items": {"type": "number", "minimum": -180, "maximum": 180}}
BBOX = {**q("bbox", BBOX_NUMBERS, "minlon,minlat,maxlon,maxlat (WGS84; lat within ±90, "
                                "min below max, each number ≤ 20 characters)"),
        "style": "form", "explode": False}
MONTH = q("month", {"type": "string", "pattern": "^[0-9]{4}-[0-9]{2}$"},
          "月份 YYYY-MM (default: this month, Asia/Shanghai)")
STATES = list(STATE_LABELS)
SOURCES = list(DEMAND_SOURCES)
ACTIONS = list(RULES)
CODE = path_param("code", description="诉求编号 demand code, e.g. QTH-20261127-0001")
MEMBER = path_param("member_id", True, "成员 id member id")
POINT = obj({"lon": LON, "lat": LAT, "crs": CRS}, ("lon", "lat"))



def _demands(facts: Facts) -> dict:
    tag = "demands 诉求"
    listing = (q("state", {"type": "string", "enum": STATES}, "状态 state"), *HIERARCHY,
               q("category", STR, "小类代码 category code"),
               q("source", {"type": "string", "enum": SOURCES}, "来源 source"), BBOX,
               q("from", {"type": "string", "format": "date-time"}, "created at or after"),
               q("to", {"type": "string", "format": "date-time"}, "created before"),
               q("overdue", {"type": "string", "enum": ["true", "false"]}, "超期 overdue"),
               q("page", {"type": "integer", "minimum": 1, "maximum": 100000}, "page"),
               q("per_page", {"type": "integer", "minimum": 1, "maximum": 500}, "page size"))
    return {
        "/api/v1/demands": {
            "get": op("Demands as GeoJSON, filtered and paged", tag=tag, params=listing,
                      ok_type=GEOJSON),
        },
        "/api/v1/demands/{code}": {"get": op(
            "One demand with its events and photos", tag=tag, params=(CODE,), errors="404")},
        "/api/v1/demands/{code}/candidates": {"get": op(
            "Nearest responsible units, ranked, with distances (m)", tag=tag, auth=True,
            params=(CODE, q("limit", {"type": "integer", "minimum": 1, "maximum": 50},
                            "how many (default 10)")), errors="404")},
        "/api/v1/dispatch/queue": {"get": op(
            "Demands waiting for dispatch in the actor's scope", tag=tag, auth=True,
            params=(q("limit", {"type": "integer", "minimum": 1, "maximum": 500},
                      "how many (default 100)"),))},
        "/api/v1/categories": {"get": op("Demand categories with time limits", tag=tag,
                                         errors="")},
        "/api/v1/departments": {"get": op("Functional departments", tag=tag, errors="")},
    }


def _grids() -> dict:
    tag = "grids 网格"
    return {
        "/api/v1/locate": {"get": op(
            "The grid, community, street and district of a point", tag=tag, errors="400 404",
            params=(q("lon", LON, "经度", True), q("lat", LAT, "纬度", True),
                    q("crs", CRS, "坐标系")))},
        "/api/v1/grids": {"get": op(
            "Current grids as GeoJSON", tag=tag, ok_type=GEOJSON,
            params=(*HIERARCHY, BBOX, q("simplify", {"type": "number", "minimum": 0,
                                                     "maximum": 1000}, "simplify (m)")))},
        "/api/v1/grids/{code}": {"get": op(
            "One grid with its hierarchy and neighbours", tag=tag, ok_type=GEOJSON,
            params=(path_param("code", description="网格代码 15-digit grid code"),),
            errors="400 404")},
        "/api/v1/grids/export": {"get": op(
            "Current grids as a file", tag=tag, ok_type="application/octet-stream",
            ok_schema={"type": "string", "format": "binary"},
            params=(q("format", {"type": "string", "enum": ["geojson", "gpkg", "shp"]},
                      "file format (default geojson)"),))},
        "/api/v1/districts/outlines": {"get": op(
            "District outlines derived from the grids", tag=tag, ok_type=GEOJSON, errors="")},
    }


def _members() -> dict:
    tag = "members 成员"
    return {
        "/api/v1/members/on-duty": {"get": op(
            "On-duty members inside a bounding box (the member map's markers)", tag=tag,
            auth=True, params=(
                {**BBOX, "required": True},
                q("limit", {"type": "integer", "minimum": 1, "maximum": 20000},
                  "at most this many (default 5000)")),
            description=(
                "Staff only, members responsible for a grid in the actor's scope. `{bbox, "
                "limit, count, total, truncated, members: [{id, kind, lon, lat, age_min, "
                "stale, name}]}` in kind, id order; `truncated` when `total` (inside the bbox) "
                "exceeds `limit`. Never phones. 400 with `fields` for a bad bbox or limit."))},
        "/api/v1/service-days/shortfall": {"get": op(
            "Professional members short of the monthly service days", tag=tag, auth=True,
            params=(MONTH, q("department", STR, "部门代码 department code"), *HIERARCHY))},
    }


def _riders() -> dict:
    tag = "riders 流动网格员"
    return {
        "/api/v1/riders/me/contributions": {"get": op(
            "The own month of the rider the login acts for", tag=tag, auth=True,
            params=(MONTH,), errors="400 404", description=(
                "骑手本人 a rider's own login (role rider); 404 no_own_rider when the login is "
                "linked to no rider member."))},
        "/api/v1/riders/{member_id}/contributions": {"get": op(
            "A rider's month: reports, help, leaflets, points", tag=tag, auth=True,
            params=(MEMBER, MONTH), errors="400 404", description=(
                "The rider's own login, or staff viewers whose scope covers the rider's "
                "grids (403 otherwise)."))},
        "/api/v1/review-requests": {"get": op(
            "差评消消乐 requests, newest first", tag=tag, auth=True,
            params=(q("state", {"type": "string", "enum": list(REVIEW_STATES)},
                      "state"), q("member_id", {"type": "integer", "minimum": 1}, "rider")))},
    }


def _stations(facts: Facts) -> dict:
    tag = "stations 红色驿站"
    lon, lat = city_point(facts)
    services = {"type": "string", "enum": list(SERVICES)}
    return {"/api/v1/stations": {"get": op(
        "Nearest 红色驿站 to a point, or all active stations", tag=tag, errors="400 422",
        params=(q("lon", lon, "经度 (with lat: nearest stations)"),
                q("lat", lat, "纬度 (with lon: nearest stations)"), q("crs", CRS, "坐标系"),
                q("limit", {"type": "integer", "minimum": 1, "maximum": 50},
                  "how many nearest (default 5)"),
                q("service", services, "只要提供此服务的 only those with this service"),
                q("page", {"type": "integer", "minimum": 1, "maximum": 100000},
                  "page of the list (without lon/lat)"),
                q("per_page", {"type": "integer", "minimum": 1, "maximum": 1000},
                  "page size of the list (default 500)")),
        description=(
            "Public, no login. With lon/lat: `{point, distance, stations: [{id, kind, name, "
            "address, services, opening_hours, grid_code, lon, lat, distance_m, kind_label, "
            "service_labels}]}` nearest first, ranked by geodesic straight-line distance (m); "
            "422 `location` for a point outside the city. Without: the active stations as a "
            "GeoJSON FeatureCollection with total, page, per_page."))}}


def paths(facts: Facts) -> dict:
    """Return the OpenAPI paths object of every /api/v1 route, stating `facts`."""
    return {**_grids(), **_demands(facts), **_members(), **_riders(), **_stations(facts)}
