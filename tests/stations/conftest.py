"""Fixtures of the stations tests."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from tests.people import community_with
from tests.stations.stationpages import inside


@pytest.fixture
def area(session) -> dict:
    """No other station; a community with two grids and a point in each; a grid (and a
    point) of another street; the public's view of stations before the test."""
    session.execute(text("UPDATE stations SET active = false"))
    community, grids = community_with(session, 2)
    other = session.execute(text(
        "SELECT min(code) FROM grids WHERE valid_to IS NULL AND left(code, 9) <> :s"),
        {"s": community[:9]}).scalar_one()
    return {"community": community, "grids": grids[:2], "other": other,
            "points": {g: inside(session, g) for g in (*grids[:2], other)}}
