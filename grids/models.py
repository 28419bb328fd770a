"""The governance hierarchy: district → street → community → grid, and the river layer."""

from __future__ import annotations

from datetime import datetime

from geoalchemy2 import Geometry
from sqlalchemy import (
    Boolean,
    CheckConstraint,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    func,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from gis.models import Base
from gis.srid import STORAGE

GRID_KINDS = ("基础网格", "专属网格")


class District(Base):
    """A county-level division (6-digit code) with its real boundary when known."""

    __tablename__ = "districts"
    code: Mapped[str] = mapped_column(String(6), primary_key=True)
    name: Mapped[str] = mapped_column(String(50))
    boundary = mapped_column(
        Geometry("MULTIPOLYGON", srid=STORAGE, spatial_index=False), nullable=True
    )
    __table_args__ = (CheckConstraint("code ~ '^[0-9]{6}$'", name="code_digits"),)


class Street(Base):
    """A street (街道) or town (镇), 9-digit code under its district."""

    __tablename__ = "streets"
    code: Mapped[str] = mapped_column(String(9), primary_key=True)
    name: Mapped[str] = mapped_column(String(50))
    district_code: Mapped[str] = mapped_column(ForeignKey("districts.code"), index=True)
    __table_args__ = (
        CheckConstraint("code ~ '^[0-9]{9}$' AND left(code, 6) = district_code", name="code_fits"),
    )


class Community(Base):
    """A community (社区), 12-digit code = street code + 3-digit sequence."""

    __tablename__ = "communities"
    code: Mapped[str] = mapped_column(String(12), primary_key=True)
    name: Mapped[str] = mapped_column(String(50))
    street_code: Mapped[str] = mapped_column(ForeignKey("streets.code"), index=True)
    __table_args__ = (
        CheckConstraint("code ~ '^[0-9]{12}$' AND left(code, 9) = street_code", name="code_fits"),
    )


class GridSource(Base):
    """Where a generation of grid boundaries came from (demo generator or an imported file)."""

    __tablename__ = "grid_sources"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    synthetic: Mapped[bool] = mapped_column(Boolean)
    note: Mapped[str] = mapped_column(Text, default="")
    loaded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class Grid(Base):
    """A community grid (网格), 15-digit code; one row per boundary version (valid_from/to)."""

    __tablename__ = "grids"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(15))
    name: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(10), default="基础网格")
    community_code: Mapped[str] = mapped_column(ForeignKey("communities.code"))
    geom = mapped_column(Geometry("MULTIPOLYGON", srid=STORAGE, spatial_index=False))
    area_m2: Mapped[float] = mapped_column(Float)
    households: Mapped[int | None] = mapped_column(Integer, nullable=True)
    population: Mapped[int | None] = mapped_column(Integer, nullable=True)
    source_id: Mapped[int | None] = mapped_column(ForeignKey("grid_sources.id"), nullable=True)
    valid_from: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )
    valid_to: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    __table_args__ = (
        CheckConstraint(
            "code ~ '^[0-9]{15}$' AND left(code, 12) = community_code", name="code_fits"
        ),
        CheckConstraint("kind IN ('基础网格', '专属网格')", name="kind_known"),
        CheckConstraint("valid_to IS NULL OR valid_to >= valid_from", name="valid_period"),
        Index(
            "uq_grids_current_code", "code", unique=True, postgresql_where=text("valid_to IS NULL")
        ),
        Index(
            "ix_grids_current_geom",
            "geom",
            postgresql_using="gist",
            postgresql_where=text("valid_to IS NULL"),
        ),
        Index("ix_grids_community_code", "community_code"),
    )


class River(Base):
    """A river as a line layer (万宝河); `synthetic` says when the line is only plausible."""

    __tablename__ = "rivers"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(50))
    geom = mapped_column(Geometry("MULTILINESTRING", srid=STORAGE, spatial_index=False))
    synthetic: Mapped[bool] = mapped_column(Boolean)
    note: Mapped[str] = mapped_column(Text, default="")
