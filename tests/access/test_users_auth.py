"""Staff accounts: roles, scopes, passwords, tokens and the policy's refusals."""

from __future__ import annotations

import hashlib

import pytest
from sqlalchemy import text

from gis.errors import BadInput, Conflict, Forbidden
from layers.access import policy, roles, tokens, users
from layers.access.actors import Actor
from tests.access.accounts import (
    PASSWORD,
    SCOPE_COMMUNITY,
    SCOPE_STREET,
    _count,
    _department,
    _user,
)


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
