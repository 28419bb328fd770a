"""`flask open311 …`: issue and revoke the api_keys of Open311 GeoReport v2 clients."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from layers.open311 import post as open311_post
from web.core.cli import run

open311_cli = AppGroup("open311", help="Open311 客户端密钥 GeoReport v2 client api_keys.")


@open311_cli.command("key")
@click.argument("name")
def open311_key(name: str) -> None:
    """Print a new api_key for the client NAME (shown only once; only its hash is kept)."""
    click.echo(run(lambda s: open311_post.issue_key(s, name)))


@open311_cli.command("revoke")
@click.argument("name")
def open311_revoke(name: str) -> None:
    """Deactivate every api_key of the client NAME."""
    count = run(lambda s: open311_post.revoke_keys(s, name))
    click.echo(f"revoked {count} key(s) of {name}")
