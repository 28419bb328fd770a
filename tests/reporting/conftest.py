"""Fixtures of the reporting tests: a leader login committed for the browser tests."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from layers.access import roles, users
from tests import committed as committed_rows

BROWSER_LEADER, BROWSER_PASSWORD = "t_browser_leader", "browser-pass-123"


@pytest.fixture
def browser_leader(engine) -> tuple[str, str]:
    """A city-wide leader committed to the test database (the browser reads through another
    connection), removed afterwards; (name, password)."""
    with Session(engine) as s:
        users.create_user(s, BROWSER_LEADER, roles.LEADER, BROWSER_PASSWORD)
        s.commit()
    try:
        yield BROWSER_LEADER, BROWSER_PASSWORD
    finally:
        committed_rows.remove(engine, user_names=[BROWSER_LEADER])
