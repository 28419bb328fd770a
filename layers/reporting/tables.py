"""The tables of this package, declared once (the migrations are their history)."""

from __future__ import annotations

from sqlalchemy import Boolean, Column, DateTime, ForeignKey, Integer, String, Table
from sqlalchemy.dialects.postgresql import JSONB

from gis.models import METADATA

BOARDS = Table(
    "red_black_boards", METADATA,
    Column("id", Integer, primary_key=True),
    Column("level", String(10), nullable=False),
    Column("period", String(7), nullable=False),
    Column("published_at", DateTime(timezone=True), nullable=False),
    Column("published_by", Integer, ForeignKey("users.id", ondelete="SET NULL")),
    Column("published_by_name", String(50), nullable=False),
    Column("weights", JSONB, nullable=False),
    Column("min_ratings", Integer, nullable=False),
    Column("basic_is_satisfied", Boolean, nullable=False),
    Column("n", Integer, nullable=False),
    Column("ranked", Integer, nullable=False),
    Column("red", JSONB, nullable=False),
    Column("black", JSONB, nullable=False),
    Column("excluded", JSONB, nullable=False),
)
"""红黑榜 as published: the places with their figures and the rules used, frozen."""
