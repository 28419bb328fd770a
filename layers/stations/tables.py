"""The tables of this package, declared once (the migrations are their history)."""

from __future__ import annotations

from geoalchemy2 import Geometry
from sqlalchemy import Boolean, Column, DateTime, Integer, String, Table
from sqlalchemy.dialects.postgresql import ARRAY

from gis.models import METADATA
from gis.srid import STORAGE

STATIONS = Table(
    "stations", METADATA,
    Column("id", Integer, primary_key=True),
    Column("kind", String(20), nullable=False),
    Column("name", String(100), nullable=False),
    Column("address", String(300), nullable=False),
    Column("services", ARRAY(String(length=20)), nullable=False),
    Column("opening_hours", String(100), nullable=False),
    Column("grid_code", String(15)),
    Column("geom", Geometry("POINT", STORAGE), nullable=False),
    Column("active", Boolean, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)
