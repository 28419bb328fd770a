"""`flask open311 …`: issue and revoke the api_keys of Open311 GeoReport v2 clients."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy.orm import Session

from gis.errors import DomainError
from layers.open311 import post as open311_post

open311_cli = AppGroup("open311", help="Open311 客户端密钥 GeoReport v2 client api_keys.")


def _run(work: Callable[[Session], Any]) -> Any:
    """Run `work` in a session committed on success; domain errors become CLI errors."""
    with current_app.config["SESSION_FACTORY"]() as session:
        try:
            out = work(session)
        except DomainError as exc:
            session.rollback()
            raise click.ClickException(str(exc)) from exc
        session.commit()
        return out


@open311_cli.command("key")
@click.argument("name")
def open311_key(name: str) -> None:
    """Print a new api_key for the client NAME (shown only once; only its hash is kept)."""
    click.echo(_run(lambda s: open311_post.issue_key(s, name)))


@open311_cli.command("revoke")
@click.argument("name")
def open311_revoke(name: str) -> None:
    """Deactivate every api_key of the client NAME."""
    count = _run(lambda s: open311_post.revoke_keys(s, name))
    click.echo(f"revoked {count} key(s) of {name}")
