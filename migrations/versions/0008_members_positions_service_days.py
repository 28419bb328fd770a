"""Grid members (six kinds) with responsible grids, positions (latest + history), department
service areas, professional members' service days, and the member a demand is assigned to.

Revision ID: 0008
Revises: 0007
"""

import sqlalchemy as sa
from alembic import op
from geoalchemy2 import Geometry

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

KINDS = "('grid_leader', 'grid_worker', 'professional', 'part_time', 'rider', 'volunteer')"


def _members() -> None:
    op.create_table(
        "members",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("kind", sa.String(12), nullable=False),
        sa.Column("name", sa.String(50), nullable=False),
        sa.Column("phone", sa.String(20), nullable=True),
        sa.Column("department_code", sa.String(20), sa.ForeignKey("departments.code"),
                  nullable=True),
        sa.Column("organisation", sa.String(100), nullable=True),
        sa.Column("platform", sa.String(30), nullable=True),
        sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id"), nullable=True, unique=True),
        sa.Column("on_duty", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("active", sa.Boolean, nullable=False, server_default=sa.true()),
        sa.Column("position", Geometry("POINT", srid=4326, spatial_index=False), nullable=True),
        sa.Column("position_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("position_accuracy_m", sa.Float, nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False,
                  server_default=sa.func.now()),
        sa.CheckConstraint(f"kind IN {KINDS}", name="kind_known"),
        sa.CheckConstraint("kind <> 'professional' OR department_code IS NOT NULL",
                           name="professional_has_department"),
    )
    op.create_index("ix_members_kind_department", "members", ["kind", "department_code"])
    op.execute("CREATE INDEX ix_members_position_geog ON members USING gist "
               "((position::geography)) WHERE active AND position IS NOT NULL")
    op.create_table(
        "member_grids",
        sa.Column("member_id", sa.Integer, sa.ForeignKey("members.id", ondelete="CASCADE"),
                  primary_key=True),
        sa.Column("grid_code", sa.String(15), primary_key=True),
        sa.CheckConstraint("grid_code ~ '^[0-9]{15}$'", name="grid_code_digits"),
    )
    op.create_index("ix_member_grids_grid_code", "member_grids", ["grid_code"])


def _positions() -> None:
    op.create_table(
        "member_positions",
        sa.Column("id", sa.BigInteger, primary_key=True),
        sa.Column("member_id", sa.Integer, sa.ForeignKey("members.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("geom", Geometry("POINT", srid=4326, spatial_index=False), nullable=False),
        sa.Column("input_crs", sa.String(6), nullable=False),
        sa.Column("accuracy_m", sa.Float, nullable=False),
        sa.Column("reported_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False,
                  server_default=sa.func.now()),
    )
    op.create_index("ix_member_positions_member", "member_positions",
                    ["member_id", "reported_at"])


def upgrade() -> None:
    _members()
    _positions()
    op.create_table(
        "department_areas",
        sa.Column("department_code", sa.String(20), sa.ForeignKey("departments.code"),
                  primary_key=True),
        sa.Column("area_code", sa.String(15), primary_key=True),
        sa.CheckConstraint("area_code ~ '^([0-9]{6}|[0-9]{9}|[0-9]{12}|[0-9]{15})$'",
                           name="area_code_level"),
    )
    op.create_table(
        "member_service_days",
        sa.Column("id", sa.BigInteger, primary_key=True),
        sa.Column("member_id", sa.Integer, sa.ForeignKey("members.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("day", sa.Date, nullable=False),
        sa.Column("community_code", sa.String(12), nullable=False),
        sa.Column("check_in_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("check_in", Geometry("POINT", srid=4326, spatial_index=False), nullable=False),
        sa.Column("check_out_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("check_out", Geometry("POINT", srid=4326, spatial_index=False), nullable=True),
        sa.UniqueConstraint("member_id", "day", name="uq_member_service_days_member_day"),
    )
    op.add_column("demands", sa.Column("assignee_member_id", sa.Integer,
                                       sa.ForeignKey("members.id"), nullable=True))
    op.create_index("ix_demands_open_member", "demands", ["assignee_member_id"],
                    postgresql_where=sa.text("state NOT IN ('closed', 'merged')"))


def downgrade() -> None:
    op.drop_index("ix_demands_open_member", "demands")
    op.drop_column("demands", "assignee_member_id")
    op.drop_table("member_service_days")
    op.drop_table("department_areas")
    op.drop_table("member_positions")
    op.drop_table("member_grids")
    op.drop_table("members")
