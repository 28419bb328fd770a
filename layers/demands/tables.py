"""The tables of this package, declared once (the migrations are their history)."""

from __future__ import annotations

from geoalchemy2 import Geometry
from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    Double,
    ForeignKey,
    Integer,
    SmallInteger,
    String,
    Table,
    Text,
)
from sqlalchemy.dialects.postgresql import JSONB

from gis.models import METADATA
from gis.srid import STORAGE

DEPARTMENTS = Table(
    "departments", METADATA,
    Column("code", String(20), primary_key=True),
    Column("name", String(100), nullable=False),
    Column("short_name", String(20), nullable=False),
    Column("active", Boolean, nullable=False),
)

DEPARTMENT_AREAS = Table(
    "department_areas", METADATA,
    Column("department_code", String(20), ForeignKey("departments.code"), primary_key=True),
    Column("area_code", String(15), primary_key=True),
)

CATEGORIES = Table(
    "categories", METADATA,
    Column("code", String(10), primary_key=True),
    Column("name", String(50), nullable=False),
    Column("parent_code", String(10), ForeignKey("categories.code")),
    Column("department_code", String(20), ForeignKey("departments.code")),
    Column("community_solvable", Boolean, nullable=False),
    Column("limit_amount", Integer),
    Column("limit_unit", String(12)),
    Column("urgent", Boolean, nullable=False),
    Column("auto_dispatch", Boolean, nullable=False),
    Column("active", Boolean, nullable=False),
)

CALENDAR_DAYS = Table(
    "calendar_days", METADATA,
    Column("day", Date, primary_key=True),
    Column("working", Boolean, nullable=False),
    Column("note", String(50), nullable=False),
)

CONFIG_HISTORY = Table(
    "config_history", METADATA,
    Column("id", BigInteger, primary_key=True),
    Column("entity", String(20), nullable=False),
    Column("key", String(40), nullable=False),
    Column("before", JSONB),
    Column("after", JSONB),
    Column("changed_by", String(80), nullable=False),
    Column("changed_at", DateTime(timezone=True), nullable=False),
)

DEMAND_IMPORTS = Table(
    "demand_imports", METADATA,
    Column("id", Integer, primary_key=True),
    Column("file_name", String(255), nullable=False),
    Column("run_by", String(100), nullable=False),
    Column("imported_at", DateTime(timezone=True), nullable=False),
    Column("rows_read", Integer, nullable=False),
    Column("imported", Integer, nullable=False),
    Column("skipped", Integer, nullable=False),
    Column("bulk", Boolean, nullable=False),
)

DEMANDS = Table(
    "demands", METADATA,
    Column("id", BigInteger, primary_key=True),
    Column("code", String(20), nullable=False),
    Column("title", String(200), nullable=False),
    Column("description", Text, nullable=False),
    Column("category_code", String(10), ForeignKey("categories.code"), nullable=False),
    Column("state", String(12), nullable=False),
    Column("source", String(20), nullable=False),
    Column("geom", Geometry("POINT", STORAGE), nullable=False),
    Column("input_crs", String(6), nullable=False),
    Column("input_lon", Double),
    Column("input_lat", Double),
    Column("address", String(300), nullable=False),
    Column("grid_id", Integer, ForeignKey("grids.id"), nullable=False),
    Column("grid_code", String(15), nullable=False),
    Column("reporter_name", String(50)),
    Column("reporter_phone", String(20)),
    Column("follow_token_hash", String(64)),
    Column("assignee_department_code", String(20), ForeignKey("departments.code")),
    Column("assignee_user_id", Integer, ForeignKey("users.id")),
    Column("assignee_community_code", String(12)),
    Column("duplicate_of", BigInteger, ForeignKey("demands.id")),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("deadline", DateTime(timezone=True), nullable=False),
    Column("sign_deadline", DateTime(timezone=True)),
    Column("dispatched_at", DateTime(timezone=True)),
    Column("signed_at", DateTime(timezone=True)),
    Column("resolved_at", DateTime(timezone=True)),
    Column("verified_at", DateTime(timezone=True)),
    Column("closed_at", DateTime(timezone=True)),
    Column("overdue", Boolean, nullable=False),
    Column("escalation_level", SmallInteger, nullable=False),
    Column("rating_solved", Boolean),
    Column("rating_satisfaction", String(12)),
    Column("rated_at", DateTime(timezone=True)),
    Column("assignee_member_id", Integer, ForeignKey("members.id")),
    Column("reporter_member_id", Integer, ForeignKey("members.id")),
    Column("import_id", Integer, ForeignKey("demand_imports.id")),
    Column("import_line", Integer),
)

DEMAND_EVENTS = Table(
    "demand_events", METADATA,
    Column("id", BigInteger, primary_key=True),
    Column("demand_id", BigInteger, ForeignKey("demands.id"), nullable=False),
    Column("action", String(12), nullable=False),
    Column("from_state", String(12)),
    Column("to_state", String(12), nullable=False),
    Column("actor_user_id", Integer, ForeignKey("users.id")),
    Column("actor_role", String(20), nullable=False),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("note", Text, nullable=False),
    Column("payload", JSONB, nullable=False),
    Column("geom", Geometry("POINT", STORAGE)),
)

DEMAND_PHOTOS = Table(
    "demand_photos", METADATA,
    Column("id", BigInteger, primary_key=True),
    Column("demand_id", BigInteger, ForeignKey("demands.id"), nullable=False),
    Column("event_id", BigInteger, ForeignKey("demand_events.id")),
    Column("kind", String(8), nullable=False),
    Column("token", String(43), nullable=False),
    Column("width", Integer, nullable=False),
    Column("height", Integer, nullable=False),
    Column("bytes", Integer, nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

DEMAND_COUNTERS = Table(
    "demand_counters", METADATA,
    Column("day", Date, primary_key=True),
    Column("last", Integer, nullable=False),
)

IDEMPOTENCY_KEYS = Table(
    "idempotency_keys", METADATA,
    Column("key", String(100), primary_key=True),
    Column("request_hash", String(64), nullable=False),
    Column("status", SmallInteger, nullable=False),
    Column("response", JSONB, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)
