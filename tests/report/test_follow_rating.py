"""The resident's follow page closes the loop: before/after photos reachable with the token
alone, a rating once when closed, reopening within the window, clear answers otherwise."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from io import BytesIO

import pytest
from sqlalchemy import text

from layers.demands import follow, transitions
from tests.demands.loop import actor, jpeg, places, state_and_events, take


@pytest.fixture
def closed(client, session, staff):
    """A demand reported with a photo, resolved with an after-photo, verified and closed;
    returns its intake answer (with follow_token)."""
    community, grids, _ = places(session)
    worker, wh = staff("grid_worker", scope=community)
    coord = actor(staff("community_staff", scope=community)[0])
    r = client.post("/api/v1/demands", data={
        "title": "路灯不亮", "category": "1403", "grid_code": grids[0],
        "reporter_name": "张三", "reporter_phone": "13912345678",
        "photos": [(BytesIO(jpeg()), "before.jpg")]}, content_type="multipart/form-data")
    d = r.get_json()
    disp = actor(staff("dispatcher")[0])
    transitions.apply(session, d["code"], "dispatch", disp,
                      {"to": {"community": community}, "note": "派社区"})
    take(session, d["code"], [("sign", actor(worker))])
    session.commit()
    r = client.post(f"/api/v1/demands/{d['code']}/transitions", headers=wh, data={
        "action": "resolve", "note": "已更换灯泡", "photos": [(BytesIO(jpeg()), "after.jpg")]},
        content_type="multipart/form-data")
    assert r.status_code == 200, r.get_json()
    take(session, d["code"], [("verify", coord), ("close", coord)])
    session.commit()
    return d


def _page(client, d, token=None):
    return client.get(f"/report/follow/{d['code']}?token={token or d['follow_token']}")


def _rate(client, d, token=None, **body):
    return client.post(f"/api/v1/demands/{d['code']}/transitions",
                       json={"action": "rate", "follow_token": token or d["follow_token"],
                             **body})


def test_follow_page_shows_before_and_after_photos_reachable_without_login(client, closed):
    html = _page(client, closed).get_data(as_text=True)
    assert "上报时" in html and "办结后" in html
    thumbs = [part.split('"')[0] for part in html.split('src="/media/photos/')[1:]]
    assert len(thumbs) == 2 and all(t.endswith("_thumb.jpg") for t in thumbs)
    for t in thumbs:
        assert client.get(f"/media/photos/{t}").mimetype == "image/jpeg"
    for private in ("张三", "13912345678", closed["follow_token"], "t_grid_worker"):
        assert private not in html
    assert 'rel="noopener noreferrer"' in html and "js/demands/demand-follow.js" in html


def test_rating_form_until_rated_then_the_rating_once(client, session, closed):
    html = _page(client, closed).get_data(as_text=True)
    assert 'data-action="rate"' in html and "基本满意" in html
    before = state_and_events(session, closed["code"])
    bad = _rate(client, closed)
    fields = bad.get_json()["error"]["fields"]
    assert bad.status_code == 422 and "请选择问题是否已解决" in fields["solved"]
    assert "请选择满意程度" in fields["satisfaction"]
    assert state_and_events(session, closed["code"]) == before
    assert _rate(client, closed, solved=True, satisfaction="satisfied").status_code == 200
    again = _rate(client, closed, solved=False, satisfaction="dissatisfied")
    assert again.status_code == 409 and "已经评价过" in again.get_json()["error"]["message"]
    html = _page(client, closed).get_data(as_text=True)
    assert 'data-action="rate"' not in html and "您的评价" in html and "满意" in html


def test_a_wrong_token_is_refused_on_the_page_and_for_rating(client, session, closed):
    page = _page(client, closed, token="wrong")
    assert page.status_code == 403 and "查询凭证不正确或已失效" in page.get_data(as_text=True)
    r = _rate(client, closed, token="wrong", solved=True, satisfaction="satisfied")
    assert r.status_code == 403 and "查询凭证" in r.get_json()["error"]["message"]
    assert session.execute(text("SELECT rating_satisfaction FROM demands WHERE code = :c"),
                           {"c": closed["code"]}).scalar() is None


def test_reopen_within_the_window_with_a_reason(client, session, closed):
    assert 'data-action="reopen"' in _page(client, closed).get_data(as_text=True)
    url = f"/api/v1/demands/{closed['code']}/transitions"
    before = state_and_events(session, closed["code"])
    r = client.post(url, json={"action": "reopen", "follow_token": closed["follow_token"]})
    assert r.status_code == 422 and set(r.get_json()["error"]["fields"]) == {"note"}
    assert state_and_events(session, closed["code"]) == before
    r = client.post(url, json={"action": "reopen", "follow_token": closed["follow_token"],
                               "note": "又不亮了"})
    assert r.status_code == 200 and r.get_json()["state"] == "received"
    html = _page(client, closed).get_data(as_text=True)
    assert 'data-action="reopen"' not in html and "又不亮了" in html


def test_after_the_window_no_reopen_form_and_a_clear_answer(client, session, closed):
    session.execute(text("UPDATE demands SET closed_at = now() - interval '8 days' "
                         "WHERE code = :c"), {"c": closed["code"]})
    session.commit()
    html = _page(client, closed).get_data(as_text=True)
    assert 'data-action="reopen"' not in html and "不能再申请重新办理" in html
    r = client.post(f"/api/v1/demands/{closed['code']}/transitions", json={
        "action": "reopen", "follow_token": closed["follow_token"], "note": "又不亮了"})
    assert r.status_code == 409 and "不能重新打开" in r.get_json()["error"]["message"]
    later = follow.follow(session, closed["code"], closed["follow_token"], 7.0,
                          now=datetime.now(UTC) + timedelta(days=1))
    assert later["can_rate"] and not later["can_reopen"]
