"""Fixtures: a real PostGIS test database, migrated and loaded once; one rolled-back
transaction per test."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session, sessionmaker

from gis import migrate, settings
from gis.db import make_engine
from grids import demo
from layers.access import tokens, users
from layers.demands import taxonomy
from web import create_app

TEST_URL = settings.load().test_database_url


@pytest.fixture(scope="session")
def engine() -> Engine:
    """The test database (never the served one), at head, with the demo city committed."""
    migrate.upgrade(TEST_URL)
    eng = make_engine(TEST_URL)
    with Session(eng) as s:
        if not demo.has_grids(s):
            demo.load(s, seed=settings.Settings().demo_seed)
        taxonomy.load_taxonomy(s)
        s.commit()
    _no_autovacuum(eng)
    yield eng
    eng.dispose()


def _no_autovacuum(eng: Engine) -> None:
    """Keep autovacuum off the test tables and start from true statistics. Tests insert in
    transactions that are rolled back: a vacuum during one counts its uncommitted rows as
    absent (reltuples 0 over hundreds of pages), and the next tests' plans then take tables of
    thousands of rows for empty ones (the demo backlog's dispatch went from 20 ms to 1 s)."""
    with eng.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        tables = conn.execute(text(
            "SELECT format('%I.%I', schemaname, relname) FROM pg_stat_user_tables t WHERE NOT "
            "EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = t.relid AND d.deptype = 'e')"
        )).scalars().all()
        for table in tables:
            conn.execute(text(f"ALTER TABLE {table} SET (autovacuum_enabled = off)"))
        conn.execute(text("VACUUM ANALYZE"))


@pytest.fixture
def connection(engine: Engine):
    """A connection inside a transaction that is rolled back after the test."""
    conn = engine.connect()
    trans = conn.begin()
    yield conn
    trans.rollback()
    conn.close()


@pytest.fixture
def session_factory(connection) -> sessionmaker[Session]:
    """Sessions that commit to savepoints inside the test's transaction."""
    return sessionmaker(
        bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False
    )


@pytest.fixture
def session(session_factory) -> Session:
    """A session inside the test's transaction."""
    with session_factory() as s:
        yield s


@pytest.fixture
def media(tmp_path):
    """This test's photo folder (tests never write into the served media folder)."""
    return tmp_path / "media"


@pytest.fixture
def app(session_factory, media):
    """The app wired to the test's transaction, storing photos under tmp_path."""
    return create_app({"TESTING": True, "SESSION_FACTORY": session_factory,
                       "DATABASE_URL": TEST_URL, "MEDIA_DIR": str(media)})


@pytest.fixture
def client(app):
    """A test client of the app."""
    return app.test_client()


@pytest.fixture
def staff(session):
    """Make a staff user in the test transaction; return (user, Authorization headers)."""

    def make(role: str, scope: str | None = None, department: str | None = None,
             personal_data: bool | None = None):
        name = f"t_{role}_{scope or 'city'}_{department or ''}"[:40]
        user = users.create_user(session, name, role, "secret-pass-123", scope_code=scope,
                                 department_code=department, personal_data=personal_data)
        token = tokens.issue_token(session, name)
        session.commit()
        return user, {"Authorization": f"Bearer {token}"}

    return make


@pytest.fixture
def live_url(engine):
    """The app served on 127.0.0.1:<free port>, reading the committed test database."""
    from tests.browser import served

    with served(create_app({"TESTING": True, "DATABASE_URL": TEST_URL})) as url:
        yield url


@pytest.fixture
def browser(tmp_path):
    """A headless Chromium, 1280×900 (tests using it are marked tests.browser.needs_browser)."""
    from tests.browser import chromium

    with chromium(tmp_path / "profile") as driver:
        yield driver
