"""Logging in on the web and with tokens: sessions, CSRF, redirects, the users CLI."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import text

from layers.access import roles, tokens, users
from layers.demo import users as demo_users
from tests.access.accounts import (
    PASSWORD,
    SCOPE_COMMUNITY,
    SCOPE_STREET,
    _count,
    _csrf,
    _department,
    _user,
)


def test_api_answers_200_with_token_401_without_and_403_for_a_wrong_role(session, csrf_app):
    _user(session, "disp")
    _user(session, "worker", roles.GRID_WORKER, scope_code=SCOPE_COMMUNITY)
    good, wrong = tokens.issue_token(session, "disp"), tokens.issue_token(session, "worker")
    session.commit()
    client = csrf_app.test_client()
    r = client.get("/api/v1/_test/dispatch", headers={"Authorization": f"Bearer {good}"})
    assert r.status_code == 200 and r.get_json() == {"name": "disp", "role": "dispatcher"}
    r = client.get("/api/v1/_test/dispatch")
    assert r.status_code == 401 and r.get_json()["error"]["code"] == "unauthorized"
    assert r.headers["WWW-Authenticate"].startswith("Bearer")
    r = client.get("/api/v1/_test/dispatch", headers={"Authorization": "Bearer not-a-token"})
    assert r.status_code == 401
    r = client.get("/api/v1/_test/dispatch", headers={"Authorization": f"Bearer {wrong}"})
    assert r.status_code == 403 and r.get_json()["error"]["code"] == "forbidden"


def test_bearer_post_needs_no_csrf_token_and_marks_the_token_used(session, csrf_app):
    _user(session, "disp")
    token = tokens.issue_token(session, "disp")
    session.commit()
    r = csrf_app.test_client().post(
        "/api/v1/_test/dispatch", headers={"Authorization": f"Bearer {token}"}
    )
    assert r.status_code == 200
    used = session.execute(text("SELECT last_used_at FROM api_tokens")).scalars().all()
    assert any(u is not None for u in used)


def test_login_page_is_chinese_and_carries_a_csrf_token(client):
    r = client.get("/login")
    html = r.get_data(as_text=True)
    assert r.status_code == 200 and 'lang="zh-CN"' in html
    assert "工作人员登录" in html and "用户名" in html and "密码" in html
    assert 'name="csrf_token"' in html and "http://" not in html and "https://" not in html


def test_login_post_without_csrf_token_is_refused(session, csrf_app):
    _user(session)
    client = csrf_app.test_client()
    r = client.post("/login", data={"name": "zhangsan", "password": PASSWORD})
    assert r.status_code == 400
    with client.session_transaction() as s:
        assert "_user_id" not in s


def test_correct_login_sets_the_session_and_logout_clears_it(session, csrf_app):
    user = _user(session)
    client = csrf_app.test_client()
    assert client.get("/_test/staff").status_code == 302
    token = _csrf(client)
    r = client.post(
        "/login",
        data={
            "name": "zhangsan",
            "password": PASSWORD,
            "csrf_token": token,
            "next": "/_test/staff",
        },
    )
    assert r.status_code == 302 and r.headers["Location"].endswith("/_test/staff")
    cookie = r.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    with client.session_transaction() as s:
        assert s["_user_id"] == str(user.id)
    assert client.get("/_test/staff").get_data(as_text=True) == "staff page"
    assert "退出登录" in client.get("/logout").get_data(as_text=True)
    r = client.post("/logout", data={"csrf_token": _csrf(client, "/logout")})
    assert r.status_code == 302
    with client.session_transaction() as s:
        assert "_user_id" not in s
    r = client.get("/_test/staff")
    assert r.status_code == 302 and "/login?next=" in r.headers["Location"]


def test_wrong_password_and_unknown_user_get_the_same_message(session, csrf_app):
    _user(session)
    client = csrf_app.test_client()
    pages = [
        client.post(
            "/login", data={"name": name, "password": pw, "csrf_token": _csrf(client)}
        ).get_data(as_text=True)
        for name, pw in (("zhangsan", "wrong-pass"), ("nobody", PASSWORD))
    ]
    assert all("用户名或密码错误" in p for p in pages)
    with client.session_transaction() as s:
        assert "_user_id" not in s


def test_login_never_redirects_off_site(session, csrf_app):
    _user(session)
    client = csrf_app.test_client()
    data = {"name": "zhangsan", "password": PASSWORD, "next": "//evil.example/x"}
    r = client.post("/login", data={**data, "csrf_token": _csrf(client)})
    assert r.status_code == 302 and "evil" not in r.headers["Location"]


@pytest.mark.parametrize("target", ["/_test/staff\r\nX-Evil: 1", "/\nX: 1", "/\x00", "/\x7f"])
def test_login_with_a_control_character_in_next_goes_home(session, csrf_app, target):
    _user(session)
    client = csrf_app.test_client()
    data = {"name": "zhangsan", "password": PASSWORD, "next": target}
    r = client.post("/login", data={**data, "csrf_token": _csrf(client)})
    assert r.status_code == 302 and r.headers["Location"] == "/"
    assert "X-Evil" not in r.headers


def test_session_api_post_needs_csrf_but_anonymous_api_post_does_not(session, csrf_app):
    _user(session)
    client = csrf_app.test_client()
    assert client.post("/api/v1/_test/dispatch").status_code == 401  # anonymous: no CSRF check
    client.post(
        "/login", data={"name": "zhangsan", "password": PASSWORD, "csrf_token": _csrf(client)}
    )
    r = client.post("/api/v1/_test/dispatch")
    assert r.status_code == 400 and r.get_json()["error"]["code"] == "csrf_failed"
    r = client.post("/api/v1/_test/dispatch", headers={"X-CSRFToken": _csrf(client)})
    assert r.status_code == 200


def test_cli_creates_a_user_with_a_generated_password_and_prints_tokens(app, session):
    runner = app.test_cli_runner()
    r = runner.invoke(
        args=["users", "create", "wangwu", "--role", "supervisor", "--scope", SCOPE_STREET]
    )
    assert r.exit_code == 0, r.output
    password = re.search(r"password: (\S+)", r.output).group(1)
    assert users.authenticate(session, "wangwu", password).scope_code == SCOPE_STREET
    r = runner.invoke(args=["users", "token", "wangwu"])
    assert r.exit_code == 0 and tokens.user_for_token(session, r.output.strip()).name == "wangwu"
    r = runner.invoke(args=["users", "list"])
    assert "wangwu" in r.output and "督导" in r.output


def test_cli_refuses_bad_input_and_writes_nothing(app, session):
    runner = app.test_cli_runner()
    before = _count(session)
    r = runner.invoke(args=["users", "create", "a1", "--role", "mayor"])
    assert r.exit_code != 0 and "mayor" in r.output
    r = runner.invoke(args=["users", "create", "a2", "--role", "department_staff"])
    assert r.exit_code == 1 and "部门" in r.output
    r = runner.invoke(args=["users", "create", "a3", "--role", "leader", "--scope", "12"])
    assert r.exit_code == 1 and "6/9/12/15" in r.output
    r = runner.invoke(args=["users", "token", "nobody"])
    assert r.exit_code == 1
    assert _count(session) == before


def test_cli_create_with_explicit_password_prints_no_password(app, session):
    r = app.test_cli_runner().invoke(
        args=["users", "create", "zhao", "--role", "leader", "--password", PASSWORD]
    )
    assert r.exit_code == 0 and "password" not in r.output
    assert users.authenticate(session, "zhao", PASSWORD) is not None


def test_demo_users_one_per_role_idempotent(session):
    _department(session, "000-demo-dept")
    first_dept = session.execute(text("SELECT code FROM departments ORDER BY code LIMIT 1"))
    first_dept = first_dept.scalar()
    created = demo_users.create_demo_users(session)
    assert sorted(r for _, r, _ in created) == sorted(roles.ALL)
    for name, role, password in created:
        assert users.authenticate(session, name, password).role == role
    by_name = {u["name"]: u for u in users.list_users(session)}
    assert by_name["supervisor"]["scope_code"] == SCOPE_STREET
    assert by_name["grid_worker"]["scope_code"] == SCOPE_COMMUNITY
    assert by_name["community_staff"]["scope_code"] == SCOPE_COMMUNITY
    assert by_name["department_staff"]["department_code"] == first_dept
    assert demo_users.create_demo_users(session) == []
