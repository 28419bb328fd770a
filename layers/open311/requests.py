"""Open311 GeoReport v2 views of the service list: discovery, services and requests (no Flask).

Our seven demand states are published as the spec's open/closed with the detail in
`status_notes`; times are ISO 8601 in Asia/Shanghai (+08:00); points are WGS84 lat/long.
Reporters' names and phones are never selected here, so they cannot leak into the output.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ARRAY, ColumnElement, String, any_, cast, func, not_, select
from sqlalchemy.orm import Session

from gis.errors import BadInput, NotFound
from gis.params import moment
from grids.tables import COMMUNITIES
from layers.demands import taxonomy
from layers.demands.labels import state_label
from layers.demands.tables import CATEGORIES, DEMAND_EVENTS, DEMAND_IMPORTS, DEMANDS, DEPARTMENTS
from layers.workcal import TZ

SPEC = "http://wiki.open311.org/GeoReport_v2"
JURISDICTION = "qitaihe.gov.cn"
CHANGESET = "2026-11-28T00:00:00+08:00"
FORMATS = ["application/json", "text/xml"]
CLOSED_STATES = ("closed", "merged")
MAX_RESULTS = 1000
DEFAULT_WINDOW = timedelta(days=90)
STATE_LABELS_EN = {
    "received": "received", "dispatched": "dispatched to the responsible unit",
    "signed": "in progress", "resolved": "resolved, awaiting verification",
    "verified": "verified", "closed": "closed", "merged": "merged into another request",
}
UNITS = {"hours": ("小时", "hours"), "working_days": ("个工作日", "working days")}


def status_of(state: str) -> str:
    """Return the Open311 status ('open' or 'closed') of one of our demand states."""
    return "closed" if state in CLOSED_STATES else "open"


def status_mapping() -> list[dict]:
    """Return how every demand state maps to open/closed, with Chinese and English labels."""
    return [{"state": s, "status": status_of(s), "label": state_label(s), "label_en": en}
            for s, en in STATE_LABELS_EN.items()]


def check_jurisdiction(value: str | None) -> None:
    """Accept our jurisdiction_id or none; NotFound (404 per spec) for any other."""
    if value not in (None, "", JURISDICTION):
        raise NotFound(f"未知的 jurisdiction_id {value[:40]!r}（unknown jurisdiction）",
                       "jurisdiction_not_found")


def discovery(endpoint_url: str) -> dict:
    """Return the discovery document for the endpoint at `endpoint_url` (with the mapping)."""
    return {
        "changeset": CHANGESET,
        "contact": "七台河市网格化基层治理平台（Qitaihe grid governance platform）",
        "key_service": "API 密钥由平台管理员签发：flask open311 key NAME "
                       "(API keys are issued by the platform administrators)",
        "jurisdiction_id": JURISDICTION,
        "endpoints": [{"specification": SPEC, "url": endpoint_url, "changeset": CHANGESET,
                       "type": "production", "formats": FORMATS}],
        "status_mapping": status_mapping(),
    }


def time_limit(amount: int | None, unit: str | None) -> str:
    """Return a time limit as '3 个工作日（3 working days）'."""
    if not amount or unit not in UNITS:
        return ""
    zh, en = UNITS[unit]
    return f"{amount} {zh}（{amount} {en}）"


def _service(cat: dict, groups: dict[str, str], departments: dict[str, str]) -> dict:
    department = departments.get(cat["department_code"] or "", "社区")
    limit = time_limit(cat["limit_amount"], cat["limit_unit"])
    notes = [f"责任单位：{department}", f"办理时限：{limit}"]
    if cat["community_solvable"]:
        notes.append("社区可直接办理")
    if cat["urgent"]:
        notes.append("紧急（urgent）")
    group = groups.get(cat["parent_code"], "")
    return {"service_code": cat["code"], "service_name": cat["name"],
            "description": "；".join(notes), "metadata": False, "type": "realtime",
            "keywords": ", ".join(k for k in (cat["name"], group, department) if k),
            "group": group}


def services(session: Session) -> list[dict]:
    """Return the active small classes (小类) as Open311 services, by code."""
    cats = taxonomy.list_categories(session)
    groups = {c["code"]: c["name"] for c in cats if c["parent_code"] is None}
    departments = {d["code"]: d["name"] for d in taxonomy.list_departments(session)}
    return [_service(c, groups, departments) for c in cats
            if c["parent_code"] is not None and c["active"]]


def service_definition(session: Session, code: str) -> dict:
    """Return the definition of one service (no extra attributes); NotFound when unknown."""
    for service in services(session):
        if service["service_code"] == code:
            return {"service_code": code, "attributes": [], "service_name":
                    service["service_name"], "description": service["description"],
                    "group": service["group"]}
    raise NotFound(f"没有服务 {code[:20]!r}（unknown service_code）", "service_not_found")


@dataclass(frozen=True)
class RequestQuery:
    """Which service requests to list (ids override every other filter, as the spec says)."""

    ids: tuple[str, ...] = ()
    codes: tuple[str, ...] = ()
    start: datetime | None = None
    end: datetime | None = None
    statuses: tuple[str, ...] = ()


def _list(args: Mapping[str, str], name: str, longest: int) -> tuple[str, ...]:
    items = tuple(v.strip() for v in (args.get(name) or "").split(",") if v.strip())
    if len(items) > MAX_RESULTS or any(len(v) > longest for v in items):
        raise BadInput(f"参数 {name} 有误（bad {name}）", f"bad_{name}")
    return items


def _moment(args: Mapping[str, str], name: str) -> datetime | None:
    return moment((args.get(name) or "").strip() or None, name)


def parse_query(args: Mapping[str, str], now: datetime) -> RequestQuery:
    """Return the request query from GeoReport parameters (default: the last 90 days)."""
    statuses = _list(args, "status", 6)
    if set(statuses) - {"open", "closed"}:
        raise BadInput("参数 status 应为 open 或 closed（status: open|closed）", "bad_status")
    start, end = _moment(args, "start_date"), _moment(args, "end_date")
    if start and end and start > end:
        raise BadInput("start_date 不能晚于 end_date（start_date after end_date）", "bad_date")
    if start is None:
        start = (end or now) - DEFAULT_WINDOW
    return RequestQuery(ids=_list(args, "service_request_id", 20),
                        codes=_list(args, "service_code", 10), start=start, end=end,
                        statuses=statuses)


_D, _C, _O = DEMANDS.alias("d"), CATEGORIES.alias("c"), DEMANDS.alias("o")
_DEP, _COM, _GCOM = DEPARTMENTS.alias("dep"), COMMUNITIES.alias("com"), COMMUNITIES.alias("gcom")
_E, _I = DEMAND_EVENTS.alias("e"), DEMAND_IMPORTS.alias("i")
_LAST_CHANGE = func.coalesce(
    select(func.max(_E.c.at)).where(_E.c.demand_id == _D.c.id).scalar_subquery(),
    select(_I.c.imported_at).where(_I.c.id == _D.c.import_id).scalar_subquery())
REQUESTS = select(
    _D.c.id, _D.c.code, _D.c.title, _D.c.description, _D.c.category_code,
    _C.c.name.label("category_name"), _D.c.state, _D.c.overdue,
    func.ST_X(_D.c.geom).label("lon"), func.ST_Y(_D.c.geom).label("lat"), _D.c.address,
    _D.c.grid_code, _D.c.created_at, _D.c.deadline, _C.c.limit_amount, _C.c.limit_unit,
    _O.c.code.label("duplicate_of"),
    func.coalesce(_DEP.c.name, _COM.c.name, _GCOM.c.name, "").label("agency"),
    _LAST_CHANGE.label("updated_at"),
).select_from(
    _D.join(_C, _C.c.code == _D.c.category_code)
    .outerjoin(_DEP, _DEP.c.code == _D.c.assignee_department_code)
    .outerjoin(_COM, _COM.c.code == _D.c.assignee_community_code)
    .outerjoin(_GCOM, _GCOM.c.code == func.left(_D.c.grid_code, 12))
    .outerjoin(_O, _O.c.id == _D.c.duplicate_of))
"""Service requests as GeoReport needs them, from the demand table aliased d."""


def _where(q: RequestQuery) -> list[ColumnElement[bool]]:
    """Return the conditions of a request query on REQUESTS."""
    d = _D.c
    if q.ids:
        return [d.code == any_(cast(list(q.ids), ARRAY(String)))]
    out = [d.created_at >= q.start]
    if q.end:
        out.append(d.created_at <= q.end)
    if q.codes:
        out.append(d.category_code == any_(cast(list(q.codes), ARRAY(String))))
    closed = d.state == any_(cast(list(CLOSED_STATES), ARRAY(String)))
    if set(q.statuses) == {"closed"}:
        out.append(closed)
    elif set(q.statuses) == {"open"}:
        out.append(not_(closed))
    return out


def iso(moment: datetime | None) -> str | None:
    """Return a time as ISO 8601 in Asia/Shanghai with its offset (…+08:00), or None."""
    return moment.astimezone(TZ).isoformat(timespec="seconds") if moment else None


def describe(title: str, description: str) -> str:
    """Return the spec's single description from our title and description."""
    if not description or description == title:
        return title
    if description.startswith(title.rstrip("…")):
        return description
    return f"{title}：{description}"


