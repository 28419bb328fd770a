"""The actions the pages add or use: progress notes (进展), reassigning (改派), resolve with
photos and the actor's location from a form, the staff demand page's forms by role and
state, and every form's bad input answered per field, changing nothing."""

from __future__ import annotations

import json
from io import BytesIO

import pytest
from sqlalchemy import text

from tests.demands.loop import actor, demand_to, jpeg, logged_in, places, state_and_events, take


@pytest.fixture
def world(session, staff):
    """A community's worker and coordinator, heating staff, a dispatcher, and its grids."""
    community, grids, other = places(session)
    users = {"worker": staff("grid_worker", scope=community),
             "coordinator": staff("community_staff", scope=community),
             "heating": staff("department_staff", department="heating"),
             "dispatcher": staff("dispatcher")}
    return {"community": community, "grids": grids, "other": other,
            "users": {k: u for k, (u, _) in users.items()},
            "headers": {k: h for k, (_, h) in users.items()},
            "as": {k: actor(u) for k, (u, _) in users.items()}}


def _signed(session, world) -> dict:
    d = demand_to(session, world["as"]["dispatcher"], world["grids"][0],
                  {"community": world["community"]})
    take(session, d["code"], [("sign", world["as"]["worker"])])
    return d


def _act(client, code, headers, **body):
    return client.post(f"/api/v1/demands/{code}/transitions", json=body, headers=headers)


def _multipart(client, code, headers, photos=(), **fields):
    data = {**fields, "photos": [(BytesIO(raw), f"p{i}.jpg") for i, raw in enumerate(photos)]}
    return client.post(f"/api/v1/demands/{code}/transitions", data=data, headers=headers,
                       content_type="multipart/form-data")


def test_progress_note_keeps_the_state_and_carries_progress_photos(client, session, world):
    d = _signed(session, world)
    h = world["headers"]["worker"]
    r = _multipart(client, d["code"], h, [jpeg()], action="progress", note="已联系居民，明早处理")
    assert r.status_code == 200, r.get_json()
    assert r.get_json()["state"] == "signed"
    assert [p["kind"] for p in r.get_json()["photos"]] == ["progress"]
    event = session.execute(text(
        "SELECT from_state, to_state, note FROM demand_events e JOIN demands d ON "
        "d.id = e.demand_id WHERE d.code = :c AND e.action = 'progress'"), {"c": d["code"]}).one()
    assert tuple(event) == ("signed", "signed", "已联系居民，明早处理")
    assert _act(client, d["code"], world["headers"]["heating"], action="progress",
                note="不是我的").status_code == 403


def test_reassign_sends_a_dispatched_or_signed_demand_elsewhere_with_a_reason(client, session,
                                                                          world):
    d = _signed(session, world)
    h = world["headers"]["coordinator"]
    r = _act(client, d["code"], h, action="reassign", note="需专业单位",
             to={"department": "heating"})
    body = r.get_json()
    assert r.status_code == 200 and body["state"] == "dispatched"
    assert body["assignee_department_code"] == "heating" and body["signed_at"] is None
    assert body["assignee_community_code"] is None
    assert _act(client, d["code"], world["headers"]["worker"], action="reassign", note="x",
                to={"department": "heating"}).status_code == 403  # not a coordinator
    take(session, d["code"], [("sign", world["as"]["heating"]),
                              ("resolve", world["as"]["heating"])])
    assert _act(client, d["code"], h, action="reassign", note="x",
                to={"department": "heating"}).status_code == 409


def test_resolve_from_a_form_stores_after_photos_and_the_location_sent_as_json(client, session,
                                                                               world):
    d = _signed(session, world)
    lon, lat = session.execute(text(
        "SELECT ST_X(p), ST_Y(p) FROM (SELECT ST_PointOnSurface(geom) p FROM grids WHERE "
        "code = :g AND valid_to IS NULL) g"), {"g": world["grids"][0]}).one()
    r = _multipart(client, d["code"], world["headers"]["worker"], [jpeg(), jpeg((0, 0, 0))],
                   action="resolve", note="已清理",
                   location=json.dumps({"lon": lon, "lat": lat, "crs": "wgs84"}))
    assert r.status_code == 200, r.get_json()
    assert [p["kind"] for p in r.get_json()["photos"]] == ["after", "after"]
    x, y = session.execute(text(
        "SELECT ST_X(e.geom), ST_Y(e.geom) FROM demand_events e JOIN demands d ON "
        "d.id = e.demand_id WHERE d.code = :c AND e.action = 'resolve'"), {"c": d["code"]}).one()
    assert abs(x - lon) < 1e-9 and abs(y - lat) < 1e-9


