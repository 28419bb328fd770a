"""The declarative base every table of the platform derives from."""

from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Base of all gridgov tables."""

    metadata = MetaData(naming_convention=NAMING)


METADATA = Base.metadata
"""Where every table is declared: the ORM classes and the Core tables of each package."""
