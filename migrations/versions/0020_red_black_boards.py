"""红黑榜: the published boards of streets and departments per reporting period.

Publishing freezes a board: the ranked places with their figures, the excluded units and the
rules used (weights, min_ratings, basic_is_satisfied, N) are stored as they were shown, so
later data or changed weights never change a published board. A level's period is
published once (unique level, period).

Revision ID: 0020
Revises: 0019
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "red_black_boards",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("level", sa.String(10), nullable=False),
        sa.Column("period", sa.String(7), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=False,
                  server_default=sa.func.now()),
        sa.Column("published_by", sa.Integer, sa.ForeignKey("users.id", ondelete="SET NULL")),
        sa.Column("published_by_name", sa.String(50), nullable=False),
        sa.Column("weights", JSONB, nullable=False),
        sa.Column("min_ratings", sa.Integer, nullable=False),
        sa.Column("basic_is_satisfied", sa.Boolean, nullable=False),
        sa.Column("n", sa.Integer, nullable=False),
        sa.Column("ranked", sa.Integer, nullable=False),
        sa.Column("red", JSONB, nullable=False),
        sa.Column("black", JSONB, nullable=False),
        sa.Column("excluded", JSONB, nullable=False),
        sa.CheckConstraint("level IN ('street', 'department')", name="board_level_known"),
        sa.CheckConstraint("n BETWEEN 1 AND 50", name="board_n_range"),
        sa.UniqueConstraint("level", "period", name="uq_red_black_board_period"),
    )


def downgrade() -> None:
    op.drop_table("red_black_boards")
