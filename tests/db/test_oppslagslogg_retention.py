"""The lookup log by month (issue 20, point 10): partitions ahead and for any month, whole
months past retention dropped by the owner and journalled, and no one else can delete."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

import orjson
import pytest
from psycopg import errors, sql

from grunndata.db import logretention, migrate
from grunndata.db.database import Database, bootstrap, connect
from grunndata.graphql.oppslagslogg import FLUSH_SQL
from tests.conftest import TEST_ROLES, scratch_name

GRUNNDATA = str(Path(sys.executable).parent / "grunndata")
UTC = dt.UTC


def _log(database: Database, *times: dt.datetime) -> None:
    """Rows as the server writes them: the writer's own INSERT, as the app role."""
    rows = [
        {"tidspunkt": t.isoformat(), "konsument": "974760673", "scopes": ["s"], "pid": None,
         "feltgrupper": ["identitet"], "identifikasjonsnumre": ["08871748471"],
         "operasjon": "Q", "request_id": f"r{i}", "behandlingsgrunnlag": None}
        for i, t in enumerate(times)
    ]  # fmt: skip
    with connect(database.app_url) as conn:
        conn.execute(FLUSH_SQL, [orjson.dumps(rows).decode()])


def _partition_of(database: Database, request_id: str) -> str:
    with connect(database.owner_url) as conn:
        row = conn.execute(
            "SELECT tableoid::regclass::text FROM felles.oppslagslogg WHERE request_id = %s",
            [request_id],
        ).fetchone()
    assert row is not None
    return row[0]


def _partitions(database: Database) -> set[str]:
    with connect(database.owner_url) as conn:
        return {
            r[0]
            for r in conn.execute(
                "SELECT inhrelid::regclass::text FROM pg_inherits "
                "WHERE inhparent = 'felles.oppslagslogg'::regclass"
            )
        }


def test_the_coming_months_have_partitions(database: Database):
    month = dt.date.today().replace(day=1)
    names = _partitions(database)
    for _ in range(13):
        assert f"felles.oppslagslogg_y{month:%Y}m{month:%m}" in names
        month = (month + dt.timedelta(days=32)).replace(day=1)
    assert "felles.oppslagslogg_standard" in names


def test_a_month_far_ahead_is_written_then_given_its_own_partition(fresh_database: Database):
    _log(fresh_database, dt.datetime(2100, 6, 15, tzinfo=UTC))
    assert _partition_of(fresh_database, "r0") == "felles.oppslagslogg_standard"
    logretention.prune(fresh_database, 3653)
    assert _partition_of(fresh_database, "r0") == "felles.oppslagslogg_y2100m06"
    _log(fresh_database, dt.datetime(2100, 6, 1, tzinfo=UTC))  # the month's own, directly
    assert _partition_of(fresh_database, "r0") == "felles.oppslagslogg_y2100m06"


def test_prune_drops_whole_months_past_retention_and_journals_them(fresh_database: Database):
    now = dt.datetime.now(UTC)
    old = [dt.datetime(2001, 3, 5, tzinfo=UTC), dt.datetime(2001, 3, 31, 23, tzinfo=UTC),
           dt.datetime(2001, 4, 2, tzinfo=UTC)]  # fmt: skip
    _log(fresh_database, *old, now - dt.timedelta(days=40), now)
    env = {**os.environ, "GRUNNDATA_DATABASE_URL": fresh_database.app_url,
           "GRUNNDATA_OWNER_DATABASE_URL": fresh_database.owner_url}  # fmt: skip
    result = subprocess.run(
        [GRUNNDATA, "db", "prune-log", "--older-than", "3653"],
        capture_output=True, text=True, env=env, timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "dropped felles.oppslagslogg_y2001m03: 2 lookups from 2001-03" in result.stdout
    assert "2 month(s) older than 3653 days dropped" in result.stdout
    with connect(fresh_database.app_url) as conn:
        kept = conn.execute("SELECT request_id FROM felles.oppslagslogg ORDER BY id").fetchall()
        journal = conn.execute(
            "SELECT partisjon, fra, rader, utfort_av FROM felles.oppslagslogg_sletting ORDER BY id"
        ).fetchall()
    assert kept == [("r3",), ("r4",)]
    assert [(p, f.astimezone(UTC).date(), n) for p, f, n, _ in journal] == [
        ("felles.oppslagslogg_y2001m03", dt.date(2001, 3, 1), 2),
        ("felles.oppslagslogg_y2001m04", dt.date(2001, 4, 1), 1),
    ]
    assert {who for *_, who in journal} == {TEST_ROLES.owner}
    assert logretention.prune(fresh_database, 3653) == [], "nothing more to drop"
    assert logretention.prune(fresh_database, 30)[0].rows == 1  # last month's row


STATEMENTS = [
    "DELETE FROM {t}",
    "UPDATE {t} SET konsument = 'x'",
    "TRUNCATE {t}",
    "DROP TABLE {t}",
    "ALTER TABLE felles.oppslagslogg DETACH PARTITION felles.oppslagslogg_standard",
]


@pytest.mark.parametrize("statement", STATEMENTS)
@pytest.mark.parametrize("table", ["felles.oppslagslogg", "felles.oppslagslogg_standard"])
def test_the_app_role_cannot_remove_anything(database: Database, statement: str, table: str):
    _log(database, dt.datetime.now(UTC))
    with connect(database.app_url) as conn, pytest.raises(errors.InsufficientPrivilege):
        conn.execute(statement.format(t=table))


@pytest.mark.parametrize(
    "statement", ["DELETE FROM {t}", "UPDATE {t} SET pid = 'x'", "TRUNCATE {t}"]
)
def test_not_even_the_owner_can_delete_rows(fresh_database: Database, statement: str):
    _log(fresh_database, dt.datetime.now(UTC))
    table = _partition_of(fresh_database, "r0")
    for target in ("felles.oppslagslogg", table):
        with (
            connect(fresh_database.owner_url) as conn,
            pytest.raises(errors.InsufficientPrivilege, match="append-only"),
        ):
            conn.execute(statement.format(t=target))


def test_the_migration_keeps_the_rows_and_their_ids(admin_url: str):
    name = scratch_name("logmonth")
    database = bootstrap(admin_url, name, TEST_ROLES)
    try:
        migrate.upgrade(database, "felles_0005")
        _log(database, dt.datetime(2020, 1, 1, tzinfo=UTC), dt.datetime.now(UTC))
        migrate.upgrade(database)
        with connect(database.app_url) as conn:
            rows = conn.execute(
                "SELECT id, request_id, tableoid::regclass::text FROM felles.oppslagslogg "
                "ORDER BY id"
            ).fetchall()
        assert [r[:2] for r in rows] == [(1, "r0"), (2, "r1")]
        assert rows[0][2] == "felles.oppslagslogg_y2020m01"
        _log(database, dt.datetime.now(UTC))
        assert _partition_of(database, "r0") != "felles.oppslagslogg_standard"
        with connect(database.app_url) as conn:
            assert conn.execute("SELECT max(id) FROM felles.oppslagslogg").fetchone() == (3,)
        _downgrade(database)
        with connect(database.app_url) as conn:
            assert conn.execute("SELECT count(*) FROM felles.oppslagslogg").fetchone() == (3,)
    finally:
        with connect(admin_url, autocommit=True) as conn:
            conn.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(name)))


def _downgrade(database: Database) -> None:
    from alembic import command

    config = migrate._config(database)
    engine = migrate.engine_for(database.owner_url)
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "felles_0005")
    engine.dispose()
