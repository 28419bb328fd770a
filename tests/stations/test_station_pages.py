"""驿站管理 pages: the list, adding, editing, deactivating, refusals, escaping."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import text

from gis.coords import wgs84_to_gcj02
from tests.pages import csrf
from tests.stations.stationpages import (
    SCRIPT,
    audit,
    form,
    log_in,
    public_ids,
    put_station,
    stored,
)


def test_list_shows_the_stations_in_the_viewers_scope_with_filters(client, session, area):
    grid, other = area["grids"][0], area["other"]
    ours = put_station(session, "本社区驿站", grid, area["points"][grid])
    bee = put_station(session, "本社区暖蜂驿站", grid, area["points"][grid], kind="warm_bee")
    off = put_station(session, "本社区旧驿站", grid, area["points"][grid], active=False)
    theirs = put_station(session, "外街道驿站", other, area["points"][other])
    log_in(client, session, "community_staff", area["community"])
    html = client.get("/stations").get_data(as_text=True)
    assert "本社区驿站" in html and "本社区暖蜂驿站" in html and "本社区旧驿站" in html
    assert "外街道驿站" not in html and "共 3 处" in html
    assert "每日 08:00–20:00" in html and "临时休息、手机充电、饮水" in html and grid in html
    assert f'href="/stations/{ours}/edit"' in html and 'href="/stations/new"' in html
    assert f'href="/stations/{theirs}/edit"' not in html
    assert 'href="/stations">驿站管理</a>' in html  # the nav link
    html = client.get("/stations?kind=warm_bee").get_data(as_text=True)
    assert "本社区暖蜂驿站" in html and "本社区驿站<" not in html and "共 1 处" in html
    html = client.get("/stations?active=0").get_data(as_text=True)
    assert "本社区旧驿站" in html and "共 1 处" in html and "已停用" in html
    assert client.get("/stations?kind=castle").status_code == 400
    assert client.get("/stations?active=maybe").status_code == 400
    assert client.get("/stations?page=0").status_code == 400
    assert {ours, bee, theirs} <= public_ids(client) and off not in public_ids(client)


def test_city_wide_admin_lists_every_station(client, session, area):
    other = area["other"]
    theirs = put_station(session, "外街道驿站", other, area["points"][other])
    log_in(client, session, "admin")
    html = client.get("/stations?active=1").get_data(as_text=True)
    assert "外街道驿站" in html and f'href="/stations/{theirs}/edit"' in html


def test_staff_adds_a_station_the_grid_comes_from_the_point_gcj02_converted(client, session,
                                                                             area):
    grid = area["grids"][1]
    wgs = area["points"][grid]
    gcj = wgs84_to_gcj02(*wgs)
    user = log_in(client, session, "community_staff", area["community"])
    page = client.get("/stations/new").get_data(as_text=True)
    assert "新增驿站" in page and 'name="csrf_token"' in page and "GCJ-02" in page
    assert 'name="grid_code"' not in page  # the grid is never typed
    r = client.post("/stations/new", data={
        **form(gcj, crs="gcj02", services=["rest", "hot_meal", "first_aid"]),
        "grid_code": area["other"], "csrf_token": csrf(client)})
    assert r.status_code == 302 and r.headers["Location"] == "/stations"
    sid = session.execute(text("SELECT max(id) FROM stations")).scalar_one()
    row = stored(session, sid)
    assert row["grid_code"] == grid and row["active"] and row["kind"] == "red_station"
    assert row["lon"] == pytest.approx(wgs[0], abs=1e-7)
    assert row["lat"] == pytest.approx(wgs[1], abs=1e-7)
    assert abs(row["lon"] - gcj[0]) > 1e-3  # converted, not stored as given
    assert row["services"] == ["rest", "hot_meal", "first_aid"]
    assert (row["name"], row["address"]) == ("测试社区红色驿站", "测试路 1 号")
    html = client.get("/stations").get_data(as_text=True)
    assert f"已新增驿站：测试社区红色驿站（编号 {sid}，所在网格 {grid}）" in html
    assert audit(session, user) == [("create_station", f"station:{sid} red_station")]
    assert sid in public_ids(client)
    near = client.get("/api/v1/stations", query_string={"lon": wgs[0], "lat": wgs[1]})
    assert near.get_json()["stations"][0]["id"] == sid


def test_edit_saves_the_changes_and_audits_the_fields(client, session, area):
    grid, moved_to = area["grids"]
    sid = put_station(session, "旧名称", grid, area["points"][grid])
    user = log_in(client, session, "admin")
    page = client.get(f"/stations/{sid}/edit").get_data(as_text=True)
    assert 'value="旧名称"' in page and "编辑驿站" in page and "停用驿站" in page
    assert 'value="charging" checked' in page and 'value="hot_meal" checked' not in page
    lon = re.search(r'id="lon"[^>]*value="([^"]+)"', page) or re.search(
        r'value="([^"]+)"[^>]*id="lon"', page)
    assert float(lon.group(1)) == stored(session, sid)["lon"]  # shown exactly
    token = csrf(client)
    unchanged = {"kind": "red_station", "name": "旧名称", "address": "测试地址",
                 "services": ["rest", "charging", "water"], "opening_hours": "每日 08:00–20:00",
                 "lon": lon.group(1), "lat": repr(stored(session, sid)["lat"]), "crs": "wgs84",
                 "active": "y", "csrf_token": token}
    r = client.post(f"/stations/{sid}/edit", data=unchanged)
    assert r.status_code == 302 and audit(session, user) == []
    assert f"驿站 {sid} 没有改动" in client.get("/stations").get_data(as_text=True)
    r = client.post(f"/stations/{sid}/edit", data={
        **unchanged, "name": " 新名称 ", "services": ["rest", "legal_advice"],
        "lon": repr(area["points"][moved_to][0]), "lat": repr(area["points"][moved_to][1])})
    assert r.status_code == 302
    row = stored(session, sid)
    assert row["name"] == "新名称" and row["services"] == ["rest", "legal_advice"]
    assert row["grid_code"] == moved_to and row["active"]
    assert f"已保存驿站 {sid}：修改了驿站名称、服务项目、位置、所在网格" in client.get(
        "/stations").get_data(as_text=True)
    assert audit(session, user) == [
        ("update_station", f"station:{sid} name,services,location,grid_code")]


def test_deactivate_hides_the_station_from_the_public_and_keeps_it(client, session, area):
    grid = area["grids"][0]
    sid = put_station(session, "将停用的驿站", grid, area["points"][grid])
    user = log_in(client, session, "supervisor", area["community"][:9])
    assert sid in public_ids(client)
    r = client.post(f"/stations/{sid}/deactivate", data={"csrf_token": csrf(client)})
    assert r.status_code == 302 and not stored(session, sid)["active"]
    assert sid not in public_ids(client)
    html = client.get("/stations?active=0").get_data(as_text=True)
    assert "将停用的驿站" in html and f"已停用驿站 {sid}" in html
    r = client.post(f"/stations/{sid}/deactivate", data={"csrf_token": csrf(client)})
    assert r.status_code == 302 and len(audit(session, user)) == 1
    r = client.post(f"/stations/{sid}/edit", data={**form(area["points"][grid], name="将停用的驿站",
                                                         active="y"), "csrf_token": csrf(client)})
    assert r.status_code == 302 and stored(session, sid)["active"] and sid in public_ids(client)
    assert [a for a, _ in audit(session, user)] == [
        "deactivate_station", "update_station", "reactivate_station"]
    assert session.execute(text("SELECT count(*) FROM stations WHERE id = :i"),
                           {"i": sid}).scalar_one() == 1


@pytest.mark.parametrize(("changes", "message"), [
    ({"lon": "116.3975", "lat": "39.9087"}, "位置不在七台河市内"),
    ({"lon": "45.79", "lat": "130.88"}, "经纬度写反了"),
    ({"lon": "abc"}, "参数 lon 不是数字"),
    ({"lat": ""}, "请填写纬度"),
    ({"lat": "95"}, "超出范围"),
    ({"lon": "nan"}, "必须是有限数"),
    ({"crs": "utm"}, "不支持的坐标系"),
    ({"kind": "castle"}, "未知驿站类型"),
    ({"kind": ""}, "请选择驿站类型"),
    ({"name": "   "}, "请填写驿站名称"),
    ({"name": None}, "请填写驿站名称"),
    ({"name": "驿" * 101}, "驿站名称最多 100 个字"),
    ({"address": "路" * 301}, "地址最多 300 个字"),
    ({"opening_hours": "时" * 101}, "开放时间最多 100 个字"),
    ({"services": ["rest", "massage"]}, "未知服务项目"),
    ({"name": "驿站\x00"}, "不能含有空字符"),
    ({"address": "\x00"}, "不能含有空字符"),
    ({"name": "驿站\u202e"}, "驿站名称不能含有控制字符 U+202E"),
    ({"opening_hours": "9:00\x7f"}, "控制字符 U+007F"),
    ({"kind": "red_station\x00"}, "未知驿站类型"),
    ({"services": ["rest\x00"]}, "未知服务项目"),
    ({"lon": "131\x00"}, "不是数字"),
])
def test_bad_input_shows_the_form_again_and_writes_nothing(client, session, area, changes,
                                                           message):
    grid = area["grids"][0]
    sid = put_station(session, "原驿站", grid, area["points"][grid])
    user = log_in(client, session, "admin")
    before = session.execute(text("SELECT count(*) FROM stations")).scalar_one()
    for url in ("/stations/new", f"/stations/{sid}/edit"):
        r = client.post(url, data={**form(area["points"][grid], **changes),
                                   "csrf_token": csrf(client)})
        html = r.get_data(as_text=True)
        assert r.status_code == 422, (url, html[-2000:])
        assert message in html and "未保存任何改动" in html
    assert session.execute(text("SELECT count(*) FROM stations")).scalar_one() == before
    assert stored(session, sid)["name"] == "原驿站" and audit(session, user) == []


def test_staff_outside_the_scope_get_403_and_change_nothing(client, session, area):
    other = area["other"]
    theirs = put_station(session, "外街道驿站", other, area["points"][other])
    user = log_in(client, session, "community_staff", area["community"])
    token = csrf(client)
    r = client.get(f"/stations/{theirs}/edit")
    assert r.status_code == 403 and "不在您的管辖范围内" in r.get_data(as_text=True)
    r = client.post(f"/stations/{theirs}/edit", data={**form(area["points"][other]),
                                                      "csrf_token": token})
    assert r.status_code == 403
    r = client.post(f"/stations/{theirs}/deactivate", data={"csrf_token": token})
    assert r.status_code == 403 and stored(session, theirs)["active"]
    r = client.post("/stations/new", data={**form(area["points"][other], name="越界驿站"),
                                           "csrf_token": token})
    html = r.get_data(as_text=True)
    assert r.status_code == 403 and f"所在网格 {other}不在您的管辖范围" in html
    assert 'value="越界驿站"' in html  # the form is shown again
    ours = area["grids"][0]
    mine = put_station(session, "本社区驿站", ours, area["points"][ours])
    r = client.post(f"/stations/{mine}/edit", data={**form(area["points"][other]),
                                                    "csrf_token": token})
    assert r.status_code == 403 and stored(session, mine)["grid_code"] == ours
    assert session.execute(text("SELECT count(*) FROM stations WHERE name = '越界驿站'")
                           ).scalar_one() == 0
    assert audit(session, user) == []


@pytest.mark.parametrize("role", ["dispatcher", "grid_worker", "leader", "department_staff"])
def test_other_staff_see_the_list_but_may_not_edit(client, session, area, role):
    grid = area["grids"][0]
    sid = put_station(session, "本社区驿站", grid, area["points"][grid])
    log_in(client, session, role, department="heating" if role == "department_staff" else None)
    html = client.get("/stations").get_data(as_text=True)
    assert "本社区驿站" in html and "新增驿站" not in html
    assert f'href="/stations/{sid}/edit"' not in html
    token = csrf(client)
    assert client.get("/stations/new").status_code == 403
    assert client.get(f"/stations/{sid}/edit").status_code == 403
    r = client.post("/stations/new", data={**form(area["points"][grid]), "csrf_token": token})
    assert r.status_code == 403 and "无权执行此操作" in r.get_data(as_text=True)
    r = client.post(f"/stations/{sid}/deactivate", data={"csrf_token": token})
    assert r.status_code == 403 and stored(session, sid)["active"]


def test_a_rider_gets_403_and_visitors_are_sent_to_the_login_page(client, session, area):
    grid = area["grids"][0]
    sid = put_station(session, "本社区驿站", grid, area["points"][grid])
    for path in ("/stations", "/stations/new", f"/stations/{sid}/edit"):
        r = client.get(path)
        assert r.status_code == 302 and "/login?next=" in r.headers["Location"]
    assert client.post(f"/stations/{sid}/deactivate").status_code == 400  # no CSRF token
    log_in(client, session, "rider")
    token = csrf(client, "/report")
    for path in ("/stations", "/stations/new", f"/stations/{sid}/edit"):
        r = client.get(path)
        assert r.status_code == 403 and "骑手" in r.get_data(as_text=True)
    r = client.post(f"/stations/{sid}/deactivate", data={"csrf_token": token})
    assert r.status_code == 403 and stored(session, sid)["active"]
    assert "驿站管理" not in client.get("/report").get_data(as_text=True)


def test_forms_without_a_csrf_token_and_unknown_stations_are_refused(client, session, area):
    grid = area["grids"][0]
    log_in(client, session, "admin")
    r = client.post("/stations/new", data=form(area["points"][grid], name="无令牌驿站"))
    assert r.status_code == 400 and "CSRF" in r.get_data(as_text=True)
    assert session.execute(text("SELECT count(*) FROM stations WHERE name = '无令牌驿站'")
                           ).scalar_one() == 0
    token = csrf(client)
    for sid in (999_999_999, 2**40):
        assert client.get(f"/stations/{sid}/edit").status_code == 404
        r = client.post(f"/stations/{sid}/deactivate", data={"csrf_token": token})
        assert r.status_code == 404


def test_station_names_are_escaped_on_every_page(client, session, area):
    grid = area["grids"][0]
    log_in(client, session, "admin")
    r = client.post("/stations/new", data={**form(area["points"][grid], name=SCRIPT,
                                                  address=SCRIPT, opening_hours=SCRIPT),
                                           "csrf_token": csrf(client)})
    assert r.status_code == 302
    sid = session.execute(text("SELECT max(id) FROM stations")).scalar_one()
    assert stored(session, sid)["name"] == SCRIPT
    escaped = "&lt;script&gt;alert(1)&lt;/script&gt;驿站"
    for html in (client.get("/stations").get_data(as_text=True),  # with the flash message
                 client.get(f"/stations/{sid}/edit").get_data(as_text=True)):
        assert "<script>alert(1)" not in html and escaped in html
    r = client.post(f"/stations/{sid}/edit", data={
        **form(area["points"][grid], name=SCRIPT, kind="<script>"), "csrf_token": csrf(client)})
    html = r.get_data(as_text=True)
    assert r.status_code == 422 and "未知驿站类型 &#39;&lt;script&gt;&#39;" in html
    assert "<script>alert(1)" not in html and escaped in html