def _bad(client, session, code, headers, fields: set[str], multipart=False, **body):
    """Send a bad action; assert 422 naming exactly `fields` in Chinese and nothing changed."""
    before = state_and_events(session, code)
    r = (_multipart(client, code, headers, **body) if multipart
         else _act(client, code, headers, **body))
    assert r.status_code == 422, r.get_json()
    errors = r.get_json()["error"]["fields"]
    assert set(errors) == fields, errors
    assert all(any("\u4e00" <= ch <= "\u9fff" for ch in m) for m in errors.values()), errors
    assert state_and_events(session, code) == before


def test_every_forms_bad_input_is_named_per_field_and_changes_nothing(client, session, world,
                                                                      media):
    d = _signed(session, world)
    w, coord = world["headers"]["worker"], world["headers"]["coordinator"]
    _bad(client, session, d["code"], w, {"note"}, action="return")
    _bad(client, session, d["code"], w, {"note"}, action="progress", note="  ")
    _bad(client, session, d["code"], w, {"note"}, True, photos=[jpeg()], action="resolve")
    _bad(client, session, d["code"], w, {"photos[0]"}, True, photos=[b"not a picture"],
         action="resolve", note="好了")
    _bad(client, session, d["code"], w, {"location"}, True, photos=[jpeg()], action="resolve",
         note="好了", location="somewhere")
    _bad(client, session, d["code"], coord, {"to"}, action="reassign", note="改派")
    _bad(client, session, d["code"], coord, {"to"}, action="reassign", note="改派",
         to={"department": "nowhere"})
    _bad(client, session, d["code"], coord, {"note"}, action="reassign",
         to={"department": "heating"})
    assert list(media.rglob("*.jpg")) == []
    take(session, d["code"], [("resolve", world["as"]["worker"])])
    _bad(client, session, d["code"], coord, {"note"}, action="rework")


def test_demand_page_offers_each_role_the_actions_of_the_state(client, session, world):
    d = _signed(session, world)
    session.commit()
    page = f"/staff/demands/{d['code']}"
    for who, wanted in (("worker", {"progress", "resolve", "return"}),
                        # community staff also handle their community's orders
                        ("coordinator", {"progress", "resolve", "return", "reassign"}),
                        ("dispatcher", {"reassign"})):
        logged_in(client, world["users"][who])
        html = client.get(page).get_data(as_text=True)
        shown = {a for a in ("sign", "progress", "resolve", "return", "verify", "rework",
                             "close", "reassign", "rate", "reopen")
                 if f'data-action="{a}"' in html}
        assert shown == wanted, (who, shown)
    take(session, d["code"], [("resolve", world["as"]["worker"])])
    session.commit()
    logged_in(client, world["users"]["coordinator"])
    html = client.get(page).get_data(as_text=True)
    assert 'data-action="verify"' in html and 'data-action="rework"' in html
    take(session, d["code"], [("verify", world["as"]["coordinator"]),
                              ("close", world["as"]["coordinator"])])
    session.commit()
    logged_in(client, world["users"]["dispatcher"])
    html = client.get(page).get_data(as_text=True)
    assert 'data-action="rate"' in html and 'data-action="reopen"' in html
    assert "满意" in html and "基本满意" in html and "不满意" in html
    logged_in(client, world["users"]["worker"])
    assert 'data-action="rate"' not in client.get(page).get_data(as_text=True)


def test_dispatcher_records_the_callback_rating_once(client, session, world):
    d = _signed(session, world)
    w, c = world["as"]["worker"], world["as"]["coordinator"]
    take(session, d["code"], [("resolve", w), ("verify", c), ("close", c)])
    h = world["headers"]["dispatcher"]
    _bad(client, session, d["code"], h, {"solved", "satisfaction"}, action="rate")
    r = _act(client, d["code"], h, action="rate", solved=True, satisfaction="basic",
             note="电话回访")
    assert r.status_code == 200 and r.get_json()["rating_satisfaction"] == "basic"
    again = _act(client, d["code"], h, action="rate", solved=False, satisfaction="satisfied")
    assert again.status_code == 409 and "已经评价过" in again.get_json()["error"]["message"]


def test_demand_page_groups_before_and_after_photos(client, session, world):
    d = _signed(session, world)
    session.commit()
    r = _multipart(client, d["code"], world["headers"]["worker"], [jpeg()], action="resolve",
                   note="已清理")
    assert r.status_code == 200
    logged_in(client, world["users"]["coordinator"])
    html = client.get(f"/staff/demands/{d['code']}").get_data(as_text=True)
    assert 'class="h6 mt-2 photo-group-title" data-kind="after">办结后' in html
    assert 'data-kind="before"' not in html  # none was sent with the report
