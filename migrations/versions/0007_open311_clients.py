"""Open311 GeoReport v2 clients: the applications allowed to post requests, by API key hash.

Revision ID: 0007
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "open311_clients",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("key_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("active", sa.Boolean, nullable=False, server_default=sa.true()),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False,
                  server_default=sa.func.now()),
        sa.CheckConstraint("key_hash ~ '^[0-9a-f]{64}$'", name="open311_key_hash_sha256"),
        sa.CheckConstraint("length(btrim(name)) > 0", name="open311_client_named"),
    )


def downgrade() -> None:
    op.drop_table("open311_clients")
