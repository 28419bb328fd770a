"""Fixtures of the access tests."""

from __future__ import annotations

import pytest
from flask import jsonify

from web import create_app
from web.access.guard import current_actor, requires


@pytest.fixture
def csrf_app(session_factory):
    """An app with CSRF checks on and two test-only routes (an API call and a staff page)."""
    app = create_app(
        {"TESTING": True, "SESSION_FACTORY": session_factory, "WTF_CSRF_ENABLED": True}
    )

    def _who():
        actor = current_actor()
        return jsonify({"name": actor.name, "role": actor.role})

    app.add_url_rule(
        "/api/v1/_test/dispatch",
        "test_dispatch",
        requires("members.act_for")(_who),  # dispatchers and admins
        methods=["GET", "POST"],
    )
    app.add_url_rule("/_test/staff", "test_staff",
                     requires("demands.register")(lambda: "staff page"))  # every staff role
    return app
