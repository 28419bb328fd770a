"""Migrations: down to nothing and up again on a scratch database."""

from datetime import UTC, datetime

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


def test_rider_logins_made_as_grid_workers_become_riders(scratch_url):
    migrate.upgrade(scratch_url, "0013")
    eng = create_engine(scratch_url)
    with eng.begin() as conn:
        ids = {name: conn.execute(text(
            "INSERT INTO users (name, display_name, role, scope_code, password_hash) VALUES "
            "(:n, :n, :r, :s, 'x') RETURNING id"), {"n": name, "r": role, "s": scope}).scalar()
            for name, role, scope in (("old_rider", "grid_worker", "230903011001"),
                                      ("worker", "grid_worker", "230903011001"),
                                      ("boss", "admin", None))}
        for name, kind in (("old_rider", "rider"), ("worker", "grid_worker"), ("boss", "rider")):
            conn.execute(text("INSERT INTO members (kind, name, user_id) VALUES (:k, :n, :u)"),
                         {"k": kind, "n": name, "u": ids[name]})
    migrate.upgrade(scratch_url)
    with eng.connect() as conn:
        roles = dict(conn.execute(text("SELECT name, role || '/' || coalesce(scope_code, '-') "
                                       "FROM users")).all())
    eng.dispose()
    assert roles == {"old_rider": "rider/-", "worker": "grid_worker/230903011001",
                     "boss": "admin/-"}


def test_downgrading_import_records_writes_their_events_back(scratch_url):
    migrate.upgrade(scratch_url, "0018")
    eng = create_engine(scratch_url)
    with eng.begin() as conn:
        conn.execute(text("SET LOCAL session_replication_role = replica"))  # no grid rows
        record = conn.execute(text(
            "INSERT INTO demand_imports (file_name, run_by, imported_at) VALUES "
            "('h.csv', 'ops', '2025-06-01T04:00Z') RETURNING id")).scalar()
        ids = {code: conn.execute(text(
            "INSERT INTO demands (code, title, category_code, state, source, geom, input_crs, "
            "grid_id, grid_code, deadline, import_id, import_line) VALUES (:c, '暖气', '1001', "
            ":s, 'hotline', ST_SetSRID(ST_MakePoint(131, 45.7), 4326), 'wgs84', 1, 'g', now(), "
            ":i, :l) RETURNING id"), {"c": code, "s": state, "i": record, "l": line}).scalar()
            for code, state, line in (("HL-1", "closed", 2), ("HL-2", "dispatched", 3))}
        conn.execute(text(
            "INSERT INTO demand_events (demand_id, action, from_state, to_state, actor_role) "
            "VALUES (:d, 'dispatch', 'received', 'dispatched', 'system')"), {"d": ids["HL-2"]})
    migrate.downgrade(scratch_url, "0017")
    with eng.connect() as conn:
        written = conn.execute(text(
            "SELECT d.code, e.to_state, e.note, e.payload, e.at FROM demand_events e "
            "JOIN demands d ON d.id = e.demand_id WHERE e.action = 'import' ORDER BY d.code"
        )).all()
        columns = {c["name"] for c in inspect(conn).get_columns("demands")}
    eng.dispose()
    assert [tuple(r[:4]) for r in written] == [("HL-1", "closed", "导入自 h.csv", {"line": 2}),
                                               ("HL-2", "received", "导入自 h.csv", {"line": 3})]
    assert all(r[4] == datetime(2025, 6, 1, 4, tzinfo=UTC) for r in written)
    assert not {"import_id", "import_line"} & columns
