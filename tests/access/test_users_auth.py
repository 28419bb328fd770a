"""Staff accounts, roles and scopes: argon2 passwords, bearer tokens, session login with CSRF,
the `flask users` commands and the clear refusals that write nothing."""

from __future__ import annotations

import hashlib
import re

import pytest
from flask import jsonify
from sqlalchemy import text

from gis.errors import BadInput, Conflict, Forbidden
from layers.access import policy, roles, tokens, users
from layers.access.actors import Actor
from layers.demo import users as demo_users
from web import create_app
from web.access.guard import current_actor, requires

PASSWORD = "correct-horse-9"
SCOPE_STREET = "230903011"
SCOPE_COMMUNITY = "230903011001"


def _user(session, name="zhangsan", role=roles.DISPATCHER, **kw):
    user = users.create_user(session, name, role, PASSWORD, **kw)
    session.commit()
    return user


def _count(session, table="users"):
    return session.execute(text(f"SELECT count(*) FROM {table}")).scalar()


def _department(session, code="t-water"):
    session.execute(
        text("INSERT INTO departments (code, name, short_name) VALUES (:c, '测试水务局', '水务')"),
        {"c": code},
    )
    return code


def _csrf(client, path="/login"):
    html = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)


@pytest.fixture
def csrf_app(session_factory):
    """An app with CSRF checks on and two test-only routes (an API call and a staff page)."""
    app = create_app(
        {"TESTING": True, "SESSION_FACTORY": session_factory, "WTF_CSRF_ENABLED": True}
    )

    def _who():
        actor = current_actor()
        return jsonify({"name": actor.name, "role": actor.role})

    app.add_url_rule(
        "/api/v1/_test/dispatch",
        "test_dispatch",
        requires("members.act_for")(_who),  # dispatchers and admins
        methods=["GET", "POST"],
    )
    app.add_url_rule("/_test/staff", "test_staff",
                     requires("demands.register")(lambda: "staff page"))  # every staff role
    return app


# --- roles and scopes -------------------------------------------------------------------------


def test_roles_have_chinese_labels():
    assert roles.label(roles.DISPATCHER) == "调度员"
    assert roles.label(roles.SUPERVISOR) == "督导（街道/区）"
    assert len(roles.ALL) == 7 and roles.check_role("leader") == "leader"


def test_in_scope_is_a_hierarchy_prefix_and_none_is_city_wide():
    grid = "230903011001002"
    assert roles.in_scope(None, grid) and roles.in_scope(None, None)
    assert roles.in_scope("230903", grid)
    assert roles.in_scope(SCOPE_STREET, grid) and roles.in_scope(SCOPE_COMMUNITY, grid)
    assert roles.in_scope(grid, grid)
    assert not roles.in_scope("230903011002", grid)
    assert not roles.in_scope(SCOPE_COMMUNITY, SCOPE_STREET)  # the street is wider
    assert not roles.in_scope(SCOPE_STREET, None)


def test_scope_codes_must_have_6_9_12_or_15_digits():
    assert roles.check_scope(None) is None and roles.check_scope("") is None
    assert roles.check_scope(SCOPE_STREET) == SCOPE_STREET
    for bad in ("2309", "2309030110", "23090301100a", "２３０９０３"):
        with pytest.raises(BadInput):
            roles.check_scope(bad)


def test_policy_refuses_wrong_role_and_codes_outside_the_scope():
    supervisor = Actor(role="supervisor", user_id=1, scope=SCOPE_STREET)
    policy.require(supervisor, "riders.decide", "230903011001002")
    with pytest.raises(Forbidden):
        policy.require(Actor(role="grid_worker", user_id=2, scope=SCOPE_COMMUNITY),
                       "riders.decide")
    with pytest.raises(Forbidden) as err:
        policy.require(supervisor, "riders.decide", "230902035001001")
    assert err.value.code == "out_of_scope"


def test_personal_data_by_default_for_admin_and_dispatcher_only(session):
    assert roles.default_personal_data(roles.ADMIN) and roles.default_personal_data("dispatcher")
    assert _user(session, "disp").personal_data
    worker = _user(session, "worker", roles.GRID_WORKER, scope_code=SCOPE_COMMUNITY)
    assert not worker.personal_data
    users.set_personal_data(session, "worker", True)
    assert users.get_user(session, "worker").personal_data


# --- accounts ---------------------------------------------------------------------------------


