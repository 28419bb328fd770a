"""Indexes on demand columns that are mostly empty hold only the rows that have a value.

`assignee_member_id`, `assignee_user_id` and `duplicate_of` are NULL for most demands (every
imported history row, every demand sent to a department or a community): their full indexes
(0005, 0010) stored an entry per demand and were updated by every intake and import row. Every
query on them is `column = value`, which implies `IS NOT NULL`, so the planner uses the partial
index for all of them. A bulk import no longer rebuilds them (partial indexes are left in place).

Revision ID: 0017
Revises: 0016
"""

from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None

SPARSE = ("assignee_member_id", "assignee_user_id", "duplicate_of")


def upgrade() -> None:
    for column in SPARSE:
        op.drop_index(f"ix_demands_{column}", "demands")
        op.create_index(f"ix_demands_{column}", "demands", [column],
                        postgresql_where=f"{column} IS NOT NULL")


def downgrade() -> None:
    for column in SPARSE:
        op.drop_index(f"ix_demands_{column}", "demands")
        op.create_index(f"ix_demands_{column}", "demands", [column])
