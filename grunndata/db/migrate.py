"""Alembic migrations, applied by ``grunndata db upgrade`` and on start of ``serve``,
``demo`` and ``load``.

Migrations run as the schema owner, under a PostgreSQL advisory lock, so several processes
starting at once apply them exactly once. Alembic's version table lives in ``felles``.
"""

from __future__ import annotations

import contextlib
from importlib import resources

import psycopg
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util import CommandError
from sqlalchemy import create_engine
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError
from sqlalchemy.pool import NullPool

from grunndata.db.database import Database, connect, open_connection
from grunndata.db.urls import describe
from grunndata.errors import SetupError

MIGRATION_LOCK_KEY = 0x6772756E6464  # "grunnd"
VERSION_SCHEMA = "felles"


def engine_for(url: str) -> Engine:
    """A SQLAlchemy engine over psycopg for a libpq URL or key=value string."""
    return create_engine(
        "postgresql+psycopg://", creator=lambda: open_connection(url), poolclass=NullPool
    )


def _config(database: Database) -> Config:
    config = Config()
    config.set_main_option("script_location", str(resources.files("grunndata.db") / "migrations"))
    config.attributes["app_role"] = database.app_role
    return config


def head_revision() -> str | None:
    return ScriptDirectory.from_config(_config(Database("", ""))).get_current_head()


_IS_MIGRATED = "SELECT to_regclass('felles.alembic_version') IS NOT NULL"
_VERSION = "SELECT version_num FROM felles.alembic_version"


def current_revision(database: Database) -> str | None:
    """The revision the database is at (None when never migrated), read as the app role."""
    with connect(database.app_url) as conn:
        migrated = conn.execute(_IS_MIGRATED).fetchone()
        row = conn.execute(_VERSION).fetchone() if migrated and migrated[0] else None
    return row[0] if row else None


async def current_revision_async(conn: psycopg.AsyncConnection) -> str | None:
    """``current_revision`` on an open async connection (the server's pool)."""
    migrated = await (await conn.execute(_IS_MIGRATED)).fetchone()
    row = await (await conn.execute(_VERSION)).fetchone() if migrated and migrated[0] else None
    return row[0] if row else None


def upgrade(database: Database, revision: str = "head") -> str | None:
    """Apply pending migrations as the owner; returns the revision now in force.

    A migration that fails leaves the database at the revision it had (they run in one
    transaction) and raises ``SetupError`` with the database's own reason."""
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
                return context.get_current_revision()
            except CommandError as exc:
                known = {r.revision for r in ScriptDirectory.from_config(config).walk_revisions()}
                ahead = current_revision(database) not in known | {None}
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
