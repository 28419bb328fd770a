"""Bulk loading: a table's secondary indexes and foreign keys set aside while rows are
copied in, then rebuilt in one pass each (PostgreSQL's advice for populating a table)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import text
from sqlalchemy.orm import Session

LOCK_TIMEOUT = "10s"  # waiting longer for the tables would stall the running service
BUILD_MEMORY = "512MB"

_INDEXES = text(
    "SELECT c.relname, pg_get_indexdef(i.indexrelid) FROM pg_index i "
    "JOIN pg_class c ON c.oid = i.indexrelid "
    "WHERE i.indrelid = ANY (CAST(:tables AS regclass[])) AND NOT i.indisunique "
    "AND i.indpred IS NULL "  # partial indexes are small, and their text would not round-trip
    "ORDER BY c.relname")
_FOREIGN_KEYS = text(
    "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint "
    "WHERE contype = 'f' AND conrelid = ANY (CAST(:tables AS regclass[])) ORDER BY conname")


def structures(session: Session, tables: tuple[str, ...]) -> tuple[list, list]:
    """Return the tables' non-unique, non-partial indexes (name, definition) and foreign keys
    (table, name, definition)."""
    names = list(tables)
    return ([tuple(r) for r in session.execute(_INDEXES, {"tables": names})],
            [tuple(r) for r in session.execute(_FOREIGN_KEYS, {"tables": names})])


@contextmanager
def set_aside(session: Session, tables: tuple[str, ...]) -> Iterator[None]:
    """Drop the tables' non-unique, non-partial indexes and foreign keys for the block, then
    recreate them as they were (each foreign key checked once over all rows). Runs in the
    caller's transaction: if anything fails they come back with the rollback. The tables are
    locked against every reader and writer until the caller commits."""
    session.execute(text(f"SET LOCAL lock_timeout = '{LOCK_TIMEOUT}'"))
    session.execute(text(f"SET LOCAL maintenance_work_mem = '{BUILD_MEMORY}'"))
    indexes, keys = structures(session, tables)
    for table, name, _ in keys:
        session.execute(text(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"'))
    for name, _ in indexes:
        session.execute(text(f'DROP INDEX "{name}"'))
    yield
    for _, definition in indexes:
        session.execute(text(definition))
    for table, name, definition in keys:
        session.execute(text(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}'))
