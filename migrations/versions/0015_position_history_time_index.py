"""A BRIN index on member_positions.reported_at for pruning the position history by age.

`flask members prune-positions` deletes history older than N days; the only index was
(member_id, reported_at), so the DELETE scanned the whole table (≈ 520k rows a day at demo
scale with positions every 5 minutes). Positions arrive in roughly time order, which is what a
BRIN index needs: a few pages of index for millions of rows, nothing noticeable per insert.

Revision ID: 0015
Revises: 0014
"""

from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_member_positions_reported_at", "member_positions", ["reported_at"],
                    postgresql_using="brin")


def downgrade() -> None:
    op.drop_index("ix_member_positions_reported_at", table_name="member_positions")
