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
    String,
    Table,
)

from gis.models import METADATA
from gis.srid import STORAGE

MEMBERS = Table(
    "members", METADATA,
    Column("id", Integer, primary_key=True),
    Column("kind", String(12), nullable=False),
    Column("name", String(50), nullable=False),
    Column("phone", String(20)),
    Column("department_code", String(20), ForeignKey("departments.code")),
    Column("organisation", String(100)),
    Column("platform", String(30)),
    Column("user_id", Integer, ForeignKey("users.id")),
    Column("on_duty", Boolean, nullable=False),
    Column("active", Boolean, nullable=False),
    Column("position", Geometry("POINT", STORAGE)),
    Column("position_at", DateTime(timezone=True)),
    Column("position_accuracy_m", Double),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

MEMBER_GRIDS = Table(
    "member_grids", METADATA,
    Column("member_id", Integer, ForeignKey("members.id", ondelete="CASCADE"), primary_key=True),
    Column("grid_code", String(15), primary_key=True),
)

MEMBER_POSITIONS = Table(
    "member_positions", METADATA,
    Column("id", BigInteger, primary_key=True),
    Column("member_id", Integer, ForeignKey("members.id", ondelete="CASCADE"), nullable=False),
    Column("geom", Geometry("POINT", STORAGE), nullable=False),
    Column("input_crs", String(6), nullable=False),
    Column("accuracy_m", Double, nullable=False),
    Column("reported_at", DateTime(timezone=True), nullable=False),
    Column("received_at", DateTime(timezone=True), nullable=False),
)

MEMBER_SERVICE_DAYS = Table(
    "member_service_days", METADATA,
    Column("id", BigInteger, primary_key=True),
    Column("member_id", Integer, ForeignKey("members.id", ondelete="CASCADE"), nullable=False),
    Column("day", Date, nullable=False),
    Column("community_code", String(12), nullable=False),
    Column("check_in_at", DateTime(timezone=True), nullable=False),
    Column("check_in", Geometry("POINT", STORAGE), nullable=False),
    Column("check_out_at", DateTime(timezone=True)),
    Column("check_out", Geometry("POINT", STORAGE)),
)
