"""GET/HEAD requests read in autocommit (no BEGIN/COMMIT round trips); every other method gets
a transaction. Checked on an app with its own engine, as `make run` builds it."""

from __future__ import annotations

import pytest
from flask import Flask
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from layers.access import tokens, users
from tests.committed import remove
from web import create_app
from web.core.db import get_session

NAME = "t_read_sessions"


@pytest.fixture
def served_app(engine) -> Flask:
    """The app with its own engine on the committed test database, disposed afterwards."""
    from tests.conftest import TEST_URL

    app = create_app({"TESTING": True, "DATABASE_URL": TEST_URL})
    yield app
    app.config["SESSION_FACTORY"].kw["bind"].dispose()


def _autocommit(session: Session) -> bool:
    return session.connection().connection.dbapi_connection.autocommit


def test_get_reads_in_autocommit_and_post_in_a_transaction(served_app):
    app = served_app
    with app.test_request_context("/api/v1/locate", method="GET"):
        assert _autocommit(get_session())
        assert get_session().execute(text("SELECT now() = statement_timestamp()")).scalar()
    with app.test_request_context("/api/v1/demands", method="POST"):
        assert not _autocommit(get_session())
        assert not get_session().execute(text("SELECT now() = statement_timestamp()")).scalar()


def test_a_pooled_connection_is_back_in_transactions_after_a_get(served_app):
    seen = set()
    for method in ("GET", "POST", "GET", "POST"):  # one pooled connection, used in turn
        with served_app.test_request_context("/", method=method):
            session = get_session()
            assert _autocommit(session) is (method == "GET")
            seen.add(id(session.connection().connection.dbapi_connection))
    assert len(seen) == 1


def test_a_get_with_a_token_commits_its_last_use_and_reads(served_app, engine):
    app = served_app
    with Session(engine) as s:
        users.create_user(s, NAME, "dispatcher", "secret-pass-123")
        token = tokens.issue_token(s, NAME)
        s.commit()
    try:
        r = app.test_client().get("/api/v1/dispatch/queue",
                                  headers={"Authorization": f"Bearer {token}"})
        assert r.status_code == 200 and "demands" in r.get_json()
        with Session(engine) as s:
            used = s.scalars(select(tokens.ApiToken.last_used_at)
                             .join(users.User).where(users.User.name == NAME)).one()
        assert used is not None  # the GET's one-statement write is committed
        busy = "SELECT count(*) FROM pg_stat_activity WHERE state = 'idle in transaction' " \
               "AND datname = current_database() AND pid <> pg_backend_pid()"
        with Session(engine) as s:
            assert s.execute(text(busy)).scalar() == 0
    finally:
        remove(engine, user_names=[NAME])
