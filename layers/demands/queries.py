"""Listing demands with filters and paging, as GeoJSON, with personal data masked."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from pydantic import Field
from sqlalchemy import ColumnElement, func, or_, select
from sqlalchemy.orm import Session

from gis import paging
from gis.checks import is_whole
from gis.contracts import Param
from gis.errors import BadInput
from gis.params import Bbox, Limit, Moment, OneOf
from gis.srid import STORAGE
from grids.hierarchy import HierarchyQuery
from layers.access import audit, policy
from layers.access.actors import Actor
from layers.access.privacy import mask_phone
from layers.demands import events, transitions
from layers.demands.fields import SOURCES
from layers.demands.labels import STATE_LABELS
from layers.demands.photos import photos_for
from layers.demands.store import SUMMARY, SUMMARY_TABLE, by_code
from layers.demands.tables import CATEGORIES

PERSONAL = ("reporter_name", "reporter_phone")


@dataclass(frozen=True)
class DemandFilter:
    """Which demands to list."""

    state: str | None = None
    states: tuple[str, ...] | None = None
    within: str | None = None
    category: str | None = None
    source: str | None = None
    bbox: tuple[float, float, float, float] | None = None
    since: datetime | None = None
    until: datetime | None = None
    overdue: bool | None = None
    page: int = 1
    per_page: int = 100


def _category(raw: str | None) -> str | None:
    if raw is not None and not (is_whole(raw) and len(raw) <= 10):
        raise BadInput("参数 category 应为分类代码", "bad_category")
    return raw


class DemandFilterQuery(HierarchyQuery):
    """Which demands: the query parameters every demand list and map shares (dates read in
    Asia/Shanghai without an offset)."""

    category: Param({"type": "string", "description": "大类或小类代码 category code (a 大类 "
                     "takes its 小类)"}, _category) = None
    overdue: OneOf("overdue", ("true", "false"), "超期 overdue") = None
    state: OneOf("state", STATE_LABELS, "状态 state") = None
    source: OneOf("source", SOURCES, "来源 source") = None
    bbox: Bbox() = None
    since: Moment("from", "created at or after") = Field(None, alias="from")
    until: Moment("to", "created before") = Field(None, alias="to")

    def filter(self, **more: object) -> DemandFilter:
        """Return the filter these parameters ask for (`more`: other DemandFilter fields)."""
        return DemandFilter(**{
            "state": self.state, "within": self.within, "category": self.category,
            "source": self.source, "bbox": self.bbox, "since": self.since,
            "until": self.until,
            "overdue": None if self.overdue is None else self.overdue == "true", **more})


class DemandQuery(DemandFilterQuery):
    """The demand list's query parameters: the filter and the page."""

    page: Limit("page", 1, 100_000, "page") = 1
    per_page: Limit("per_page", 100, 500, "page size") = 100

    def filter(self, **more: object) -> DemandFilter:
        """Return the filter and page these parameters ask for."""
        return super().filter(page=self.page, per_page=self.per_page, **more)


def conditions(f: DemandFilter) -> list[ColumnElement[bool]]:
    """Return the conditions of `f` on the summary's demand table (`SUMMARY_TABLE`, alias d);
    a 大类 category takes its 小类."""
    d = SUMMARY_TABLE.c
    equal = {"state": d.state, "source": d.source, "overdue": d.overdue}
    out = [col == getattr(f, name) for name, col in equal.items() if getattr(f, name) is not None]
    if f.states is not None:
        out.append(d.state.in_(f.states))
    if f.category is not None:
        c = CATEGORIES.c
        out.append(d.category_code.in_(select(c.code).where(
            or_(c.code == f.category, c.parent_code == f.category))))
    if f.within:
        out.append(d.grid_code.like(f.within + "%"))
    if f.bbox:
        out.append(d.geom.op("&&")(func.ST_MakeEnvelope(*f.bbox, STORAGE)))
    if f.since:
        out.append(d.created_at >= f.since)
    if f.until:
        out.append(d.created_at < f.until)
    return out


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
    d = SUMMARY_TABLE.c
    stmt = SUMMARY.where(*conditions(f)).order_by(d.created_at.desc(), d.id.desc())
    rows, total = paging.page(session, stmt, f.page, f.per_page)
    features = []
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
