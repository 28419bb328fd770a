"""`flask members link`: tie a staff login to a grid member (e.g. a rider's phone login)."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup

from gis.errors import DomainError
from layers import members, users

members_cli = AppGroup("members", help="网格成员 Grid members.")


@members_cli.command("link")
@click.argument("member_id", type=int)
@click.argument("login", required=False)
def link(member_id: int, login: str | None) -> None:
    """Link LOGIN (a staff user name) to MEMBER_ID; without LOGIN, remove the link."""
    with current_app.config["SESSION_FACTORY"]() as session:
        try:
            user = users.get_user(session, login) if login else None
            if login and user is None:
                raise click.ClickException(f"没有用户 {login}（unknown login）")
            members.link_login(session, member_id, user.id if user else None)
        except DomainError as err:
            raise click.ClickException(str(err)) from None
        session.commit()
    click.echo(f"member {member_id} → {login or '(no login)'}")
