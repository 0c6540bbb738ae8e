"""The tables each room declares (SQLAlchemy Core and GeoAlchemy2: ``tables.py``, felles's
in ``grunndata/db/tables.py``) are exactly what the migrations make.

Alembic's autogenerate comparison (``compare_metadata``) checks tables, columns, their
types, nullability, server defaults and comments, primary keys, foreign keys, unique
constraints and indexes (columns, expressions; not an index's method, operator class or
``WHERE``). What it cannot compare is checked another way: check constraints against the
database's reflection; exclusion constraints, index definitions whole, triggers,
functions, generated and identity columns, grants and partitioning against the catalog
snapshot checked in beside this test (``catalog.txt``, rewritten by
``python -m tests.db.catalog``)."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import CheckConstraint, MetaData, inspect

from grunndata.db import migrate
from grunndata.db import tables as felles
from grunndata.registers import REGISTERS
from tests.db.catalog import SCHEMAS, UNCOMPARED, recorded, snapshot


def declared() -> MetaData:
    """Every room's tables and felles's in one ``MetaData`` (foreign keys cross rooms)."""
    combined = MetaData()
    for metadata in (felles.METADATA, *(r.tables for r in REGISTERS if r.tables)):
        for table in metadata.tables.values():
            table.to_metadata(combined)
    return combined


def _ours(name: str | None, type_: str, parent_names: dict[str, str | None]) -> bool:
    if type_ == "schema":
        return name in SCHEMAS
    return not (
        type_ == "table" and (name == "alembic_version" or felles.LOG_PARTITION.match(name or ""))
    )


def test_every_register_declares_its_tables_in_its_own_schema():
    for register in REGISTERS:
        assert register.tables is not None, register.name
        assert register.tables.tables, register.name
        assert {t.schema for t in register.tables.tables.values()} == {register.db_schema}
    assert {t.schema for t in felles.METADATA.tables.values()} == {"felles"}


def test_the_migrations_make_exactly_the_declared_tables(database):
    engine = migrate.engine_for(database.owner_url)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(
                connection,
                opts={
                    "include_schemas": True,
                    "include_name": _ours,
                    "compare_type": True,
                    "compare_server_default": True,
                },
            )
            differences = compare_metadata(context, declared())
    finally:
        engine.dispose()
    assert differences == []


def test_the_migrations_make_exactly_the_declared_check_constraints(database):
    engine = migrate.engine_for(database.owner_url)
    try:
        inspector = inspect(engine)
        made = {
            (schema, table, check["name"], check["sqltext"])
            for schema in SCHEMAS
            for table in inspector.get_table_names(schema=schema)
            for check in inspector.get_check_constraints(table, schema=schema)
        }
    finally:
        engine.dispose()
    wanted = {
        (table.schema, table.name, constraint.name, str(constraint.sqltext))
        for table in declared().tables.values()
        for constraint in table.constraints
        if isinstance(constraint, CheckConstraint)
    }
    assert made == wanted


def test_what_alembic_cannot_compare_is_as_recorded(database):
    now = snapshot(database)
    assert {kind: now[kind] for kind in UNCOMPARED} == recorded()
