"""The tables of this package, declared once (the migrations are their history)."""

from __future__ import annotations

from sqlalchemy import Boolean, Column, DateTime, Integer, String, Table

from gis.models import METADATA

OPEN311_CLIENTS = Table(
    "open311_clients", METADATA,
    Column("id", Integer, primary_key=True),
    Column("name", String(100), nullable=False),
    Column("key_hash", String(64), nullable=False),
    Column("active", Boolean, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)
