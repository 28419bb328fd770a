"""Demands, their append-only event log, daily code counters, idempotency keys, audit log.

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op
from geoalchemy2 import Geometry
from sqlalchemy.dialects.postgresql import JSONB

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

STATES = "('received', 'dispatched', 'signed', 'resolved', 'verified', 'closed', 'merged')"
SOURCES = "('online_group', 'grid_visit', 'rider_snapshot', 'hotline', 'resident_meeting', " \
          "'supervision_line', 'other')"


def _demands() -> None:
    op.create_table(
        "demands",
        sa.Column("id", sa.BigInteger, primary_key=True),
        sa.Column("code", sa.String(20), nullable=False, unique=True),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("description", sa.Text, nullable=False, server_default=""),
        sa.Column("category_code", sa.String(10), sa.ForeignKey("categories.code"),
                  nullable=False),
        sa.Column("state", sa.String(12), nullable=False),
        sa.Column("source", sa.String(20), nullable=False),
        sa.Column("geom", Geometry("POINT", srid=4326, spatial_index=False), nullable=False),
        sa.Column("input_crs", sa.String(6), nullable=False),
        sa.Column("input_lon", sa.Float, nullable=True),
        sa.Column("input_lat", sa.Float, nullable=True),
        sa.Column("address", sa.String(300), nullable=False, server_default=""),
        sa.Column("grid_id", sa.Integer, sa.ForeignKey("grids.id"), nullable=False),
        sa.Column("grid_code", sa.String(15), nullable=False),
        sa.Column("reporter_name", sa.String(50), nullable=True),
        sa.Column("reporter_phone", sa.String(20), nullable=True),
        sa.Column("follow_token_hash", sa.String(64), nullable=True),
        sa.Column("assignee_department_code", sa.String(20), sa.ForeignKey("departments.code"),
                  nullable=True),
        sa.Column("assignee_user_id", sa.Integer, sa.ForeignKey("users.id"), nullable=True),
        sa.Column("assignee_community_code", sa.String(12), nullable=True),
        sa.Column("duplicate_of", sa.BigInteger, sa.ForeignKey("demands.id"), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False,
                  server_default=sa.func.now()),
        sa.Column("deadline", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sign_deadline", sa.DateTime(timezone=True), nullable=True),
        sa.Column("dispatched_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("signed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("verified_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("overdue", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("escalation_level", sa.SmallInteger, nullable=False, server_default="0"),
        sa.Column("rating_solved", sa.Boolean, nullable=True),
        sa.Column("rating_satisfaction", sa.String(12), nullable=True),
        sa.Column("rated_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(f"state IN {STATES}", name="state_known"),
        sa.CheckConstraint(f"source IN {SOURCES}", name="source_known"),
        sa.CheckConstraint("input_crs IN ('wgs84', 'gcj02', 'bd09', 'grid')", name="crs_known"),
        sa.CheckConstraint("escalation_level BETWEEN 0 AND 2", name="escalation_range"),
        sa.CheckConstraint(
            "rating_satisfaction IS NULL OR rating_satisfaction IN "
            "('satisfied', 'basic', 'dissatisfied')", name="satisfaction_known"),
    )
    op.create_index("ix_demands_state", "demands", ["state"])
    op.create_index("ix_demands_grid_code", "demands", ["grid_code"],
                    postgresql_ops={"grid_code": "text_pattern_ops"})
    op.create_index("ix_demands_category_code", "demands", ["category_code"])
    op.create_index("ix_demands_created_at", "demands", ["created_at"])
    op.create_index("ix_demands_duplicate_of", "demands", ["duplicate_of"])
    op.create_index("ix_demands_geom", "demands", ["geom"], postgresql_using="gist")
    op.execute("CREATE INDEX ix_demands_geog ON demands USING gist ((geom::geography))")
    op.create_index("ix_demands_open_deadline", "demands", ["deadline"],
                    postgresql_where=sa.text("state NOT IN ('closed', 'merged')"))


def _events() -> None:
    op.create_table(
        "demand_events",
        sa.Column("id", sa.BigInteger, primary_key=True),
        sa.Column("demand_id", sa.BigInteger, sa.ForeignKey("demands.id"), nullable=False),
        sa.Column("action", sa.String(12), nullable=False),
        sa.Column("from_state", sa.String(12), nullable=True),
        sa.Column("to_state", sa.String(12), nullable=False),
        sa.Column("actor_user_id", sa.Integer, sa.ForeignKey("users.id"), nullable=True),
        sa.Column("actor_role", sa.String(20), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False,
                  server_default=sa.func.clock_timestamp()),
        sa.Column("note", sa.Text, nullable=False, server_default=""),
        sa.Column("payload", JSONB, nullable=False, server_default="{}"),
        sa.Column("geom", Geometry("POINT", srid=4326, spatial_index=False), nullable=True),
    )
    op.create_index("ix_demand_events_demand_id", "demand_events", ["demand_id", "id"])
    op.execute(
        "CREATE FUNCTION demand_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ "
        "BEGIN RAISE EXCEPTION 'demand_events is append-only'; END $$"
    )
    op.execute(
        "CREATE TRIGGER demand_events_append_only BEFORE UPDATE OR DELETE ON demand_events "
        "FOR EACH ROW EXECUTE FUNCTION demand_events_append_only()"
    )


def upgrade() -> None:
    _demands()
    _events()
    op.create_table(
        "demand_counters",
        sa.Column("day", sa.Date, primary_key=True),
        sa.Column("last", sa.Integer, nullable=False),
    )
    op.create_table(
        "idempotency_keys",
        sa.Column("key", sa.String(100), primary_key=True),
        sa.Column("request_hash", sa.String(64), nullable=False),
        sa.Column("status", sa.SmallInteger, nullable=False),
        sa.Column("response", JSONB, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False,
                  server_default=sa.func.now()),
    )


    op.create_table(
        "audit_log",
        sa.Column("id", sa.BigInteger, primary_key=True),
        sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id"), nullable=True),
        sa.Column("action", sa.String(30), nullable=False),
        sa.Column("subject", sa.String(100), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False,
                  server_default=sa.func.now()),
    )


def downgrade() -> None:
    op.drop_table("audit_log")
    op.drop_table("idempotency_keys")
    op.drop_table("demand_counters")
    op.execute("DROP TRIGGER demand_events_append_only ON demand_events")
    op.execute("DROP FUNCTION demand_events_append_only()")
    op.drop_table("demand_events")
    op.drop_table("demands")
