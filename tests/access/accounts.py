"""Shared pieces of the test_users_auth tests."""

from __future__ import annotations

import re

from sqlalchemy import text

from layers.access import roles, users

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
