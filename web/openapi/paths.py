"""The /api/v1 paths of the OpenAPI document: one entry per route and method.

Add an entry here with every new /api/v1 route (tests/test_openapi.py checks).
"""

from __future__ import annotations

from layers.demands.fields import PHONE_PATTERN
from layers.members.store import MAX_ACCURACY_M
from layers.stations.store import SERVICES
from web.openapi.schema import (
    CRS,
    LAT,
    LON,
    Facts,
    city_point,
    json_body,
    obj,
    op,
    path_param,
    q,
    user_text,
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
STATES = ["received", "dispatched", "signed", "resolved", "verified", "closed", "merged"]
SOURCES = ["online_group", "grid_visit", "rider_snapshot", "hotline", "resident_meeting",
           "supervision_line", "other"]
ACTIONS = ["dispatch", "sign", "return", "resolve", "verify", "rework", "close", "rate",
           "reopen", "claim"]
CODE = path_param("code", description="诉求编号 demand code, e.g. QTH-20261127-0001")
MEMBER = path_param("member_id", True, "成员 id member id")
POINT = obj({"lon": LON, "lat": LAT, "crs": CRS}, ("lon", "lat"))
PHOTOS = {"type": "array", "maxItems": 9, "items": {"type": "string", "format": "binary"},
          "description": "照片 JPEG/PNG/WebP photos"}



def _new_demand(facts: Facts) -> dict:
    """Return a new demand's body: a point inside the city or a grid code, an active small
    class, a title that is not blank."""
    lon, lat = city_point(facts)
    category = {"type": "string", "description": "小类代码 active small class code, e.g. 1001"}
    if facts.small_classes:
        category["enum"] = list(facts.small_classes)
    schema = obj({
        "title": user_text(200, not_blank=True, description="标题 (not blank)"),
        "description": user_text(5000),
        "category": category,
        "source": {"type": "string", "enum": SOURCES, "default": "other"},
        "lon": lon, "lat": lat, "crs": CRS,
        "grid_code": {"type": "string", "pattern": "^[0-9]{15}$",
                      "description": "instead of lon/lat: a current grid"},
        "address": user_text(300),
        "reporter_name": user_text(50),
        "reporter_phone": {"type": "string", "pattern": PHONE_PATTERN},
    }, ("title", "category"))
    schema["anyOf"] = [{"required": ["lon", "lat"]}, {"required": ["grid_code"]}]
    return schema


TRANSITION = obj({
    "action": {"type": "string", "enum": ACTIONS},
    "note": user_text(2000),
    "location": POINT,
    "to": {"type": "object", "description": '派单对象 dispatch target: {"member": id}, '
           '{"department": code}, {"user": id} or {"community": code}'},
    "follow_token": {"type": "string", "description": "居民查询凭证 for rate/reopen"},
    "solved": BOOL, "satisfaction": {"type": "string",
                                     "enum": ["satisfied", "basic", "dissatisfied"]},
}, ("action",))


def _with_photos(schema: dict) -> dict:
    return {**schema, "properties": {**schema["properties"], "photos": PHOTOS}}


def _demands(facts: Facts) -> dict:
    tag = "demands 诉求"
    new = _new_demand(facts)
    listing = (q("state", {"type": "string", "enum": STATES}, "状态 state"), *HIERARCHY,
               q("category", STR, "小类代码 category code"),
               q("source", {"type": "string", "enum": SOURCES}, "来源 source"), BBOX,
               q("from", {"type": "string", "format": "date-time"}, "created at or after"),
               q("to", {"type": "string", "format": "date-time"}, "created before"),
               q("overdue", {"type": "string", "enum": ["true", "false"]}, "超期 overdue"),
               q("page", {"type": "integer", "minimum": 1, "maximum": 100000}, "page"),
               q("per_page", {"type": "integer", "minimum": 1, "maximum": 500}, "page size"))
    key = {"name": "Idempotency-Key", "in": "header", "required": False,
           "schema": {"type": "string", "minLength": 1, "maxLength": 100,
                      "pattern": "^[!-~]([ -~]*[!-~])?$"},
           "description": "重试安全 a retry returns the first answer"}
    return {
        "/api/v1/demands": {
            "post": op("Take in a demand 制单 (anyone)", tag=tag, ok="201", errors="400 409 413",
                       params=(key,), body=json_body(new, _with_photos(new), True)),
            "get": op("Demands as GeoJSON, filtered and paged", tag=tag, params=listing,
                      ok_type=GEOJSON),
        },
        "/api/v1/demands/{code}": {"get": op(
            "One demand with its events and photos", tag=tag, params=(CODE,), errors="404")},
        "/api/v1/demands/{code}/transitions": {"post": op(
            "Take one action on a demand", tag=tag, params=(CODE,),
            errors="400 401 403 404 409 413",
            body=json_body(TRANSITION, _with_photos(TRANSITION), True),
            description="Staff act with a bearer token or session; residents rate/reopen with "
                        "their follow_token.")},
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


def _members(facts: Facts) -> dict:
    tag = "members 成员"
    lon, lat = city_point(facts)
    position = obj({"lon": lon, "lat": lat, "crs": CRS,
                    "accuracy": {"type": "number", "exclusiveMinimum": True, "minimum": 0,
                                 "maximum": MAX_ACCURACY_M, "description": "定位精度 (m)"},
                    "time": {"type": "string", "format": "date-time"}}, ("lon", "lat"))
    point = obj({"lon": lon, "lat": lat, "crs": CRS}, ("lon", "lat"))
    return {
        "/api/v1/members/{member_id}/positions": {"post": op(
            "Record a member's position", tag=tag, auth=True, ok="201", params=(MEMBER,),
            errors="404", body=json_body(position))},
        "/api/v1/members/{member_id}/duty": {"post": op(
            "Set a member on or off duty", tag=tag, auth=True, params=(MEMBER,), errors="404",
            body=json_body(obj({"on_duty": BOOL}, ("on_duty",))))},
        "/api/v1/members/{member_id}/check-in": {"post": op(
            "Check a professional member in for today", tag=tag, auth=True, ok="201",
            params=(MEMBER,), errors="404 409", body=json_body(point))},
        "/api/v1/members/{member_id}/check-out": {"post": op(
            "Check a professional member out for today", tag=tag, auth=True, params=(MEMBER,),
            errors="404 409", body=json_body(point))},
        "/api/v1/members/{member_id}/login": {"put": op(
            "Link a staff login to a member, or unlink it", tag=tag, auth=True,
            params=(MEMBER,), errors="404 409", description=(
                "管理员 admin only, member in scope. `login`: a staff user name, or null to "
                "remove the link. One login acts for at most one member (409 login_linked)."),
            body=json_body(obj({"login": {"type": "string", "maxLength": 40, "nullable": True,
                                          "description": "登录账号 staff user name"}},
                               ("login",))))},
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
    activity = obj({"kind": {"type": "string", "enum": ["help", "leaflets"]},
                    "count": {"type": "integer", "minimum": 1}, "note": user_text(500),
                    "at": {"type": "string", "format": "date-time"}}, ("kind",))
    review = obj({"platform": user_text(30), "order_ref": user_text(60, not_blank=True),
                  "reason": user_text(1000, not_blank=True),
                  "community_code": {"type": "string", "pattern": "^[0-9]{12}$"}},
                 ("order_ref", "reason"))
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
        "/api/v1/riders/{member_id}/activities": {"post": op(
            "Record 随手帮 help or 随口宣 leaflets", tag=tag, auth=True, ok="201",
            params=(MEMBER,), errors="404", body=json_body(activity))},
        "/api/v1/riders/{member_id}/review-requests": {"post": op(
            "File a 差评消消乐 request", tag=tag, auth=True, ok="201", params=(MEMBER,),
            errors="404 409", body=json_body(review))},
        "/api/v1/review-requests": {"get": op(
            "差评消消乐 requests, newest first", tag=tag, auth=True,
            params=(q("state", {"type": "string", "enum": ["pending", "approved", "declined"]},
                      "state"), q("member_id", {"type": "integer", "minimum": 1}, "rider")))},
        "/api/v1/review-requests/{request_id}/decision": {"post": op(
            "Approve or decline a pending request", tag=tag, auth=True, errors="404 409",
            params=(path_param("request_id", True),),
            body=json_body(obj({"approve": BOOL, "note": user_text(500)}, ("approve",))))},
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
    return {**_grids(), **_demands(facts), **_members(facts), **_riders(), **_stations(facts)}
