"""The tables of this package, declared once (the migrations are their history)."""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, DateTime, ForeignKey, Integer, String, Table

from gis.models import METADATA

AUDIT_LOG = Table(
    "audit_log", METADATA,
    Column("id", BigInteger, primary_key=True),
    Column("user_id", Integer, ForeignKey("users.id")),
    Column("action", String(30), nullable=False),
    Column("subject", String(100), nullable=False),
    Column("at", DateTime(timezone=True), nullable=False),
)
