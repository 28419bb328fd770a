"""The tables declared in the packages match the migrated database: tables, columns, types."""

from __future__ import annotations

import importlib

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Column, Integer, MetaData, String

from gis.models import METADATA

TABLE_MODULES = ("grids.tables", "layers.access.tables", "layers.access.users",
                 "layers.access.tokens", "layers.demands.tables", "layers.members.tables",
                 "layers.riders.tables", "layers.stations.tables", "layers.open311.tables",
                 "layers.evaluations.tables", "layers.reporting.tables")
POSTGIS_OWN = {"spatial_ref_sys", "geometry_columns", "geography_columns", "alembic_version"}
COMPARED = {"add_table", "remove_table", "add_column", "remove_column", "modify_type",
            "modify_nullable"}


def _include(obj, name, type_, reflected, compare_to) -> bool:
    return not (type_ == "table" and name in POSTGIS_OWN)


def _drift(connection, metadata) -> list:
    """Return the table/column differences between `metadata` and the database."""
    context = MigrationContext.configure(connection, opts={
        "compare_type": True, "include_object": _include})
    flat = []
    for diff in compare_metadata(context, metadata):
        flat.extend(diff if isinstance(diff, list) else [diff])
    return [d for d in flat if d[0] in COMPARED]


@pytest.fixture(scope="module")
def declared():
    """Every package's tables, imported."""
    for name in TABLE_MODULES:
        importlib.import_module(name)
    return METADATA


def test_declared_tables_match_the_migrated_database(engine, declared):
    with engine.connect() as conn:
        assert _drift(conn, declared) == []


def test_every_migrated_table_is_declared(engine, declared):
    with engine.connect() as conn:
        tables = set(conn.dialect.get_table_names(conn)) - POSTGIS_OWN
    assert tables == set(declared.tables)


def test_a_missing_column_or_a_changed_type_is_drift(engine, declared):
    changed = MetaData()
    for table in declared.tables.values():
        table.to_metadata(changed)
    changed.tables["stations"].append_column(Column("not_migrated", Integer))
    changed.tables["departments"].c.name.type = String(10)
    with engine.connect() as conn:
        found = {(d[0], d[2], d[3] if d[0] == "modify_type" else d[3].name)
                 for d in _drift(conn, changed)}
    assert found == {("add_column", "stations", "not_migrated"),
                     ("modify_type", "departments", "name")}
