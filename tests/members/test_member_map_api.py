"""The member map's markers by viewport: GET /api/v1/members/on-duty (bbox, scope, cap, no
phones, refusals) and the /members page embedding them only up to its threshold."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text

from layers.access import users
from layers.members import map_data as member_map
from tests.people import add_member, community_with
from web.members import maps as member_maps

URL = "/api/v1/members/on-duty"
PHONE = "13812345678"  # tests.people.add_member's
HERE, THERE = (131.0031, 45.7711), (130.9012, 45.8034)
AROUND_HERE = "131.0021,45.7701,131.0041,45.7721"
FRESH, STALE = "鲜活骑手", "过时骑手"
EMBEDDED = json.dumps(FRESH, ensure_ascii=False)  # as the members' layer data has it


def _on_duty(session, mid: int, at: tuple[float, float], minutes: float = 5) -> int:
    """Put member `mid` on duty at `at` (WGS84), its position `minutes` old; return its id."""
    session.execute(text(
        "UPDATE members SET on_duty = true, position = ST_SetSRID(ST_MakePoint(:x, :y), 4326), "
        "position_at = :at WHERE id = :m"),
        {"x": at[0], "y": at[1], "at": datetime.now(UTC) - timedelta(minutes=minutes),
         "m": mid})
    session.commit()
    return mid


def _placed(session, name: str, grids: list[str], at: tuple[float, float],
            kind: str = "rider", minutes: float = 5) -> int:
    return _on_duty(session, add_member(session, name, grids, kind=kind), at, minutes)


def _two_communities(session) -> tuple[tuple[str, list[str]], tuple[str, list[str]]]:
    first = community_with(session, 1)
    other = session.execute(text(
        "SELECT community_code FROM grids WHERE valid_to IS NULL AND community_code > :c "
        "ORDER BY community_code LIMIT 1"), {"c": first[0]}).scalar_one()
    grids = session.execute(text("SELECT code FROM grids WHERE valid_to IS NULL AND "
                                 "community_code = :c ORDER BY code"), {"c": other}).scalars()
    return first, (other, list(grids))


def test_members_inside_the_bbox_come_back_with_names_and_never_phones(client, session, staff):
    _, grids = community_with(session, 1)
    here = _placed(session, "在框内", grids[:1], HERE)
    there = _placed(session, "在框外", grids[:1], THERE)
    _, headers = staff("admin")
    r = client.get(URL, query_string={"bbox": AROUND_HERE}, headers=headers)
    assert r.status_code == 200
    body = r.get_json()
    found = {m["id"]: m for m in body["members"]}
    assert here in found and there not in found
    assert set(found[here]) == {"id", "kind", "lon", "lat", "age_min", "stale", "name"}
    assert found[here]["lon"] == pytest.approx(HERE[0]) and found[here]["name"] == "在框内"
    assert found[here]["stale"] is False and found[here]["age_min"] == 5
    assert body["truncated"] is False and body["total"] == body["count"] == len(found)
    assert body["limit"] == 5000 and PHONE not in r.get_data(as_text=True)
    wide = client.get(URL, query_string={"bbox": "130.8,45.7,131.1,45.9"}, headers=headers)
    assert {here, there} <= {m["id"] for m in wide.get_json()["members"]}


def test_a_scoped_viewer_gets_only_members_of_grids_in_their_scope(client, session, staff):
    (mine, my_grids), (other, other_grids) = _two_communities(session)
    inside = _placed(session, "本社区", my_grids[:1], HERE)
    outside = _placed(session, "外社区", other_grids[:1], HERE)
    both = _placed(session, "两社区", my_grids[:1] + other_grids[:1], HERE)
    _, headers = staff("community_staff", scope=mine)
    body = client.get(URL, query_string={"bbox": AROUND_HERE}, headers=headers).get_json()
    assert {m["id"] for m in body["members"]} == {inside, both}
    _, city = staff("admin")
    body = client.get(URL, query_string={"bbox": AROUND_HERE}, headers=city).get_json()
    assert {inside, outside, both} <= {m["id"] for m in body["members"]}


def test_more_members_than_the_limit_are_cut_and_say_so(client, session, staff):
    community, grids = community_with(session, 1)
    ids = [_placed(session, f"骑手{i}", grids[:1], HERE) for i in range(3)]
    _, headers = staff("community_staff", scope=community)
    cut = client.get(URL, query_string={"bbox": AROUND_HERE, "limit": "2"}, headers=headers)
    body = cut.get_json()
    assert body["truncated"] is True and body["total"] == 3 and body["count"] == 2
    assert [m["id"] for m in body["members"]] == ids[:2]
    whole = client.get(URL, query_string={"bbox": AROUND_HERE, "limit": "3"}, headers=headers)
    assert whole.get_json()["truncated"] is False and whole.get_json()["count"] == 3


BAD_BBOXES = ["", " ", "1,2,3", "1,2,3,4,5", "a,b,c,d", "131,45,132", "NaN,45,132,46",
              "131,45,inf,46", "-inf,45,132,46", "1e999,45,132,46", "132,45,131,46",
              "131,46,132,45", "181,45,182,46", "131,-91,132,46", "131,45,132,91",
              "-181,45,131,46", "1" * 30 + ",45,132,46", "131.0000000000000000000001,45,132,46",
              "131,45,132,46" + "0" * 3000, "\x00,45,132,46", "☃,45,132,46", "131,,132,46"]
BAD_LIMITS = ["", "0", "-1", "20001", "1.5", "abc", "²", "٣", "9" * 5000, " 5", "NaN"]


@pytest.mark.parametrize("bbox", BAD_BBOXES)
def test_a_bad_bbox_is_refused_with_a_field_error(client, staff, bbox):
    _, headers = staff("admin")
    r = client.get(URL, query_string={"bbox": bbox}, headers=headers)
    assert r.status_code == 400, (bbox, r.get_data(as_text=True)[:200])
    error = r.get_json()["error"]
    assert "bbox" in error["fields"] and "参数 bbox" in error["fields"]["bbox"]


def test_a_missing_bbox_is_refused(client, staff):
    _, headers = staff("admin")
    r = client.get(URL, headers=headers)
    assert r.status_code == 400 and r.get_json()["error"]["fields"] == {
        "bbox": "缺少参数 bbox（minlon,minlat,maxlon,maxlat）"}


@pytest.mark.parametrize("limit", BAD_LIMITS)
def test_a_bad_limit_is_refused_with_a_field_error(client, staff, limit):
    _, headers = staff("admin")
    r = client.get(URL, query_string={"bbox": AROUND_HERE, "limit": limit}, headers=headers)
    assert r.status_code == 400, (limit, r.get_data(as_text=True)[:200])
    assert r.get_json()["error"]["fields"] == {"limit": "参数 limit 应为 1–20000 的整数"}


def test_on_duty_markers_are_for_staff_only(client, staff):
    r = client.get(URL, query_string={"bbox": AROUND_HERE})
    assert r.status_code == 401 and r.get_json()["error"]["code"]
    _, rider = staff("rider")
    r = client.get(URL, query_string={"bbox": AROUND_HERE}, headers=rider)
    assert r.status_code == 403 and r.get_json()["error"]["code"]


def test_counts_in_sql_match_the_rows(session):
    _, grids = community_with(session, 1)
    _placed(session, "新", grids[:1], HERE)
    _placed(session, "旧工", grids[:1], HERE, kind="grid_worker", minutes=45)
    now = datetime.now(UTC)
    assert member_map.on_duty_counts(session, now) == member_map.kind_counts(
        member_map.on_duty(session, now))


def _log_in(client, session, name: str, role: str, scope: str) -> None:
    users.create_user(session, name, role, "secret-pass-123", scope_code=scope)
    session.commit()
    html = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)
    r = client.post("/login", data={"name": name, "password": "secret-pass-123",
                                    "csrf_token": token})
    assert r.status_code == 302


def _legend(html: str) -> str:
    start = html.index('id="kind-rider"')
    return html[start:html.index("</li>", start)]


def test_the_page_embeds_members_up_to_the_threshold_and_fetches_above(
        client, session, monkeypatch):
    community, grids = community_with(session, 1)
    _placed(session, FRESH, grids[:1], HERE)
    _placed(session, STALE, grids[:1], THERE, minutes=45)
    _log_in(client, session, "t_members_embed", "community_staff", community)
    html = client.get("/members").get_data(as_text=True)
    data = client.get("/api/v1/members/map")
    assert data.headers["Cache-Control"] == "private, no-cache" and data.headers["ETag"]
    assert EMBEDDED in data.get_data(as_text=True) and '"fetchUrl": ""' in html
    assert FRESH not in html and 'id="member-fetch-note"' not in html  # nothing inlined
    assert "2 人在岗，1 人位置过时" in _legend(html)
    monkeypatch.setattr(member_maps, "EMBED_MAX", 1)
    html = client.get("/members").get_data(as_text=True)
    body = client.get("/api/v1/members/map").get_data(as_text=True)
    assert EMBEDDED not in body and STALE not in body and PHONE not in body + html
    assert json.loads(body)["members"] is None
    assert '"fetchUrl": "/api/v1/members/on-duty"' in html
    assert '"fetchLimit": 5000' in html and '"datum": "wgs84"' in html
    assert 'id="member-fetch-note"' in html and "/static/js/members/membermap.js" in html
    assert "2 人在岗，1 人位置过时" in _legend(html)
    monkeypatch.setitem(client.application.config, "MEMBER_MAP_EMBED_MAX", 2)
    assert EMBEDDED in client.get("/api/v1/members/map").get_data(as_text=True)
