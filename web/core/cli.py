"""`flask db upgrade|downgrade` (the database migrations), and the session every command
group works in (`command_session`, `run`)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy.orm import Session

from gis import migrate
from gis.errors import DomainError

db_cli = AppGroup("db", help="数据库迁移 Database migrations.")


@db_cli.command("upgrade")
@click.argument("revision", default="head")
def db_upgrade(revision: str) -> None:
    """Create the database when missing and migrate it up."""
    migrate.upgrade(current_app.config["DATABASE_URL"], revision)
    click.echo(f"database at {revision}")


@db_cli.command("downgrade")
@click.argument("revision", default="base")
def db_downgrade(revision: str) -> None:
    """Migrate the database down (default: to nothing)."""
    migrate.downgrade(current_app.config["DATABASE_URL"], revision)
    click.echo(f"database at {revision}")


@contextmanager
def command_session() -> Iterator[Session]:
    """Yield a session committed on success; a domain error rolls back and becomes a clean
    CLI error (its Chinese message, exit status 1)."""
    with current_app.config["SESSION_FACTORY"]() as session:
        try:
            yield session
            session.commit()
        except DomainError as exc:
            session.rollback()
            raise click.ClickException(str(exc)) from None


def run(work: Callable[[Session], Any]) -> Any:
    """Return what `work(session)` returns, run in a `command_session`."""
    with command_session() as session:
        return work(session)
