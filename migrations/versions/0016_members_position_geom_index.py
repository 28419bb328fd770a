"""A GiST index on members' positions as geometry, for the member map's viewport queries.

`ix_members_position_geog` (0008) indexes `position::geography` for KNN and distances; a
bounding-box test `position && ST_MakeEnvelope(…, 4326)` (GET /api/v1/members/on-duty) needs
an index on the geometry itself. Partial like the other: active members with a position.

Revision ID: 0016
Revises: 0015
"""

from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("CREATE INDEX ix_members_position ON members USING gist (position) "
               "WHERE active AND position IS NOT NULL")


def downgrade() -> None:
    op.drop_index("ix_members_position", "members")
