"""Command-line interface: `flask db …`, `flask demo …`, `flask grids …`."""

from __future__ import annotations

import click
from flask import Flask, current_app
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


def init_app(app: Flask) -> None:
    """Register every command group."""
    from web.cli_demands import demands_cli, taxonomy_cli
    from web.cli_demo import demo_cli
    from web.cli_grids import grids_cli
    from web.cli_members import members_cli
    from web.cli_open311 import open311_cli
    from web.cli_users import users_cli

    app.cli.add_command(db_cli)
    app.cli.add_command(demo_cli)
    app.cli.add_command(members_cli)
    app.cli.add_command(grids_cli)
    app.cli.add_command(users_cli)
    app.cli.add_command(open311_cli)
    app.cli.add_command(demands_cli)
    app.cli.add_command(taxonomy_cli)
