"""Migrations: schemas, extensions, the two roles' privileges, and concurrent upgrades."""

from __future__ import annotations

import threading

import psycopg
import pytest
from psycopg import errors, sql

from grunndata.db import migrate
from grunndata.db.database import Database, Roles, bootstrap, connect
from grunndata.errors import SetupError
from grunndata.registers import REGISTERS
from tests.conftest import TEST_ROLES, scratch_name


def test_every_register_has_its_schema_and_felles_exists(database):
    with connect(database.app_url) as conn:
        schemas = {r[0] for r in conn.execute("SELECT nspname FROM pg_namespace")}
    assert {r.db_schema for r in REGISTERS} | {"felles"} <= schemas


def test_extensions_are_installed(database):
    with connect(database.app_url) as conn:
        installed = {r[0] for r in conn.execute("SELECT extname FROM pg_extension")}
    assert {"postgis", "btree_gist", "pg_trgm", "unaccent"} <= installed


def test_the_app_role_is_not_a_superuser_and_cannot_change_the_schema(database):
    with connect(database.app_url) as conn:
        is_super, can_create_role = conn.execute(
            "SELECT rolsuper, rolcreaterole FROM pg_roles WHERE rolname = current_user"
        ).fetchone()
        assert (is_super, can_create_role) == (False, False)
        for statement in (
            "CREATE TABLE folkeregister.intruder (x int)",
            "UPDATE felles.alembic_version SET version_num = 'x'",
            "DROP TABLE felles.load",
            "DELETE FROM felles.load",
        ):
            with pytest.raises(errors.InsufficientPrivilege), conn.transaction():
                conn.execute(statement)


def test_the_app_role_may_journal_loads(database):
    with connect(database.app_url) as conn, conn.transaction() as tx:
        row = conn.execute(
            "INSERT INTO felles.load (source) VALUES ('x') RETURNING id, status, loaded_by"
        ).fetchone()
        assert row[1:] == ("running", TEST_ROLES.app)
        conn.execute("UPDATE felles.load SET status = 'loaded' WHERE id = %s", [row[0]])
        raise psycopg.Rollback(tx)


def test_a_failing_migration_reports_its_cause_and_changes_nothing(admin_url, fresh_database):
    # Migrating as the app role, which owns nothing, fails on its first statement.
    wrong = Database(fresh_database.app_url, owner_url=fresh_database.app_url)
    name = scratch_name("blank")
    blank = bootstrap(admin_url, name, TEST_ROLES)
    try:
        with pytest.raises(SetupError, match="failed: permission denied for") as caught:
            migrate.upgrade(Database(blank.app_url, owner_url=blank.app_url))
        assert "The database is as it was before" in str(caught.value)
        assert migrate.current_revision(blank) is None
        assert migrate.upgrade(wrong) == migrate.head_revision(), "already migrated: no-op"
    finally:
        with connect(admin_url, autocommit=True) as conn:
            conn.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(name)))


def test_concurrent_upgrades_apply_migrations_once(admin_url):
    name = scratch_name("race")
    database = bootstrap(admin_url, name, TEST_ROLES)
    try:
        results: list[object] = []

        def upgrade() -> None:
            try:
                results.append(migrate.upgrade(database))
            except Exception as exc:  # collected and asserted below
                results.append(exc)

        threads = [threading.Thread(target=upgrade) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert results == [migrate.head_revision()] * 4
        assert migrate.current_revision(database) == migrate.head_revision()
        with connect(database.app_url) as conn:
            heads = conn.execute("SELECT count(*) FROM felles.alembic_version").fetchone()
        assert heads == (len(migrate.head_revision().split(", ")),)  # one row per branch
    finally:
        with connect(admin_url, autocommit=True) as conn:
            conn.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(name)))


def test_bootstrap_puts_back_a_role_that_was_given_superpowers(admin_url):
    # Roles and a database of this test's own: the shared test roles stay untouched.
    name = scratch_name("roles")
    roles = Roles(owner=f"{name}_owner", app=f"{name}_app")
    bootstrap(admin_url, name, roles)
    try:
        with connect(admin_url, autocommit=True) as conn:
            conn.execute(sql.SQL("ALTER ROLE {} SUPERUSER").format(sql.Identifier(roles.app)))
            bootstrap(admin_url, name, roles)
            row = conn.execute(
                "SELECT rolsuper FROM pg_roles WHERE rolname = %s", [roles.app]
            ).fetchone()
        assert row == (False,)
    finally:
        with connect(admin_url, autocommit=True) as conn:
            conn.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(name)))
            for role in (roles.app, roles.owner):
                conn.execute(sql.SQL("DROP ROLE {}").format(sql.Identifier(role)))


def test_a_database_ahead_of_the_code_is_one_clear_sentence(fresh_database):
    with connect(fresh_database.owner_url) as conn:
        conn.execute(
            "UPDATE felles.alembic_version SET version_num = '9999' "
            "WHERE version_num LIKE 'felles\\_%'"
        )
    with pytest.raises(SetupError, match=r"Cannot migrate .*'9999'") as caught:
        migrate.upgrade(fresh_database)
    assert "a newer grunndata migrated it" in str(caught.value)
