"""The set-up sized the PostgreSQL server (scripts/tune-postgres.sh), unless told not to."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
from sqlalchemy import text

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "tune-postgres.sh"
pytestmark = pytest.mark.skipif(os.environ.get("GRIDGOV_TUNE_POSTGRES") == "0",
                                reason="GRIDGOV_TUNE_POSTGRES=0: the server is sized by its owner")


def _setting(session, name: str) -> str:
    return session.execute(text("SELECT current_setting(:n)"), {"n": name}).scalar_one()


def test_server_is_sized_for_bulk_writes_and_vacuums_itself(session):
    assert _setting(session, "autovacuum") == "on"
    assert session.execute(text("SELECT pg_size_bytes(current_setting('max_wal_size')) >= "
                                "pg_size_bytes('8GB')")).scalar_one()
    assert session.execute(text("SELECT pg_size_bytes(current_setting('shared_buffers')) > "
                                "pg_size_bytes('128MB')")).scalar_one()


def test_tuning_again_changes_nothing_and_restarts_nothing(session):
    started = session.execute(text("SELECT pg_postmaster_start_time()")).scalar_one()
    done = subprocess.run([str(SCRIPT)], capture_output=True, text=True, timeout=60, check=True)
    assert done.stdout == ""  # silent when all is set
    assert session.execute(text("SELECT pg_postmaster_start_time()")).scalar_one() == started
