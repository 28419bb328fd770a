"""Indexes behind member foreign keys and candidate lookups.

Deleting or re-pointing a member must not scan every demand for its assignments, and the
candidate ranking reads member_grids by grid code together with the member id.

Revision ID: 0010
Revises: 0009
"""

from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_demands_assignee_member_id", "demands", ["assignee_member_id"])
    op.create_index("ix_demands_assignee_user_id", "demands", ["assignee_user_id"])
    op.drop_index("ix_member_grids_grid_code", "member_grids")
    op.create_index("ix_member_grids_grid_member", "member_grids", ["grid_code", "member_id"])


def downgrade() -> None:
    op.drop_index("ix_member_grids_grid_member", "member_grids")
    op.create_index("ix_member_grids_grid_code", "member_grids", ["grid_code"])
    op.drop_index("ix_demands_assignee_user_id", "demands")
    op.drop_index("ix_demands_assignee_member_id", "demands")
