"""Listing demands with filters and paging, as GeoJSON, with personal data masked."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import text
from sqlalchemy.orm import Session

from gis.srid import STORAGE
from layers.access import audit, policy
from layers.access.actors import Actor
from layers.access.privacy import mask_phone
from layers.demands import events, transitions
from layers.demands.photos import photos_for
from layers.demands.store import SUMMARY_SQL, by_code

PERSONAL = ("reporter_name", "reporter_phone")


@dataclass(frozen=True)
class DemandFilter:
    """Which demands to list."""

    state: str | None = None
    within: str | None = None
    category: str | None = None
    source: str | None = None
    bbox: tuple[float, float, float, float] | None = None
    since: datetime | None = None
    until: datetime | None = None
    overdue: bool | None = None
    page: int = 1
    per_page: int = 100


def _where(f: DemandFilter) -> tuple[str, dict]:
    parts, params = ["TRUE"], {}
    simple = {"state": "d.state", "category": "d.category_code", "source": "d.source",
              "overdue": "d.overdue"}
    for name, column in simple.items():
        if getattr(f, name) is not None:
            parts.append(f"{column} = :{name}")
            params[name] = getattr(f, name)
    if f.within:
        parts.append("d.grid_code LIKE :within")
        params["within"] = f.within + "%"
    if f.bbox:
        parts.append(f"d.geom && ST_MakeEnvelope(:x0, :y0, :x1, :y1, {STORAGE})")
        params.update(dict(zip(("x0", "y0", "x1", "y1"), f.bbox, strict=True)))
    if f.since:
        parts.append("d.created_at >= :since")
        params["since"] = f.since
    if f.until:
        parts.append("d.created_at < :until")
        params["until"] = f.until
    return " AND ".join(parts), params


def present(row: dict, actor: Actor) -> dict:
    """Return a demand for `actor`: no personal data for the public, masked phone for staff
    without the personal-data permission."""
    out = {k: v for k, v in row.items() if k not in ("id", "follow_token_hash")}
    if not actor.is_staff:
        for key in PERSONAL + ("assignee_user_id", "assignee_member_id"):
            out.pop(key, None)
    elif not policy.may(actor, "personal_data.read"):
        out["reporter_phone"] = mask_phone(out.get("reporter_phone"))
    return out


def detail(session: Session, code: str, actor: Actor) -> dict:
    """Return one demand as `actor` may see it, with its history (no actors or positions for
    the public), the actions its state allows and its photos; unmasked reads are audited.
    NotFound when unknown."""
    row = by_code(session, code)
    audit_personal_reads(session, actor, [row])
    out = present(row, actor)
    history = events.history(session, row["id"])
    if not actor.is_staff:
        history = [{k: v for k, v in e.items() if k not in ("actor", "lon", "lat")}
                   for e in history]
    out["events"] = history
    out["allowed_actions"] = transitions.allowed_actions(row["state"])
    out["photos"] = photos_for(session, [row["id"]])[row["id"]]
    return out


def list_demands(session: Session, f: DemandFilter, actor: Actor) -> dict:
    """Return a page of demands as a GeoJSON FeatureCollection (newest first) with a total."""
    where, params = _where(f)
    total = session.execute(text(f"SELECT count(*) FROM demands d WHERE {where}"),
                            params).scalar_one()
    rows = session.execute(
        text(f"{SUMMARY_SQL} WHERE {where} ORDER BY d.created_at DESC, d.id DESC "
             "LIMIT :limit OFFSET :offset"),
        {**params, "limit": f.per_page, "offset": (f.page - 1) * f.per_page},
    ).mappings()
    features = []
    rows = [dict(r) for r in rows]
    audit_personal_reads(session, actor, rows)
    for r in rows:
        props = present(r, actor)
        lon, lat = props.pop("lon"), props.pop("lat")
        features.append({"type": "Feature", "id": props["code"], "properties": props,
                         "geometry": {"type": "Point", "coordinates": [lon, lat]}})
    return {"type": "FeatureCollection", "features": features, "total": total,
            "page": f.page, "per_page": f.per_page}


def audit_personal_reads(session: Session, actor: Actor, rows: list[dict]) -> None:
    """Log that `actor` read reporters' unmasked personal data in `rows`."""
    if not policy.may(actor, "personal_data.read"):
        return
    audit.record(session, actor, "read_personal_data",
                 [r["code"] for r in rows if r.get("reporter_phone") or r.get("reporter_name")])
