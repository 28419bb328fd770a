"""Demand photos (照片): checked with the demand, stored with the intake ('before'), the
resolve step ('after') or any other step ('progress'), and listed with their public URLs."""

from __future__ import annotations

import secrets

from sqlalchemy import text
from sqlalchemy.orm import Session

from gis.contracts import Raw
from gis.errors import Invalid
from layers.access.actors import Actor
from layers.demands import intake, transitions
from layers.demands.fields import DemandInput, check_new_demand
from layers.demands.photo_files import Photo, PhotoRefused, PhotoStore, decode
from layers.demands.rules import DEFAULT_RULES, Rules

MAX_PHOTOS = 9
KINDS = ("before", "after", "progress")
URL_PREFIX = "/media/photos/"
PHOTOS_SCHEMA = {"type": "array", "maxItems": MAX_PHOTOS,
                 "items": {"type": "string", "format": "binary"},
                 "description": "照片 JPEG/PNG/WebP photos"}


class DemandWithPhotos(DemandInput):
    """A new demand as multipart/form-data, with up to MAX_PHOTOS 'before' photos."""

    photos: Raw(PHOTOS_SCHEMA) = None


class TransitionWithPhotos(transitions.TransitionInput):
    """An action as multipart/form-data, with photos ('after' on resolve, else 'progress')."""

    photos: Raw(PHOTOS_SCHEMA) = None


def photo_url(token: str, thumb: bool = False) -> str:
    """Return the public path of a photo or its thumbnail (served by web/media.py)."""
    return f"{URL_PREFIX}{token}{'_thumb' if thumb else ''}.jpg"


def check_count(count: int) -> None:
    """Raise Invalid (field `photos`) when more than MAX_PHOTOS photos are sent."""
    if count > MAX_PHOTOS:
        raise Invalid({"photos": f"最多 {MAX_PHOTOS} 张照片，收到 {count} 张"
                                 f"（at most {MAX_PHOTOS} photos）"})


def check_photos(raws: list[bytes]) -> list[Photo]:
    """Return the decoded photos; Invalid names each refused one as photos[i] (0-based)."""
    check_count(len(raws))
    out: list[Photo] = []
    errors: dict[str, str] = {}
    for i, raw in enumerate(raws):
        try:
            out.append(decode(raw))
        except PhotoRefused as err:
            errors[f"photos[{i}]"] = f"第 {i + 1} 张照片：{err}"
    if errors:
        raise Invalid(errors)
    return out


def _lacks_location(body: dict) -> bool:
    return all(body.get(k) in (None, "") for k in ("lon", "lat", "grid_code"))


def check_intake(body: object, raws: list[bytes]) -> tuple[DemandInput, list[Photo]]:
    """Return the checked demand and its photos, every bad field and photo in one Invalid.

    When the body gives neither lon/lat nor grid_code, the first photo with EXIF GPS gives the
    location (WGS84, as phones record it).
    """
    errors: dict[str, str] = {}
    photos: list[Photo] = []
    try:
        photos = check_photos(raws)
    except Invalid as err:
        errors.update(err.fields)
    if isinstance(body, dict) and _lacks_location(body):
        gps = next((p.gps for p in photos if p.gps), None)
        if gps is not None:
            body = {**body, "lon": gps[0], "lat": gps[1], "crs": "wgs84"}
    try:
        data = check_new_demand(body)
    except Invalid as err:
        errors = {**err.fields, **errors}
    if errors:
        raise Invalid(errors)
    return data, photos


def save(session: Session, store: PhotoStore, demand_id: int, photos: list[Photo], kind: str,
         event_id: int | None = None) -> list[dict]:
    """Write the photos' files and rows for a demand; return them as photos_for() does."""
    if kind not in KINDS:
        raise ValueError(f"unknown photo kind {kind!r}")
    if not photos:
        return []
    ids = []
    for p in photos:
        token = secrets.token_urlsafe(32)
        store.write(token, p.image)
        store.write(token, p.thumb, thumb=True)
        ids.append(session.execute(
            text("INSERT INTO demand_photos (demand_id, event_id, kind, token, width, height, "
                 "bytes, sha256) VALUES (:d, :e, :k, :t, :w, :h, :b, :s) RETURNING id"),
            {"d": demand_id, "e": event_id, "k": kind, "t": token, "w": p.width,
             "h": p.height, "b": len(p.image), "s": p.sha256}).scalar_one())
    return [p for p in photos_for(session, [demand_id])[demand_id] if p["id"] in ids]


def _event_id(session: Session, demand_id: int, action: str | None = None) -> int:
    """Return the id of the demand's latest event (of `action`, when given)."""
    return session.execute(
        text("SELECT id FROM demand_events WHERE demand_id = :d "
             "AND (CAST(:a AS text) IS NULL OR action = :a) ORDER BY id DESC LIMIT 1"),
        {"d": demand_id, "a": action}).scalar_one()


def create_demand_with_photos(session: Session, store: PhotoStore, body: object,
                              raws: list[bytes], actor: Actor,
                              rules: Rules = DEFAULT_RULES) -> dict:
    """Check and file a new demand (intake.file_demand) with its 'before' photos; return its
    summary with `photos` added."""
    data, photos = check_intake(body, raws)
    created = intake.file_demand(session, data, actor, rules)
    event = _event_id(session, created["id"], "create") if photos else None
    created["photos"] = save(session, store, created["id"], photos, "before", event)
    return created


def kind_for(action: str | None) -> str:
    """Return the kind of photo a transition carries: 'after' for resolve, else 'progress'."""
    return "after" if action == "resolve" else "progress"


def apply_with_photos(session: Session, store: PhotoStore, code: str, action: str | None,
                      actor: Actor, body: object, raws: list[bytes],
                      reopen_days: float = 7.0) -> dict:
    """Take a transition (transitions.apply) and attach its photos to the new event.

    Returns the demand after it; `photos` lists the photos attached now (when any).
    """
    photos = check_photos(raws)
    after = transitions.apply(session, code, action, actor, body, reopen_days)
    if photos:
        event = _event_id(session, after["id"])
        after["photos"] = save(session, store, after["id"], photos, kind_for(action), event)
    return after


def photos_for(session: Session, demand_ids: list[int]) -> dict[int, list[dict]]:
    """Return each demand's photos, oldest first, with public URLs; every id asked is a key.

    Each photo: {"id", "kind", "url", "thumb_url", "width", "height", "created_at"}.
    """
    out: dict[int, list[dict]] = {int(i): [] for i in demand_ids}
    if not out:
        return out
    rows = session.execute(
        text("SELECT id, demand_id, kind, token, width, height, created_at FROM demand_photos "
             "WHERE demand_id = ANY(:ids) ORDER BY demand_id, id"), {"ids": list(out)})
    for r in rows.mappings():
        out[r["demand_id"]].append({
            "id": r["id"], "kind": r["kind"], "url": photo_url(r["token"]),
            "thumb_url": photo_url(r["token"], thumb=True), "width": r["width"],
            "height": r["height"], "created_at": r["created_at"]})
    return out


def by_kind(photos: list[dict]) -> dict[str, list[dict]]:
    """Return photos (as photos_for lists them) grouped by kind: before, after, progress."""
    out: dict[str, list[dict]] = {kind: [] for kind in KINDS}
    for p in photos:
        out[p["kind"]].append(p)
    return out


def token_exists(session: Session, token: str) -> bool:
    """Return True when a stored photo has this token."""
    return session.execute(text("SELECT 1 FROM demand_photos WHERE token = :t"),
                           {"t": token}).first() is not None
