"""Fixtures of the open311 tests."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import text

from layers.access.actors import Actor
from layers.demands import events
from layers.open311 import post as open311_post
from tests.browser import served
from tests.open311.georeport import GRID, NOW, _demand


@pytest.fixture
def server(app):
    """The app on http://127.0.0.1:<port>/open311/v2, one request at a time."""
    with served(app, threaded=False) as url:
        yield url + "/open311/v2"


@pytest.fixture
def api_key(session) -> str:
    """A committed api_key of a test client."""
    key = open311_post.issue_key(session, "测试客户端")
    session.commit()
    return key


@pytest.fixture
def demos(session) -> dict[str, dict]:
    """An open heating demand (with a reporter), a closed rubbish one, one 100 days old."""
    out = {
        "open": _demand(session, "1001", reporter_name="王女士", reporter_phone="13812341234",
                        description="三楼暖气不热"),
        "closed": _demand(session, "0103", when=NOW - timedelta(days=2), lon=None, lat=None,
                          grid_code=GRID),
        "old": _demand(session, "1101", when=NOW - timedelta(days=100), lon=131.02),
    }
    session.execute(text("UPDATE demands SET state = 'closed', closed_at = :t WHERE code = :c"),
                    {"t": NOW - timedelta(hours=1), "c": out["closed"]["code"]})
    events.append(session, out["closed"]["id"], "close", "verified", "closed",
                  Actor(role="dispatcher"), at=NOW - timedelta(hours=1))
    session.commit()
    return out
