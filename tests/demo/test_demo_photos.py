"""Demo photos: the backlog's demands get generated before/after pictures stored like uploads
(file and thumbnail on disk, a row on the event), shown on the public board; `flask demo load`
adds the missing ones to a database loaded before them, and nothing the second time."""

from __future__ import annotations

from io import BytesIO

import pytest
from PIL import Image
from sqlalchemy import text

from layers.demands.photo_files import photo_path, staged
from layers.demands.photos import photo_url
from layers.demo import backlog as demo_backlog
from layers.demo import people as demo_people
from layers.demo import photos as demo_photos
from layers.demo import service_days as demo_service_days
from layers.demo import users as demo_users
from tests.demo.conftest import NOW

RESOLVED = ("resolved", "verified", "closed")


def _last_id(session) -> int:
    return session.execute(text("SELECT coalesce(max(id), 0) FROM demands")).scalar()


def _demands(session, since: int) -> list[dict]:
    return [dict(r) for r in session.execute(text(
        "SELECT id, code, state, grid_code FROM demands WHERE id > :s ORDER BY id"),
        {"s": since}).mappings()]


def _photos(session, since: int) -> dict[int, list[dict]]:
    """Return the photos of the demands after id `since`, with their event's action and time."""
    out: dict[int, list[dict]] = {}
    for r in session.execute(text(
            "SELECT p.demand_id, p.kind, p.token, p.created_at, e.action, e.at, "
            "e.id = (SELECT max(id) FROM demand_events x WHERE x.demand_id = p.demand_id "
            "AND x.action = e.action) AS latest FROM demand_photos p "
            "JOIN demand_events e ON e.id = p.event_id WHERE p.demand_id > :s ORDER BY p.id"),
            {"s": since}).mappings():
        out.setdefault(r["demand_id"], []).append(dict(r))
    return out


@pytest.fixture
def photographed(session, city, media):
    """A small demo backlog with its photos added; return (id before it, rows, counts)."""
    since = _last_id(session)
    demo_backlog.load(session, seed=11, n=24, now=NOW)
    admin = demo_backlog.admin_actor(session).user_id
    with staged(media) as store:
        added = demo_photos.add_missing(session, store, admin, seed=1)
        session.commit()
    return since, _demands(session, since), added


def test_resolved_demo_demands_get_after_photos_with_files_and_served_thumbnails_once(
        session, client, media, photographed):
    since, rows, (before, after) = photographed
    done = [d for d in rows if d["state"] in RESOLVED]
    assert before == len(rows) and after == len(done) > len(rows) / 2
    photos = _photos(session, since)
    for d in rows:
        kinds = {p["kind"]: p for p in photos[d["id"]]}
        assert sorted(kinds) == (["after", "before"] if d["state"] in RESOLVED else ["before"])
        assert kinds["before"]["action"] == "create"
        if "after" in kinds:  # on the latest resolve (after a rework too), dated with it
            assert kinds["after"]["action"] == "resolve" and kinds["after"]["latest"]
            assert kinds["after"]["created_at"] == kinds["after"]["at"]
        for p in kinds.values():
            assert photo_path(media, p["token"]).is_file()
            assert photo_path(media, p["token"], thumb=True).is_file()
    token = photos[done[0]["id"]][-1]["token"]
    r = client.get(photo_url(token, thumb=True))
    assert r.status_code == 200 and r.mimetype == "image/jpeg"
    thumb = Image.open(BytesIO(r.data))
    assert thumb.format == "JPEG" and max(thumb.size) <= 320 and len(r.data) < 20_000
    with staged(media) as store:  # again: nothing is missing, nothing is written
        admin = demo_backlog.admin_actor(session).user_id
        assert demo_photos.add_missing(session, store, admin, seed=1) == (0, 0)
        assert store.written == []


def test_board_shows_before_and_after_photos_of_a_closed_demo_demand(client, photographed):
    _, rows, _ = photographed
    closed = next(d for d in rows if d["state"] == "closed")
    html = client.get(f"/board/{closed['grid_code'][:12]}").get_data(as_text=True)
    for label in ("整改前", "整改后"):
        assert f'alt="{closed["code"]} {label}照片（第 1 张）"' in html
    assert html.count("_thumb.jpg") >= 2 * len([d for d in rows if d["grid_code"][:12] ==
                                                closed["grid_code"][:12]])


def test_scenes_differ_before_and_after_and_repeat_for_a_seed():
    before = demo_photos.scene("before", "暖气不热", [1, 2])
    assert before == demo_photos.scene("before", "暖气不热", [1, 2])
    assert before != demo_photos.scene("after", "暖气不热", [1, 2])
    img = Image.open(BytesIO(before))
    assert img.format == "JPEG" and img.size == demo_photos.SIZE and len(before) < 15_000


def test_demo_load_adds_missing_photos_to_a_backlog_loaded_before_them(
        app, session, city, monkeypatch):
    since = _last_id(session)
    demo_backlog.load(session, seed=5, n=8, now=NOW)  # as the city's admin
    session.commit()
    # Members, backlog and accounts count as present; service days are not the subject here
    # (hashing the demo accounts' passwords and a month of days took 6 s).
    monkeypatch.setattr(demo_people, "has_members", lambda _s: True)
    monkeypatch.setattr(demo_backlog, "has_demands", lambda _s: True)
    monkeypatch.setattr(demo_users, "create_demo_users", lambda _s: [])
    monkeypatch.setattr(demo_service_days, "load", lambda _s, seed: 0)
    runner = app.test_cli_runner()
    result = runner.invoke(args=["demo", "load", "--if-empty"])
    assert result.exit_code == 0, result.output
    assert "8 before and" in result.output and "photos added" in result.output
    assert all(_photos(session, since).get(d["id"]) for d in _demands(session, since))
    again = runner.invoke(args=["demo", "load", "--if-empty"])
    assert again.exit_code == 0 and "photos added" not in again.output
