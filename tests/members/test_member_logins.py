"""账号关联: an admin ties a staff login to a grid member on /members (CSRF forms) or through
PUT /api/v1/members/<id>/login; one login per member, refusals shown clearly, others 403,
members outside the admin's scope hidden, names escaped, phones never shown."""

from __future__ import annotations

import json
import re

import pytest
from sqlalchemy import text

from gis.errors import Conflict, Forbidden, NotFound
from layers.access import users
from layers.access.actors import for_user
from layers.members import logins as member_logins
from tests import factories

PASSWORD = "secret-pass-123"
PHONE = "13812345678"
EVIL = "<script>alert(1)</script>"


@pytest.fixture
def area(session) -> dict:
    """Two grids of one community, and a grid of another street."""
    grids = session.execute(text(
        "SELECT code FROM grids WHERE valid_to IS NULL ORDER BY code LIMIT 2")).scalars().all()
    other = session.execute(text(
        "SELECT min(code) FROM grids WHERE valid_to IS NULL AND left(code, 9) <> :s"),
        {"s": grids[0][:9]}).scalar_one()
    return {"grids": list(grids), "other": other}


def _user(session, name: str, role: str = "rider", scope: str | None = None,
          display_name: str | None = None) -> users.User:
    user = users.create_user(session, name, role, PASSWORD, scope_code=scope,
                             display_name=display_name)
    session.commit()
    return user


def _member(session, name: str, grids: list[str], kind: str = "rider", user=None) -> int:
    mid = factories.member(session, kind, name, grids, phone=PHONE, platform="美团",
                           user_id=user.id if user else None)
    session.commit()
    return mid


def _linked(session, member_id: int) -> str | None:
    return session.execute(text(
        "SELECT u.name FROM members m LEFT JOIN users u ON u.id = m.user_id WHERE m.id = :m"),
        {"m": member_id}).scalar()


