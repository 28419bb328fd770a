"""One database session per request, closed when the request ends.

GET and HEAD requests read in autocommit (`READ_SESSION_FACTORY`): no BEGIN, COMMIT or
end-of-request check, so a read costs only its own statements, and psycopg keeps its
prepared statements (it drops them on ROLLBACK). Under READ COMMITTED each statement sees its
own snapshot either way; what a GET writes (the audit log, a token's last use) is one statement.
Every other method gets a transaction that the view commits or that is rolled back.
"""

from __future__ import annotations

from flask import Flask, current_app, g, has_request_context, request
from sqlalchemy.orm import Session

from gis.db import finish

READ_METHODS = frozenset({"GET", "HEAD"})


def _reads_only() -> bool:
    return has_request_context() and request.method in READ_METHODS


def get_session() -> Session:
    """Return this request's session (created on first use; autocommit on GET/HEAD)."""
    if "db_session" not in g:
        config = current_app.config
        factory = config["SESSION_FACTORY"]
        if _reads_only():
            factory = config.get("READ_SESSION_FACTORY") or factory
        g.db_session = factory()
        g.db_session_reads = factory is not config["SESSION_FACTORY"]
    return g.db_session


def _close(exc: BaseException | None) -> None:
    session = g.pop("db_session", None)
    if session is None:
        return
    if g.pop("db_session_reads", False):
        session.close()  # autocommit: nothing to end
    else:
        finish(session, failed=exc is not None)  # read-only: COMMIT keeps prepared statements


def init_app(app: Flask) -> None:
    """Register the session teardown."""
    app.teardown_appcontext(_close)
