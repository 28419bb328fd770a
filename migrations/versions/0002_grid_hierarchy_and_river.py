"""Districts, streets, communities, versioned grids, grid sources and the river layer.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op
from geoalchemy2 import Geometry

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "districts",
        sa.Column("code", sa.String(6), primary_key=True),
        sa.Column("name", sa.String(50), nullable=False),
        sa.Column(
            "boundary",
            Geometry("MULTIPOLYGON", srid=4326, spatial_index=False),
            nullable=True,
        ),
        sa.CheckConstraint("code ~ '^[0-9]{6}$'", name="code_digits"),
    )
    op.create_table(
        "streets",
        sa.Column("code", sa.String(9), primary_key=True),
        sa.Column("name", sa.String(50), nullable=False),
        sa.Column("district_code", sa.String(6), sa.ForeignKey("districts.code"), nullable=False),
        sa.CheckConstraint(
            "code ~ '^[0-9]{9}$' AND left(code, 6) = district_code", name="code_fits"
        ),
    )
    op.create_index("ix_streets_district_code", "streets", ["district_code"])
    op.create_table(
        "communities",
        sa.Column("code", sa.String(12), primary_key=True),
        sa.Column("name", sa.String(50), nullable=False),
        sa.Column("street_code", sa.String(9), sa.ForeignKey("streets.code"), nullable=False),
        sa.CheckConstraint(
            "code ~ '^[0-9]{12}$' AND left(code, 9) = street_code", name="code_fits"
        ),
    )
    op.create_index("ix_communities_street_code", "communities", ["street_code"])
    op.create_table(
        "grid_sources",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("synthetic", sa.Boolean, nullable=False),
        sa.Column("note", sa.Text, nullable=False, server_default=""),
        sa.Column(
            "loaded_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
        ),
    )
    op.create_table(
        "grids",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("code", sa.String(15), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("kind", sa.String(10), nullable=False, server_default="基础网格"),
        sa.Column(
            "community_code", sa.String(12), sa.ForeignKey("communities.code"), nullable=False
        ),
        sa.Column(
            "geom", Geometry("MULTIPOLYGON", srid=4326, spatial_index=False), nullable=False
        ),
        sa.Column("area_m2", sa.Float, nullable=False),
        sa.Column("households", sa.Integer, nullable=True),
        sa.Column("population", sa.Integer, nullable=True),
        sa.Column("source_id", sa.Integer, sa.ForeignKey("grid_sources.id"), nullable=True),
        sa.Column(
            "valid_from", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
        ),
        sa.Column("valid_to", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "code ~ '^[0-9]{15}$' AND left(code, 12) = community_code", name="code_fits"
        ),
        sa.CheckConstraint("kind IN ('基础网格', '专属网格')", name="kind_known"),
        sa.CheckConstraint("valid_to IS NULL OR valid_to >= valid_from", name="valid_period"),
    )
    op.create_index(
        "uq_grids_current_code",
        "grids",
        ["code"],
        unique=True,
        postgresql_where=sa.text("valid_to IS NULL"),
    )
    op.create_index(
        "ix_grids_current_geom",
        "grids",
        ["geom"],
        postgresql_using="gist",
        postgresql_where=sa.text("valid_to IS NULL"),
    )
    op.create_index("ix_grids_community_code", "grids", ["community_code"])
    op.create_table(
        "rivers",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(50), nullable=False),
        sa.Column(
            "geom", Geometry("MULTILINESTRING", srid=4326, spatial_index=False), nullable=False
        ),
        sa.Column("synthetic", sa.Boolean, nullable=False),
        sa.Column("note", sa.Text, nullable=False, server_default=""),
    )


def downgrade() -> None:
    op.drop_table("rivers")
    op.drop_table("grids")
    op.drop_table("grid_sources")
    op.drop_table("communities")
    op.drop_table("streets")
    op.drop_table("districts")
