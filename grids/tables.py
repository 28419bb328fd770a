"""The tables of this package, declared once (the migrations are their history)."""

from __future__ import annotations

from geoalchemy2 import Geometry
from sqlalchemy import Boolean, Column, DateTime, Double, ForeignKey, Integer, String, Table, Text

from gis.models import METADATA
from gis.srid import STORAGE

DISTRICTS = Table(
    "districts", METADATA,
    Column("code", String(6), primary_key=True),
    Column("name", String(50), nullable=False),
    Column("boundary", Geometry("MULTIPOLYGON", STORAGE)),
)

STREETS = Table(
    "streets", METADATA,
    Column("code", String(9), primary_key=True),
    Column("name", String(50), nullable=False),
    Column("district_code", String(6), ForeignKey("districts.code"), nullable=False),
)

COMMUNITIES = Table(
    "communities", METADATA,
    Column("code", String(12), primary_key=True),
    Column("name", String(50), nullable=False),
    Column("street_code", String(9), ForeignKey("streets.code"), nullable=False),
)

GRID_SOURCES = Table(
    "grid_sources", METADATA,
    Column("id", Integer, primary_key=True),
    Column("name", String(200), nullable=False),
    Column("synthetic", Boolean, nullable=False),
    Column("note", Text, nullable=False),
    Column("loaded_at", DateTime(timezone=True), nullable=False),
)

GRIDS = Table(
    "grids", METADATA,
    Column("id", Integer, primary_key=True),
    Column("code", String(15), nullable=False),
    Column("name", String(100), nullable=False),
    Column("kind", String(10), nullable=False),
    Column("community_code", String(12), ForeignKey("communities.code"), nullable=False),
    Column("geom", Geometry("MULTIPOLYGON", STORAGE), nullable=False),
    Column("area_m2", Double, nullable=False),
    Column("households", Integer),
    Column("population", Integer),
    Column("source_id", Integer, ForeignKey("grid_sources.id")),
    Column("valid_from", DateTime(timezone=True), nullable=False),
    Column("valid_to", DateTime(timezone=True)),
)

RIVERS = Table(
    "rivers", METADATA,
    Column("id", Integer, primary_key=True),
    Column("name", String(50), nullable=False),
    Column("geom", Geometry("MULTILINESTRING", STORAGE), nullable=False),
    Column("synthetic", Boolean, nullable=False),
    Column("note", Text, nullable=False),
)
