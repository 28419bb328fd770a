"""Migrations: down to nothing and up again on a scratch database."""

import pytest
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url

from gis import migrate, settings

TEST_URL = settings.load().test_database_url

SCRATCH = make_url(TEST_URL).set(database="gridgov_migrations_test")


@pytest.fixture
def scratch_url():
    url = SCRATCH.render_as_string(hide_password=False)
    yield url
    admin = create_engine(SCRATCH.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{SCRATCH.database}" WITH (FORCE)'))
    admin.dispose()


def _state(url):
    eng = create_engine(url)
    with eng.connect() as conn:
        tables = set(inspect(conn).get_table_names())
        postgis = conn.execute(
            text("SELECT count(*) FROM pg_extension WHERE extname = 'postgis'")).scalar()
    eng.dispose()
    return tables, postgis


def test_upgrade_downgrade_base_and_upgrade_again(scratch_url):
    migrate.upgrade(scratch_url)
    tables, postgis = _state(scratch_url)
    assert {"districts", "streets", "communities", "grids", "grid_sources", "rivers"} <= tables
    assert postgis == 1
    migrate.downgrade(scratch_url, "base")
    tables, postgis = _state(scratch_url)
    assert tables <= {"alembic_version"} and postgis == 0
    migrate.upgrade(scratch_url)
    tables, postgis = _state(scratch_url)
    assert "grids" in tables and postgis == 1
