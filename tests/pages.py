"""Shared pieces of the page tests: the page's CSRF token and a client logged in by role."""

from __future__ import annotations

import re

from layers.access import users
from tests.factories import PASSWORD


def csrf(client, path: str = "/login") -> str:
    """Return the CSRF token the page at `path` carries in its meta tag."""
    html = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf-token" content="([^"]+)"', html).group(1)


def log_in(client, session, role: str, scope: str | None = None, department=None,
           prefix: str = "t_pg"):
    """Create a login with `role` (and scope, department) and log the client in; return it."""
    user = users.create_user(session, f"{prefix}_{role}_{scope or 'city'}", role, PASSWORD,
                             scope_code=scope, department_code=department)
    session.commit()
    r = client.post("/login", data={"name": user.name, "password": PASSWORD,
                                    "csrf_token": csrf(client)})
    assert r.status_code == 302
    return user
