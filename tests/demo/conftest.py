"""Fixtures of the demo tests: a small demo population to dispatch the backlog to."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from layers.demo import people as demo_people

NOW = datetime(2026, 11, 27, 3, 0, tzinfo=UTC)  # Friday 11:00 in Qitaihe
SMALL = {"part_time": 40, "volunteer": 20, "rider": 30, "professional_per_dept": 130}


@pytest.fixture
def city(session, staff):
    """Demo members and an admin in the test transaction."""
    staff("admin")
    demo_people.load(session, seed=7, scale=SMALL, now=NOW)
    session.commit()