def _csrf(client, path: str = "/login") -> str:
    html = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf-token" content="([^"]+)"', html).group(1)


def _login(client, session, name: str, role: str, scope: str | None = None) -> users.User:
    user = _user(session, name, role, scope)
    r = client.post("/login", data={"name": name, "password": PASSWORD,
                                    "csrf_token": _csrf(client)})
    assert r.status_code == 302
    return user


@pytest.fixture
def rider(session, area) -> int:
    """A rider (with a phone) responsible for the area's two grids, no login yet."""
    return _member(session, "骑手乙", area["grids"])


def test_admin_links_and_unlinks_a_login_on_the_page(client, session, rider):
    login = _user(session, "t_rider_login", display_name="骑手乙的手机")
    admin = _login(client, session, "t_admin_links", "admin")
    assert 'href="/members/logins"' in client.get("/members").get_data(as_text=True)
    found = client.get("/members/logins", query_string={"q": "骑手乙"}).get_data(as_text=True)
    assert f'href="/members/{rider}/login"' in found and "未关联" in found
    page = client.get(f"/members/{rider}/login").get_data(as_text=True)
    assert "未关联登录账号" in page and PHONE not in page
    token = _csrf(client, f"/members/{rider}/login")
    r = client.post(f"/members/{rider}/login", data={"login": " T_Rider_Login ",
                                                     "csrf_token": token})
    assert r.status_code == 302 and r.headers["Location"] == f"/members/{rider}/login"
    assert _linked(session, rider) == login.name
    page = client.get(f"/members/{rider}/login").get_data(as_text=True)
    assert "已将登录账号 t_rider_login 关联到网格成员" in page and "骑手乙的手机" in page
    assert "解除关联" in page
    found = client.get("/members/logins", query_string={"q": str(rider)}).get_data(as_text=True)
    assert "t_rider_login（骑手乙的手机）" in found
    _user(session, "t_rider_phone2")
    r = client.post(f"/members/{rider}/login", data={"login": "t_rider_phone2",
                                                     "csrf_token": token})
    assert r.status_code == 302 and _linked(session, rider) == "t_rider_phone2"
    r = client.post(f"/members/{rider}/login/unlink", data={"csrf_token": token})
    assert r.status_code == 302 and _linked(session, rider) is None
    assert "已解除网格成员" in client.get(f"/members/{rider}/login").get_data(as_text=True)
    audit = session.execute(text(
        "SELECT action, subject FROM audit_log WHERE user_id = :u ORDER BY id"),
        {"u": admin.id}).all()
    assert [tuple(a) for a in audit] == [
        ("link_member_login", f"member:{rider} login:t_rider_login"),
        ("unlink_member_login", f"member:{rider} login:t_rider_login"),
        ("link_member_login", f"member:{rider} login:t_rider_phone2"),
        ("unlink_member_login", f"member:{rider} login:t_rider_phone2")]


def test_login_of_another_member_is_refused_in_chinese_on_the_page(client, session, rider,
                                                                    area):
    taken = _user(session, "t_taken_login")
    other = _member(session, "骑手丙", area["grids"][:1], user=taken)
    _login(client, session, "t_admin_clash", "admin")
    token = _csrf(client, f"/members/{rider}/login")
    r = client.post(f"/members/{rider}/login", data={"login": "t_taken_login",
                                                     "csrf_token": token})
    html = r.get_data(as_text=True)
    assert r.status_code == 409
    assert f"登录账号 t_taken_login 已关联网格成员 {other}（骑手丙）" in html
    assert "一个账号只能关联一名成员" in html and 'value="t_taken_login"' in html
    assert _linked(session, rider) is None and _linked(session, other) == "t_taken_login"
    r = client.post(f"/members/{rider}/login", data={"login": "t_nobody",
                                                     "csrf_token": token})
    assert r.status_code == 404 and "没有登录账号 t_nobody" in r.get_data(as_text=True)
    r = client.post(f"/members/{rider}/login", data={"login": "", "csrf_token": token})
    assert r.status_code == 422 and "请填写登录账号" in r.get_data(as_text=True)
    assert client.post("/members/999999/login", data={"login": "t_taken_login",
                                                       "csrf_token": token}).status_code == 404
    assert _linked(session, rider) is None


@pytest.mark.parametrize("role", ["dispatcher", "community_staff", "supervisor", "leader",
                                  "grid_worker", "department_staff"])
def test_roles_other_than_admin_get_403(client, session, rider, role):
    if role == "department_staff":
        user = users.create_user(session, "t_dept_links", role, PASSWORD,
                                 department_code="heating")
        session.commit()
        client.post("/login", data={"name": user.name, "password": PASSWORD,
                                    "csrf_token": _csrf(client)})
    else:
        _login(client, session, f"t_{role}_links", role)
    _user(session, "t_victim_login")
    token = _csrf(client)
    assert client.get("/members/logins?q=1").status_code == 403
    assert client.get(f"/members/{rider}/login").status_code == 403
    r = client.post(f"/members/{rider}/login", data={"login": "t_victim_login",
                                                     "csrf_token": token})
    assert r.status_code == 403
    r = client.post(f"/members/{rider}/login/unlink", data={"csrf_token": token})
    assert r.status_code == 403 and _linked(session, rider) is None
    if role == "leader":
        assert "账号关联" not in client.get("/members").get_data(as_text=True)


def test_anonymous_visitors_are_sent_to_the_login_page(client, rider):
    r = client.get(f"/members/{rider}/login")
    assert r.status_code == 302 and "/login?next=" in r.headers["Location"]
    assert client.post(f"/members/{rider}/login", data={"login": "x"}).status_code == 400


def test_forms_without_a_csrf_token_are_refused(client, session, rider, area):
    login = _user(session, "t_csrf_login")
    _login(client, session, "t_admin_csrf", "admin")
    r = client.post(f"/members/{rider}/login", data={"login": "t_csrf_login"})
    assert r.status_code == 400 and "CSRF" in r.get_data(as_text=True)
    assert _linked(session, rider) is None
    linked = _member(session, "骑手丁", area["grids"][:1], user=login)
    r = client.post(f"/members/{linked}/login/unlink", data={"csrf_token": "forged"})
    assert r.status_code == 400 and _linked(session, linked) == "t_csrf_login"


def test_member_names_and_logins_are_escaped_and_phones_never_shown(client, session, area):
    login = _user(session, "t_evil_login", display_name=EVIL)
    evil = _member(session, EVIL, area["grids"][:1], user=login)
    _login(client, session, "t_admin_escape", "admin")
    for html in (client.get("/members/logins", query_string={"q": "<script>"}).get_data(
                     as_text=True), client.get(f"/members/{evil}/login").get_data(as_text=True)):
        assert EVIL not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
        assert PHONE not in html
    other = _member(session, "骑手戊", area["grids"][:1])
    token = _csrf(client)
    r = client.post(f"/members/{other}/login", data={"login": "t_evil_login",
                                                     "csrf_token": token})
    html = r.get_data(as_text=True)
    assert r.status_code == 409 and EVIL not in html
    assert "已关联网格成员" in html and "&lt;script&gt;" in html


def test_admin_with_a_scope_sees_and_changes_only_members_in_it(client, session, rider, area):
    outside = _member(session, "骑手己", [area["other"]])
    _user(session, "t_scope_login")
    _login(client, session, "t_admin_scoped", "admin", scope=area["grids"][0][:9])
    html = client.get("/members/logins", query_string={"q": "骑手"}).get_data(as_text=True)
    assert "骑手乙" in html and "骑手己" not in html
    token = _csrf(client)
    assert client.get(f"/members/{outside}/login").status_code == 403
    r = client.post(f"/members/{outside}/login", data={"login": "t_scope_login",
                                                       "csrf_token": token})
    assert r.status_code == 403 and _linked(session, outside) is None
    r = client.post(f"/members/{rider}/login", data={"login": "t_scope_login",
                                                     "csrf_token": token})
    assert r.status_code == 302 and _linked(session, rider) == "t_scope_login"


def test_find_matches_id_or_name_literally(session, rider, area):
    admin = for_user(_user(session, "t_admin_find", "admin"))
    _member(session, "骑手_百分%", area["grids"][:1])
    assert [m["id"] for m in member_logins.find(session, admin, str(rider))][:1] == [rider]
    assert [m["name"] for m in member_logins.find(session, admin, "%")] == ["骑手_百分%"]
    assert [m["name"] for m in member_logins.find(session, admin, "_百")] == ["骑手_百分%"]
    assert member_logins.find(session, admin, "  ") == []
    assert all("phone" not in m for m in member_logins.find(session, admin, "骑手"))
    assert member_logins.find(session, admin, "99999999999999999999") == []


def test_domain_refuses_other_roles_unknown_members_and_taken_logins(session, rider, area):
    admin = for_user(_user(session, "t_admin_domain", "admin"))
    leader = for_user(_user(session, "t_leader_domain", "leader"))
    taken = _user(session, "t_taken_domain")
    _member(session, "骑手庚", area["grids"][:1], user=taken)
    with pytest.raises(Forbidden):
        member_logins.link(session, leader, rider, "t_taken_domain")
    with pytest.raises(NotFound):
        member_logins.link(session, admin, 2**40, "t_taken_domain")
    with pytest.raises(Conflict) as err:
        member_logins.link(session, admin, rider, "t_taken_domain")
    assert err.value.code == "login_linked" and _linked(session, rider) is None


def test_api_links_unlinks_and_refuses_clearly(client, session, rider, area, staff):
    _, admin = staff("admin")
    _, dispatcher = staff("dispatcher")
    _user(session, "t_api_login")
    url = f"/api/v1/members/{rider}/login"
    r = client.put(url, json={"login": "t_api_login"}, headers=admin)
    assert r.status_code == 200 and r.get_json() == {
        "member_id": rider, "name": "骑手乙", "kind": "rider", "login": "t_api_login"}
    other = _member(session, "骑手辛", area["grids"][:1])
    r = client.put(f"/api/v1/members/{other}/login", json={"login": "t_api_login"},
                   headers=admin)
    assert r.status_code == 409 and r.get_json()["error"]["code"] == "login_linked"
    assert client.put(url, json={"login": None}, headers=dispatcher).status_code == 403
    assert client.put(url, json={"login": None}, headers=admin).get_json()["login"] is None
    assert client.put(f"/api/v1/members/{2**40}/login", json={"login": None},
                      headers=admin).status_code == 404
    assert client.put(url, json={"login": "t_nobody"}, headers=admin).status_code == 404
    for raw in ["{not json", "", "[]", '"x"', "null", "{}", *(
            json.dumps({"login": v}) for v in (5, True, [], {"x": 1}, "", "x" * 6000))]:
        r = client.put(url, data=raw, headers={**admin, "Content-Type": "application/json"})
        assert r.status_code == 422 and r.get_json()["error"]["fields"]["login"], raw
    r = client.put(url, json={"login": "a\x00b"}, headers=admin)
    assert r.status_code == 400 and _linked(session, rider) is None
