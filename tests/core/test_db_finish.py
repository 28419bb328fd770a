"""Ending a request's session: read-only transactions commit (psycopg keeps its prepared
statements), anything that wrote or failed rolls back."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DataError
from sqlalchemy.orm import Session

from gis import settings
from gis.db import DriverStatement, finish, make_engine
from gis.errors import BadInput

MARK = date(1901, 1, 1)  # a demand_counters day no real demand has


@pytest.fixture
def fresh_engine(engine):
    """An engine of its own (one pooled connection), disposed afterwards."""
    eng = make_engine(settings.load().test_database_url)
    yield eng
    with Session(eng) as s:
        s.execute(text("DELETE FROM demand_counters WHERE day = :d"), {"d": MARK})
        s.commit()
    eng.dispose()


def _prepared(session: Session) -> int:
    return session.execute(text("SELECT count(*) FROM pg_prepared_statements")).scalar()


def test_a_read_only_session_keeps_its_prepared_statements(fresh_engine):
    s = Session(fresh_engine)
    for _ in range(8):  # psycopg prepares a statement from its 5th execution
        s.execute(text("SELECT count(*) FROM grids WHERE valid_to IS NULL")).scalar()
    finish(s)
    with Session(fresh_engine) as again:
        assert _prepared(again) >= 1


def test_a_session_that_wrote_is_rolled_back(fresh_engine):
    s = Session(fresh_engine)
    s.execute(text("INSERT INTO demand_counters (day, last) VALUES (:d, 1)"), {"d": MARK})
    finish(s)
    with Session(fresh_engine) as again:
        assert again.execute(text("SELECT count(*) FROM demand_counters WHERE day = :d"),
                             {"d": MARK}).scalar() == 0


def test_a_failed_or_aborted_session_is_rolled_back_quietly(fresh_engine):
    s = Session(fresh_engine)
    s.execute(text("SELECT 1")).scalar()
    finish(s, failed=True)
    broken = Session(fresh_engine)
    with pytest.raises(DataError):
        broken.execute(text("SELECT 1 / 0")).scalar()
    finish(broken)  # no error from an aborted transaction
    with Session(fresh_engine) as again:
        assert again.execute(text("SELECT 1")).scalar() == 1


def test_a_driver_statement_runs_in_the_sessions_transaction_and_refuses_nul(session):
    session.execute(text("INSERT INTO demand_counters (day, last) VALUES (:d, 41)"), {"d": MARK})
    read = DriverStatement(text("SELECT day, last + :n AS next FROM demand_counters "
                                "WHERE day = :d AND '%' = '%'"))
    assert read.rows(session, {"d": MARK, "n": 1}) == [{"day": MARK, "next": 42}]
    with pytest.raises(BadInput):
        read.rows(session, {"d": "1901-01-01\x00", "n": 1})
