"""`flask members link`: tie a staff login to a grid member (e.g. a rider's phone login)."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from layers.access import roles
from layers.access.actors import Actor
from layers.members import logins as member_logins
from layers.members import store as members
from web.core.cli import command_session, run

CLI_ADMIN = Actor(role=roles.ADMIN, name="命令行（command line）")
members_cli = AppGroup("members", help="网格成员 Grid members.")


@members_cli.command("link")
@click.argument("member_id", type=int)
@click.argument("login", required=False)
def link(member_id: int, login: str | None) -> None:
    """Link LOGIN (a staff user name) to MEMBER_ID; without LOGIN, remove the link."""
    with command_session() as session:  # the page's rules and audit, as a city-wide admin
        if login:
            member_logins.link(session, CLI_ADMIN, member_id, login)
        else:
            member_logins.unlink(session, CLI_ADMIN, member_id)
    click.echo(f"member {member_id} → {login or '(no login)'}")


@members_cli.command("prune-positions")
@click.option("--keep-days", type=int, default=90, show_default=True,
              help="保留最近多少天的位置历史 (days of position history to keep).")
def prune_positions(keep_days: int) -> None:
    """Delete members' position history older than --keep-days (the latest positions stay);
    run it daily from cron when positions are reported every few minutes."""
    n = run(lambda session: members.prune_positions(session, keep_days))
    click.echo(f"{n} position reports older than {keep_days} days deleted")