def status_notes(state: str, duplicate_of: str | None, overdue: bool) -> str:
    """Return the detail behind open/closed: our state in Chinese and English, merge, overdue."""
    note = f"{state_label(state)}（{STATE_LABELS_EN.get(state, state)}）"
    if duplicate_of:
        note += f"：并入 {duplicate_of}（merged into {duplicate_of}）"
    if overdue and status_of(state) == "open":
        note += "；已超期（overdue）"
    return note


def service_notice(row: Mapping) -> str:
    """Return what will be done: the time limit, or the request it is handled with."""
    if row["duplicate_of"]:
        return f"与 {row['duplicate_of']} 合并办理（handled with {row['duplicate_of']}）"
    return f"办理时限：{time_limit(row['limit_amount'], row['limit_unit'])}"


def _media_urls(session: Session, ids: list[int]) -> dict[int, str]:
    """Return the first photo's (site-relative) URL per demand id, when it has photos."""
    try:
        from layers.demands import photos
    except ImportError:
        return {}
    found = photos.photos_for(session, ids) if ids else {}
    return {demand_id: items[0]["url"] for demand_id, items in found.items() if items}


def present(row: Mapping, media_url: str | None = None) -> dict:
    """Return one demand row as a GeoReport service request (lat/long WGS84)."""
    return {
        "service_request_id": row["code"], "status": status_of(row["state"]),
        "status_notes": status_notes(row["state"], row["duplicate_of"], row["overdue"]),
        "service_name": row["category_name"], "service_code": row["category_code"],
        "description": describe(row["title"], row["description"]),
        "agency_responsible": row["agency"], "service_notice": service_notice(row),
        "requested_datetime": iso(row["created_at"]),
        "updated_datetime": iso(row["updated_at"] or row["created_at"]),
        "expected_datetime": iso(row["deadline"]), "address": row["address"],
        "address_id": row["grid_code"], "zipcode": "", "lat": round(row["lat"], 6),
        "long": round(row["lon"], 6), "media_url": media_url,
    }


def service_requests(session: Session, q: RequestQuery) -> list[dict]:
    """Return at most 1000 matching service requests, newest first."""
    stmt = REQUESTS.where(*_where(q)).order_by(_D.c.created_at.desc(), _D.c.id.desc())
    rows = session.execute(stmt.limit(MAX_RESULTS)).mappings().all()
    media = _media_urls(session, [r["id"] for r in rows])
    return [present(r, media.get(r["id"])) for r in rows]


def service_request(session: Session, code: str) -> list[dict]:
    """Return one service request as an array of one; NotFound when unknown."""
    found = service_requests(session, RequestQuery(ids=(code,)))
    if not found:
        raise NotFound(f"没有诉求 {code[:30]!r}（unknown service_request_id）",
                       "request_not_found")
    return found
