"""`flask demo load`: the synthetic demo city."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup

demo_cli = AppGroup("demo", help="演示数据 The synthetic demo city.")


@demo_cli.command("load")
@click.option("--if-empty", is_flag=True, help="Do nothing when grids are already loaded.")
def demo_load(if_empty: bool) -> None:
    """Load the demo city (824 synthetic grids, the real district outlines, the river)."""
    from grids import demo

    factory = current_app.config["SESSION_FACTORY"]
    with factory() as session:
        if if_empty and demo.has_grids(session):
            click.echo("grids already loaded; demo city not loaded again")
            return
        summary = demo.load(session, seed=current_app.config["GRIDGOV"].demo_seed)
        session.commit()
    click.echo(summary)
