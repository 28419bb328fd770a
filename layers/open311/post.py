"""Open311 clients (API keys, stored as SHA-256) and the service requests they post (no Flask).

A posted request becomes a demand through the ordinary intake (check_new_demand →
intake.file_demand, which auto-dispatches where the category says so). First/last name and
phone are kept only as the reporter's personal data and never returned; email, device_id,
account_id, attributes and media_url are not stored.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import datetime

from sqlalchemy import text
from sqlalchemy.orm import Session

from gis.errors import BadInput, Forbidden, Invalid
from grids.hierarchy import level_of
from layers.access.actors import Actor
from layers.demands import intake, taxonomy
from layers.demands.fields import check_new_demand
from layers.demands.rules import DEFAULT_RULES, Rules
from layers.open311 import requests as open311

SOURCE = "other"
TITLE_LENGTH = 40
# our intake's field names → the GeoReport field the client sent
FIELD_NAMES = {
    "category": "service_code", "location": "lat/long", "grid_code": "address_id",
    "address": "address_string", "title": "description", "reporter_phone": "phone",
    "reporter_name": "first_name/last_name",
}


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def issue_key(session: Session, name: str) -> str:
    """Register a client called `name`; return its new api_key (only its hash is stored)."""
    name = (name or "").strip()
    if not name or len(name) > 100:
        raise BadInput("客户端名称应为 1–100 个字符（client name: 1–100 characters）", "bad_name")
    key = secrets.token_urlsafe(24)
    session.execute(text("INSERT INTO open311_clients (name, key_hash) VALUES (:n, :h)"),
                    {"n": name, "h": _hash(key)})
    return key


def revoke_keys(session: Session, name: str) -> int:
    """Deactivate every api_key of the client `name`; return how many were active."""
    return session.execute(
        text("UPDATE open311_clients SET active = false WHERE name = :n AND active"),
        {"n": name}).rowcount


def client_for_key(session: Session, api_key: str | None) -> str:
    """Return the name of the active client holding `api_key`; Forbidden (403) otherwise."""
    if not api_key:
        raise Forbidden("需要 api_key（api_key required）", "api_key_missing")
    name = session.execute(
        text("SELECT name FROM open311_clients WHERE key_hash = :h AND active"),
        {"h": _hash(api_key)}).scalar()
    if name is None:
        raise Forbidden("api_key 无效（invalid api_key）", "api_key_invalid")
    return name


def reporter_name(first: str | None, last: str | None) -> str | None:
    """Return the reporter's name from first/last (姓名 order for Chinese), at most 50 chars."""
    first, last = (first or "").strip(), (last or "").strip()
    if not (first or last):
        return None
    name = f"{first} {last}".strip() if (first + last).isascii() else f"{last}{first}"
    return name[:50]


def title_from(description: str, service_name: str) -> str:
    """Return a short title: the description's first line (cut with …) or the service name."""
    lines = description.strip().splitlines()
    first = lines[0].strip() if lines else ""
    if not first:
        return service_name
    return first if len(first) <= TITLE_LENGTH else first[: TITLE_LENGTH - 1] + "…"


def location(form: Mapping[str, str]) -> dict:
    """Return our location fields from lat/long (+ optional crs) or address_id (a grid code)."""
    lat, lon = (form.get("lat") or "").strip(), (form.get("long") or "").strip()
    if lat or lon:
        if not (lat and lon):
            raise BadInput("lat 与 long 须同时提供（send both lat and long）", "bad_location")
        return {"lon": lon, "lat": lat, "crs": form.get("crs") or "wgs84"}
    address_id = (form.get("address_id") or "").strip()
    if address_id:
        if level_of(address_id) != "grid":
            raise BadInput("address_id 应为 15 位网格代码（address_id must be a grid code）",
                           "bad_address_id")
        return {"grid_code": address_id}
    if (form.get("address_string") or "").strip():
        raise BadInput("仅凭 address_string 无法定位，请同时提供 lat/long 或 address_id "
                       "(address_string alone cannot be located)", "location_required")
    raise BadInput("需要位置：lat/long 或 address_id（location required）", "location_required")


def demand_body(form: Mapping[str, str], category: dict) -> dict:
    """Return the body our intake checks, from a GeoReport form for `category`."""
    description = (form.get("description") or "").strip()
    return {
        "title": title_from(description, category["name"]), "description": description,
        "category": category["code"], "source": SOURCE,
        "address": (form.get("address_string") or "").strip(),
        "reporter_name": reporter_name(form.get("first_name"), form.get("last_name")),
        "reporter_phone": (form.get("phone") or "").strip() or None, **location(form),
    }


@contextmanager
def _spec_field_names() -> Iterator[None]:
    """Re-raise Invalid with the GeoReport names of the fields the client sent."""
    try:
        yield
    except Invalid as err:
        raise Invalid({FIELD_NAMES.get(k, k): v for k, v in err.fields.items()},
                      str(err)) from None


def create_request(session: Session, form: Mapping[str, str], rules: Rules = DEFAULT_RULES,
                   now: datetime | None = None) -> list[dict]:
    """Create a demand from a GeoReport POST; return [{service_request_id, service_notice,
    account_id}]. Forbidden without a valid api_key, BadInput/Invalid for bad fields."""
    client = client_for_key(session, form.get("api_key"))
    code = (form.get("service_code") or "").strip()
    if not code:
        raise BadInput("service_code 必填（service_code required）", "service_code_required")
    category = taxonomy.small_class(session, code)
    with _spec_field_names():
        data = check_new_demand(demand_body(form, category))
        created = intake.file_demand(session, data, Actor(name=f"Open311 {client}"),
                                     rules, now)
    notice = open311.service_notice({"duplicate_of": created.get("joined"), **category})
    return [{"service_request_id": created["code"], "service_notice": notice,
             "account_id": None}]
