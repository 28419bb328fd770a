"""The demo accounts: one staff login per role (name = role), scoped inside the demo city."""

from __future__ import annotations

import logging
import secrets

from sqlalchemy import text
from sqlalchemy.orm import Session

from layers.access import roles
from layers.access.users import create_user, get_user

LOG = logging.getLogger(__name__)
DEMO_SCOPES = {
    roles.SUPERVISOR: "230903011",
    roles.GRID_WORKER: "230903011001",
    roles.COMMUNITY_STAFF: "230903011001",
}


def _demo_department(session: Session) -> str | None:
    return session.execute(text("SELECT code FROM departments ORDER BY code LIMIT 1")).scalar()


def create_demo_users(session: Session) -> list[tuple[str, str, str]]:
    """Create one demo account per staff role (name = role) with a random password; return the
    new (name, role, password) rows. Existing names are skipped; department staff is skipped
    when no department exists; the rider's login is layers.demo.people.create_demo_rider's. Flushed,
    not committed."""
    created: list[tuple[str, str, str]] = []
    department = _demo_department(session)
    for role in roles.ALL:
        if get_user(session, role) is not None:
            continue
        if role == roles.DEPARTMENT_STAFF and department is None:
            LOG.warning("no department yet: demo account %r not created", role)
            continue
        password = secrets.token_urlsafe(9)
        create_user(
            session,
            role,
            role,
            password,
            display_name="演示" + roles.label(role),
            scope_code=DEMO_SCOPES.get(role),
            department_code=department if role == roles.DEPARTMENT_STAFF else None,
        )
        created.append((role, role, password))
    return created
