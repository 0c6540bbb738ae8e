"""Alembic migrations, applied by ``grunndata db upgrade`` and on start of ``serve``,
``demo`` and ``load``.

Migrations run as the schema owner, under a PostgreSQL advisory lock, so several processes
starting at once apply them exactly once. Alembic's version table lives in ``felles``.

The revisions form one tree (``docs/migrations.md``): the shared trunk ``0001``..``0014`` in
``migrations/versions/`` (history, applied in deployed databases, never edited), and on it
one version branch per register (labelled with its name, in the directory its ``Register``
declares) and the ``felles`` branch (``migrations/felles/``). An upgrade goes to every
head; the schema version is the heads' names, sorted, joined by ``", "``.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterable
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

import psycopg

from grunndata.db.database import Database, connect, open_connection
from grunndata.db.urls import describe
from grunndata.errors import SetupError

if TYPE_CHECKING:
    from alembic.config import Config
    from sqlalchemy.engine import Engine

# Alembic and SQLAlchemy are imported by the functions that use them: reading the database's
# revision (``grunndata db status``, ``grunndata loads``) needs neither.

MIGRATION_LOCK_KEY = 0x6772756E6464  # "grunnd"
VERSION_SCHEMA = "felles"


def engine_for(url: str) -> Engine:
    """A SQLAlchemy engine over psycopg for a libpq URL or key=value string."""
    from sqlalchemy import create_engine
    from sqlalchemy.pool import NullPool

    return create_engine(
        "postgresql+psycopg://", creator=lambda: open_connection(url), poolclass=NullPool
    )


def version_locations() -> list[Path]:
    """The directories of revisions: the trunk, ``felles`` and each register's branch.

    A register's branch is its room's ``migrations/`` folder (``Register.migrations`` names
    it; ``tests/db/test_migration_branches.py`` checks the two agree). It is found by path,
    without importing the room, so that reading or applying migrations needs no register."""
    import grunndata.registers as registers  # the registers import the engine, not it them

    migrations = Path(str(resources.files("grunndata.db") / "migrations"))
    base = Path(registers.__file__).parent
    rooms = [base / room / "migrations" for room in registers.ROOMS]
    return [migrations / "versions", migrations / "felles", *(r for r in rooms if r.is_dir())]


def _config(database: Database) -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(resources.files("grunndata.db") / "migrations"))
    config.set_main_option("path_separator", "os")
    config.set_main_option("version_locations", os.pathsep.join(map(str, version_locations())))
    config.attributes["app_role"] = database.app_role
    return config


def schema_version(heads: Iterable[str]) -> str | None:
    """One name for a set of heads (``None`` for none): sorted, joined by ``", "``."""
    return ", ".join(sorted(heads)) or None


def head_revision() -> str | None:
    """The schema version this code migrates to: every branch's head."""
    from alembic.script import ScriptDirectory

    return schema_version(ScriptDirectory.from_config(_config(Database("", ""))).get_heads())


_IS_MIGRATED = "SELECT to_regclass('felles.alembic_version') IS NOT NULL"
_VERSION = "SELECT version_num FROM felles.alembic_version"


def current_heads(database: Database) -> list[str]:
    """The revisions in the version table (none when never migrated), read as the app role."""
    with connect(database.app_url) as conn:
        migrated = conn.execute(_IS_MIGRATED).fetchone()
        rows = conn.execute(_VERSION).fetchall() if migrated and migrated[0] else []
    return [row[0] for row in rows]


def current_revision(database: Database) -> str | None:
    """The schema version the database is at (None when never migrated)."""
    return schema_version(current_heads(database))


async def current_revision_async(conn: psycopg.AsyncConnection) -> str | None:
    """``current_revision`` on an open async connection (the server's pool)."""
    migrated = await (await conn.execute(_IS_MIGRATED)).fetchone()
    rows = await (await conn.execute(_VERSION)).fetchall() if migrated and migrated[0] else []
    return schema_version(row[0] for row in rows)


def upgrade(database: Database, revision: str = "heads") -> str | None:
    """Apply pending migrations as the owner; returns the revision now in force.

    A migration that fails leaves the database at the revision it had (they run in one
    transaction) and raises ``SetupError`` with the database's own reason."""
    from alembic import command
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory
    from alembic.util import CommandError
    from sqlalchemy.exc import DBAPIError

    config = _config(database)
    engine = engine_for(database.owner_url)
    try:
        with engine.connect() as connection:
            connection.exec_driver_sql(f"SELECT pg_advisory_lock({MIGRATION_LOCK_KEY})")
            connection.commit()
            try:
                config.attributes["connection"] = connection
                command.upgrade(config, revision)
                connection.commit()
                context = MigrationContext.configure(
                    connection, opts={"version_table_schema": VERSION_SCHEMA}
                )
                return schema_version(context.get_current_heads())
            except CommandError as exc:
                known = {r.revision for r in ScriptDirectory.from_config(config).walk_revisions()}
                ahead = not set(current_heads(database)) <= known
                raise SetupError(
                    f"Cannot migrate {describe(database.owner_url)}: {exc}",
                    hint="The database's revision is unknown to this grunndata: a newer "
                    "grunndata migrated it. Run that version, or restore a matching database."
                    if ahead
                    else None,
                ) from None
            except DBAPIError as exc:
                with contextlib.suppress(DBAPIError):
                    connection.rollback()
                reason = getattr(getattr(exc.orig, "diag", None), "message_primary", None)
                raise SetupError(
                    f"Migrating {describe(database.owner_url)} failed: {reason or exc.orig}",
                    hint="Migrations run as the schema owner (GRUNNDATA_OWNER_DATABASE_URL); "
                    "it must own the database. The database is as it was before.",
                ) from None
            finally:
                # A failed transaction would refuse the unlock; a lost connection released
                # the lock with it.
                with contextlib.suppress(DBAPIError):
                    connection.rollback()
                    connection.exec_driver_sql(f"SELECT pg_advisory_unlock({MIGRATION_LOCK_KEY})")
                    connection.commit()
    finally:
        engine.dispose()
