"""Departments, the two-level demand categories (with change history) and the working calendar.

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "departments",
        sa.Column("code", sa.String(20), primary_key=True),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("short_name", sa.String(20), nullable=False),
        sa.Column("active", sa.Boolean, nullable=False, server_default=sa.true()),
    )
    op.create_table(
        "categories",
        sa.Column("code", sa.String(10), primary_key=True),
        sa.Column("name", sa.String(50), nullable=False),
        sa.Column("parent_code", sa.String(10), sa.ForeignKey("categories.code"), nullable=True),
        sa.Column(
            "department_code", sa.String(20), sa.ForeignKey("departments.code"), nullable=True
        ),
        sa.Column("community_solvable", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("limit_amount", sa.Integer, nullable=True),
        sa.Column("limit_unit", sa.String(12), nullable=True),
        sa.Column("urgent", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("auto_dispatch", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("active", sa.Boolean, nullable=False, server_default=sa.true()),
        sa.CheckConstraint(
            "(parent_code IS NULL AND limit_amount IS NULL) OR "
            "(parent_code IS NOT NULL AND limit_amount > 0 "
            "AND limit_unit IN ('hours', 'working_days'))",
            name="small_class_has_limit",
        ),
    )
    op.create_index("ix_categories_parent_code", "categories", ["parent_code"])
    op.create_table(
        "config_history",
        sa.Column("id", sa.BigInteger, primary_key=True),
        sa.Column("entity", sa.String(20), nullable=False),
        sa.Column("key", sa.String(40), nullable=False),
        sa.Column("before", JSONB, nullable=True),
        sa.Column("after", JSONB, nullable=True),
        sa.Column("changed_by", sa.String(80), nullable=False),
        sa.Column(
            "changed_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
        ),
    )
    op.create_index("ix_config_history_entity_key", "config_history", ["entity", "key"])
    op.create_table(
        "calendar_days",
        sa.Column("day", sa.Date, primary_key=True),
        sa.Column("working", sa.Boolean, nullable=False),
        sa.Column("note", sa.String(50), nullable=False, server_default=""),
    )


def downgrade() -> None:
    op.drop_table("calendar_days")
    op.drop_table("config_history")
    op.drop_table("categories")
    op.drop_table("departments")
