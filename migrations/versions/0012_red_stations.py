"""Red stations (红色驿站) and 暖蜂驿站: rest points for delivery riders and other new-economy
workers, each with its services, as a point layer.

Revision ID: 0012
Revises: 0011
"""

import sqlalchemy as sa
from alembic import op
from geoalchemy2 import Geometry

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

KINDS = ("red_station", "warm_bee")
SERVICES = ("rest", "charging", "water", "hot_meal", "legal_advice", "toilet", "first_aid")


def _quoted(values: tuple[str, ...]) -> str:
    return ", ".join(f"'{v}'" for v in values)


def upgrade() -> None:
    op.create_table(
        "stations",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("address", sa.String(300), nullable=False, server_default=""),
        sa.Column("services", sa.ARRAY(sa.String(20)), nullable=False, server_default="{}"),
        sa.Column("opening_hours", sa.String(100), nullable=False, server_default=""),
        sa.Column("grid_code", sa.String(15), nullable=True),
        sa.Column("geom", Geometry("POINT", srid=4326, spatial_index=False), nullable=False),
        sa.Column("active", sa.Boolean, nullable=False, server_default=sa.true()),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False,
                  server_default=sa.func.now()),
        sa.CheckConstraint(f"kind IN ({_quoted(KINDS)})", name="station_kind_known"),
        sa.CheckConstraint(f"services <@ ARRAY[{_quoted(SERVICES)}]::varchar[]",
                           name="station_services_known"),
    )
    # Nearest stations are ranked in geodesic metres (KNN on geography, never 4326 degrees).
    op.execute("CREATE INDEX ix_stations_geog ON stations USING gist ((geom::geography)) "
               "WHERE active")
    op.create_index("ix_stations_grid_code", "stations", ["grid_code"])


def downgrade() -> None:
    op.drop_table("stations")
