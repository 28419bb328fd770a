"""The tables of this package, declared once (the migrations are their history)."""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, DateTime, ForeignKey, Integer, String, Table, Text

from gis.models import METADATA

RIDER_ACTIVITIES = Table(
    "rider_activities", METADATA,
    Column("id", BigInteger, primary_key=True),
    Column("member_id", Integer, ForeignKey("members.id", ondelete="CASCADE"), nullable=False),
    Column("kind", String(10), nullable=False),
    Column("count", Integer, nullable=False),
    Column("note", String(500), nullable=False),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("recorded_by", Integer, ForeignKey("users.id"), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

REVIEW_REQUESTS = Table(
    "review_requests", METADATA,
    Column("id", BigInteger, primary_key=True),
    Column("member_id", Integer, ForeignKey("members.id", ondelete="CASCADE"), nullable=False),
    Column("platform", String(30), nullable=False),
    Column("order_ref", String(60), nullable=False),
    Column("reason", Text, nullable=False),
    Column("state", String(10), nullable=False),
    Column("community_code", String(12), ForeignKey("communities.code"), nullable=False),
    Column("requested_by", Integer, ForeignKey("users.id")),
    Column("decided_by", Integer, ForeignKey("users.id")),
    Column("decided_at", DateTime(timezone=True)),
    Column("note", String(500), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)
