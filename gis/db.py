"""Database engine and sessions; creating the database when it is missing."""

from __future__ import annotations

from collections.abc import Iterable

from psycopg.rows import dict_row
from sqlalchemy import Engine, TextClause, create_engine, event, text
from sqlalchemy.dialects.postgresql import psycopg as pg_psycopg
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from gis.errors import BadInput


def make_engine(url: str) -> Engine:
    """Return a pooled engine for `url` (a postgresql+psycopg URL); text parameters holding
    NUL are refused with BadInput (PostgreSQL text cannot store them)."""
    # No pre-ping: it costs a round trip per request; stale connections are recycled instead.
    engine = create_engine(url, pool_size=10, max_overflow=20, pool_recycle=1800)
    event.listen(engine, "before_cursor_execute", _refuse_nul)
    return engine


def _has_nul(value: object) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    return isinstance(value, list | tuple) and any(_has_nul(v) for v in value)


def _refuse_nul(_conn, _cursor, _statement, parameters, _context, executemany) -> None:
    """Raise BadInput before a statement whose text parameters contain NUL characters."""
    refuse_nul(parameters if executemany else [parameters])


def refuse_nul(rows: Iterable | None) -> None:
    """Raise BadInput when a parameter row (dict or sequence) holds text with NUL."""
    for row in rows or ():
        values = row.values() if isinstance(row, dict) else row or ()
        if any(_has_nul(v) for v in values):
            raise BadInput("文本不能含有空字符（text must not contain NUL characters）",
                           "nul_character")


class DriverStatement:
    """A text() statement compiled once for psycopg and run on the session's own connection
    (inside its transaction, if any) without SQLAlchemy's per-execution result set-up: for
    the hottest statements (intake, dispatch candidates), where that set-up costs about as
    much as the query."""

    _DIALECT = pg_psycopg.dialect()

    def __init__(self, statement: TextClause) -> None:
        self.sql = str(statement.compile(dialect=self._DIALECT))

    def rows(self, session: Session, params: dict) -> list[dict]:
        """Return the rows as dicts; NUL in a text parameter → BadInput, as on the engine."""
        refuse_nul([params])
        driver = session.connection().connection.driver_connection
        with driver.cursor(row_factory=dict_row) as cursor:
            cursor.execute(self.sql, params)
            return cursor.fetchall()


def make_sessionmaker(engine: Engine) -> sessionmaker[Session]:
    """Return the session factory bound to `engine`."""
    return sessionmaker(bind=engine, expire_on_commit=False)


def make_read_sessionmaker(engine: Engine) -> sessionmaker[Session]:
    """Return sessions on `engine`'s pool in autocommit, for requests that only read."""
    return make_sessionmaker(engine.execution_options(isolation_level="AUTOCOMMIT"))


def finish(session: Session, failed: bool = False) -> None:
    """Close a session. A transaction that wrote nothing ends with COMMIT (the same effect as
    a rollback): psycopg drops its prepared statements on every ROLLBACK, so read-only
    requests would otherwise plan their statements afresh each time. Anything else rolls back.
    """
    try:
        if (not failed and session.in_transaction()
                and not (session.new or session.dirty or session.deleted)
                and session.execute(text("SELECT txid_current_if_assigned() IS NULL")).scalar()):
            session.commit()
    except SQLAlchemyError:
        pass  # e.g. an aborted transaction: close() rolls it back
    finally:
        session.close()


def analyze(session: Session, tables: tuple[str, ...] = ()) -> None:
    """Refresh the planner's statistics of `tables` (all when empty) after a large load, so
    the next queries are planned for the rows now there; commits."""
    session.commit()
    session.execute(text("ANALYZE " + ", ".join(f'"{t}"' for t in tables)))
    session.commit()


def ensure_database(url: str) -> bool:
    """Create the database named in `url` when missing; return True when it was created."""
    target = make_url(url)
    admin = create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            exists = conn.execute(
                text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": target.database}
            ).scalar()
            if exists:
                return False
            conn.execute(text(f'CREATE DATABASE "{target.database}"'))
            return True
    finally:
        admin.dispose()
