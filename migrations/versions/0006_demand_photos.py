"""Demand photos: before/after/progress pictures, stored on disk under unguessable tokens.

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "demand_photos",
        sa.Column("id", sa.BigInteger, primary_key=True),
        sa.Column("demand_id", sa.BigInteger, sa.ForeignKey("demands.id"), nullable=False),
        sa.Column("event_id", sa.BigInteger, sa.ForeignKey("demand_events.id"), nullable=True),
        sa.Column("kind", sa.String(8), nullable=False),
        sa.Column("token", sa.String(43), nullable=False, unique=True),
        sa.Column("width", sa.Integer, nullable=False),
        sa.Column("height", sa.Integer, nullable=False),
        sa.Column("bytes", sa.Integer, nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False,
                  server_default=sa.func.now()),
        sa.CheckConstraint("kind IN ('before', 'after', 'progress')", name="photo_kind_known"),
        sa.CheckConstraint("width > 0 AND height > 0 AND bytes > 0", name="photo_size_positive"),
    )
    op.create_index("ix_demand_photos_demand_id", "demand_photos", ["demand_id", "id"])
    op.create_index("ix_demand_photos_event_id", "demand_photos", ["event_id"])


def downgrade() -> None:
    op.drop_table("demand_photos")
