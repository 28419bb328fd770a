"""Alembic environment: the URL comes from the caller or GRIDGOV_DATABASE_URL."""

from alembic import context
from sqlalchemy import create_engine

from gis import settings

config = context.config


def _url() -> str:
    return config.attributes.get("url") or settings.load().database_url


def run_migrations_online() -> None:
    """Run the migrations on a live connection (given by the caller, or made from the URL)."""
    connection = config.attributes.get("connection")
    if connection is not None:
        context.configure(connection=connection)
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = create_engine(_url())
    with engine.connect() as conn:
        context.configure(connection=conn)
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


run_migrations_online()