def test_created_user_authenticates_with_its_password(session):
    _user(session, "ZhangSan", roles.SUPERVISOR, scope_code=SCOPE_STREET, display_name="张三")
    user = users.authenticate(session, "zhangsan", PASSWORD)
    assert user is not None and user.name == "zhangsan" and user.display_name == "张三"
    assert user.role == "supervisor" and user.scope_code == SCOPE_STREET


def test_wrong_password_and_unknown_user_fail_alike(session):
    _user(session)
    assert users.authenticate(session, "zhangsan", "wrong-password") is None
    assert users.authenticate(session, "nobody", PASSWORD) is None
    assert users.authenticate(session, "zhangsan", "") is None


def test_only_an_argon2_hash_of_the_password_is_stored(session):
    _user(session)
    stored = session.execute(text("SELECT password_hash FROM users WHERE name = 'zhangsan'"))
    stored = stored.scalar()
    assert stored.startswith("$argon2id$") and PASSWORD not in stored


def test_set_password_replaces_the_old_one(session):
    _user(session)
    users.set_password(session, "zhangsan", "new-password-1")
    assert users.authenticate(session, "zhangsan", PASSWORD) is None
    assert users.authenticate(session, "zhangsan", "new-password-1") is not None


def test_inactive_user_can_neither_log_in_nor_use_a_token(session):
    user = _user(session)
    token = tokens.issue_token(session, "zhangsan")
    user.active = False
    session.flush()
    assert users.authenticate(session, "zhangsan", PASSWORD) is None
    assert tokens.user_for_token(session, token) is None


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        ({"role": "mayor"}, "bad_role"),
        ({"role": "supervisor", "scope_code": "23090"}, "bad_scope"),
        ({"role": "supervisor", "scope_code": "999999999"}, "unknown_scope"),
        ({"role": "department_staff"}, "department_required"),
        ({"role": "department_staff", "department_code": "no-such"}, "unknown_department"),
        ({"role": "leader", "name": "张 三"}, "bad_name"),
        ({"role": "leader", "password": "short"}, "weak_password"),
    ],
)
def test_bad_account_input_is_refused_and_nothing_written(session, kwargs, code):
    before = _count(session)
    args = {"name": "lisi", "password": PASSWORD, **kwargs}
    with pytest.raises(BadInput) as err:
        users.create_user(session, args.pop("name"), args.pop("role"), args.pop("password"), **args)
    assert err.value.code == code and _count(session) == before


def test_duplicate_name_is_a_conflict(session):
    _user(session)
    with pytest.raises(Conflict):
        users.create_user(session, "ZHANGSAN", roles.LEADER, PASSWORD)
    assert _count(session) >= 1


def test_department_staff_is_bound_to_an_existing_department(session):
    dept = _department(session)
    user = _user(session, "water", roles.DEPARTMENT_STAFF, department_code=dept)
    assert user.department_code == dept and users.list_users(session)[0]["role"]


def test_database_refuses_department_staff_without_department(session):
    with pytest.raises(Exception, match="department_staff_has_department"):
        with session.begin_nested():
            session.execute(
                text(
                    "INSERT INTO users (name, display_name, role, password_hash) "
                    "VALUES ('x1', 'x', 'department_staff', 'h')"
                )
            )


# --- tokens -----------------------------------------------------------------------------------


def test_token_is_issued_verified_and_revoked(session):
    user = _user(session)
    token = tokens.issue_token(session, "zhangsan")
    assert len(token) >= 40
    stored = session.execute(
        text("SELECT token_hash FROM api_tokens WHERE user_id = :u"), {"u": user.id}
    ).scalar()
    assert stored == hashlib.sha256(token.encode()).hexdigest() and token not in stored
    assert tokens.user_for_token(session, token).id == user.id
    assert tokens.user_for_token(session, token + "x") is None
    assert tokens.revoke_token(session, token) and not tokens.revoke_token(session, token)
    assert tokens.user_for_token(session, token) is None


def test_revoke_tokens_revokes_every_token_of_a_user(session):
    _user(session)
    issued = [tokens.issue_token(session, "zhangsan") for _ in range(2)]
    assert tokens.revoke_tokens(session, "zhangsan") == 2
    assert all(tokens.user_for_token(session, t) is None for t in issued)


# --- bearer tokens on the API -----------------------------------------------------------------


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


# --- session login pages ----------------------------------------------------------------------


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


# --- CLI --------------------------------------------------------------------------------------


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


# --- demo accounts ----------------------------------------------------------------------------


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
