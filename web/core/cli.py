"""`flask db upgrade|downgrade`: the database migrations."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup

from gis import migrate

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
