"""`flask demands escalate`, `flask taxonomy load`: the service list's commands."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup

from layers import escalation, taxonomy

demands_cli = AppGroup("demands", help="诉求 Demands.")
taxonomy_cli = AppGroup("taxonomy", help="部门与分类 Departments and categories.")


@demands_cli.command("escalate")
def escalate() -> None:
    """Flag overdue demands and escalate them one level; safe to run every minute."""
    with current_app.config["SESSION_FACTORY"]() as session:
        changed = escalation.escalate_overdue(session)
        session.commit()
    click.echo(f"{changed} demands flagged or escalated")


@taxonomy_cli.command("load")
def load() -> None:
    """Add the standard departments and categories that are missing."""
    with current_app.config["SESSION_FACTORY"]() as session:
        added = taxonomy.load_taxonomy(session)
        session.commit()
    click.echo(f"{added} departments/categories added")
