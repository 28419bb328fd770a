"""One database session per request, closed when the request ends."""

from __future__ import annotations

from flask import Flask, current_app, g
from sqlalchemy.orm import Session

from gis.db import finish


def get_session() -> Session:
    """Return this request's session (created on first use)."""
    if "db_session" not in g:
        g.db_session = current_app.config["SESSION_FACTORY"]()
    return g.db_session


def _close(exc: BaseException | None) -> None:
    session = g.pop("db_session", None)
    if session is not None:
        finish(session, failed=exc is not None)  # read-only: COMMIT keeps prepared statements


def init_app(app: Flask) -> None:
    """Register the session teardown."""
    app.teardown_appcontext(_close)
