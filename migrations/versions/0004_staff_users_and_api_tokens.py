"""Staff accounts (role, hierarchy scope, department, argon2 hash) and their API tokens.

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

ROLES = (
    "dispatcher",
    "grid_worker",
    "community_staff",
    "department_staff",
    "supervisor",
    "leader",
    "admin",
)


def upgrade() -> None:
    role_list = ", ".join(f"'{r}'" for r in ROLES)
    op.create_table(
        "users",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(40), nullable=False, unique=True),
        sa.Column("display_name", sa.String(50), nullable=False),
        sa.Column("role", sa.String(20), nullable=False),
        sa.Column("scope_code", sa.String(15), nullable=True),
        sa.Column(
            "department_code", sa.String(20), sa.ForeignKey("departments.code"), nullable=True
        ),
        sa.Column("personal_data", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("password_hash", sa.String(255), nullable=False),
        sa.Column("active", sa.Boolean, nullable=False, server_default=sa.true()),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
        ),
        sa.CheckConstraint(f"role IN ({role_list})", name="role_known"),
        sa.CheckConstraint(
            "scope_code IS NULL OR scope_code ~ '^([0-9]{6}|[0-9]{9}|[0-9]{12}|[0-9]{15})$'",
            name="scope_code_digits",
        ),
        sa.CheckConstraint(
            "role <> 'department_staff' OR department_code IS NOT NULL",
            name="department_staff_has_department",
        ),
        sa.CheckConstraint("name = lower(name) AND length(name) >= 2", name="name_lowercase"),
    )
    op.create_index("ix_users_department_code", "users", ["department_code"])
    op.create_table(
        "api_tokens",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "user_id", sa.Integer, sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
        ),
        sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.CheckConstraint("token_hash ~ '^[0-9a-f]{64}$'", name="token_hash_sha256"),
    )
    op.create_index("ix_api_tokens_user_id", "api_tokens", ["user_id"])


def downgrade() -> None:
    op.drop_table("api_tokens")
    op.drop_table("users")
