"""`flask demo load`: the synthetic demo city, the standard taxonomy and one user per role."""

from __future__ import annotations

import time

import click
from flask import current_app
from flask.cli import AppGroup

from grids import demo
from layers import demo_backlog, demo_people, taxonomy, users

demo_cli = AppGroup("demo", help="演示数据 The synthetic demo city.")


@demo_cli.command("load")
@click.option("--if-empty", is_flag=True, help="Keep the grids when some are already loaded.")
def demo_load(if_empty: bool) -> None:
    """Load the demo city (824 synthetic grids, real district outlines, the river), the
    standard departments and categories, and one demo account per role."""
    factory = current_app.config["SESSION_FACTORY"]
    with factory() as session:
        if if_empty and demo.has_grids(session):
            click.echo("grids already loaded; demo city not loaded again")
        else:
            click.echo(demo.load(session, seed=current_app.config["GRIDGOV"].demo_seed))
        added = taxonomy.load_taxonomy(session)
        accounts = users.create_demo_users(session)
        session.commit()
        _people_and_backlog(session, current_app.config["GRIDGOV"].demo_seed)
    click.echo(f"{added} departments/categories added")
    for name, role, password in accounts:
        click.echo(f"demo account  {name:<18} role {role:<18} password {password}")


def _people_and_backlog(session, seed: int) -> None:
    """Load the demo members when there are none, then the demand backlog when there is no
    demand at all; commit each and print the counts."""
    if not demo_people.has_members(session):
        click.echo(f"{demo_people.load(session, seed=seed)} members added")
        session.commit()
    if not demo_backlog.has_demands(session):
        started = time.perf_counter()
        n = demo_backlog.load(session, seed=seed)
        session.commit()
        click.echo(f"{n} demands added ({time.perf_counter() - started:.1f} s)")
