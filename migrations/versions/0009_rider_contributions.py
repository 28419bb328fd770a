"""Rider contributions (流动网格员): the rider who filed a demand (随手拍), help given (随手帮)
and leaflets handed out (随口宣), and requests to negotiate away a bad review (差评消消乐).

Revision ID: 0009
Revises: 0008
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def _activities() -> None:
    op.create_table(
        "rider_activities",
        sa.Column("id", sa.BigInteger, primary_key=True),
        sa.Column("member_id", sa.Integer, sa.ForeignKey("members.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("kind", sa.String(10), nullable=False),
        sa.Column("count", sa.Integer, nullable=False),
        sa.Column("note", sa.String(500), nullable=False, server_default=""),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recorded_by", sa.Integer, sa.ForeignKey("users.id"), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False,
                  server_default=sa.func.now()),
        sa.CheckConstraint("kind IN ('help', 'leaflets')", name="kind_known"),
        sa.CheckConstraint("count > 0", name="count_positive"),
    )
    op.create_index("ix_rider_activities_member_at", "rider_activities", ["member_id", "at"])


def _review_requests() -> None:
    op.create_table(
        "review_requests",
        sa.Column("id", sa.BigInteger, primary_key=True),
        sa.Column("member_id", sa.Integer, sa.ForeignKey("members.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("platform", sa.String(30), nullable=False),
        sa.Column("order_ref", sa.String(60), nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("state", sa.String(10), nullable=False, server_default="pending"),
        sa.Column("community_code", sa.String(12), sa.ForeignKey("communities.code"),
                  nullable=False),
        sa.Column("requested_by", sa.Integer, sa.ForeignKey("users.id"), nullable=True),
        sa.Column("decided_by", sa.Integer, sa.ForeignKey("users.id"), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("note", sa.String(500), nullable=False, server_default=""),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False,
                  server_default=sa.func.now()),
        sa.CheckConstraint("state IN ('pending', 'approved', 'declined')", name="state_known"),
        sa.CheckConstraint("(state = 'pending') = (decided_at IS NULL)", name="decided_when"),
    )
    op.create_index("ix_review_requests_member", "review_requests", ["member_id", "created_at"])
    op.create_index("ix_review_requests_state_community", "review_requests",
                    ["state", "community_code"])
    op.create_index("uq_review_requests_pending_order", "review_requests",
                    ["member_id", "platform", "order_ref"], unique=True,
                    postgresql_where=sa.text("state = 'pending'"))


def upgrade() -> None:
    op.add_column("demands", sa.Column("reporter_member_id", sa.Integer,
                                       sa.ForeignKey("members.id"), nullable=True))
    op.create_index("ix_demands_reporter_member", "demands", ["reporter_member_id", "created_at"],
                    postgresql_where=sa.text("reporter_member_id IS NOT NULL"))
    _activities()
    _review_requests()


def downgrade() -> None:
    op.drop_table("review_requests")
    op.drop_table("rider_activities")
    op.drop_index("ix_demands_reporter_member", "demands")
    op.drop_column("demands", "reporter_member_id")
