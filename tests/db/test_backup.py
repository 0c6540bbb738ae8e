"""``grunndata db backup`` and ``restore`` (issue 20, point 7): a dump taken while the
database serves, restored into an empty database, answers through the app, and the lookup
log is as append-only there as it was."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from psycopg import errors, sql

from grunndata.db.database import Database, bootstrap, connect
from grunndata.server import create_app
from tests.conftest import TEST_ROLES, Api, LiveServer, scratch_name
from tests.folkeregister.helpers import DATA, load

GRUNNDATA = str(Path(sys.executable).parent / "grunndata")
PERSON = "08871748471"


def _cli(database: Database, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "GRUNNDATA_DATABASE_URL": database.app_url,
           "GRUNNDATA_OWNER_DATABASE_URL": database.owner_url}  # fmt: skip
    return subprocess.run([GRUNNDATA, "db", *args], capture_output=True, text=True, env=env,
                          timeout=300)  # fmt: skip


@pytest.fixture
def restored(admin_url: str) -> Database:
    name = scratch_name("restore")
    yield bootstrap(admin_url, name, TEST_ROLES)
    with connect(admin_url, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(name)))


def test_a_backup_restored_into_an_empty_database_answers_and_keeps_the_log_append_only(
    fresh_database: Database, restored: Database, tmp_path: Path
):
    assert load(fresh_database, DATA / f"person_bostedsadresse_{PERSON}.json").exit_code == 0
    query = f'{{ person(identifikasjonsnummer: "{PERSON}") {{ identifikasjonsnummer }} }}'
    with LiveServer(create_app(fresh_database.app_url)) as base:
        assert Api(base)(query)["person"]["identifikasjonsnummer"] == PERSON
        dump = tmp_path / "grunndata.dump"
        made = _cli(fresh_database, "backup", str(dump))  # while it serves
    assert made.returncode == 0, made.stderr
    assert f"written to {dump}" in made.stdout

    done = _cli(restored, "restore", str(dump))
    assert done.returncode == 0, done.stderr
    assert "now at revision" in done.stdout
    with LiveServer(create_app(restored.app_url)) as base:
        assert Api(base)(query)["person"]["identifikasjonsnummer"] == PERSON
    with connect(restored.app_url) as conn:
        logged = conn.execute(
            "SELECT count(*) FROM felles.oppslagslogg WHERE identifikasjonsnumre @> ARRAY[%s]",
            [PERSON],
        ).fetchone()
        partition = conn.execute(
            "SELECT max(tableoid::regclass::text) FROM felles.oppslagslogg"
        ).fetchone()[0]
    assert logged == (2,), "the lookup before the backup and the one after the restore"
    for statement in ("DELETE FROM {}", "TRUNCATE {}", "UPDATE {} SET pid = 'x'", "DROP TABLE {}"):
        for table in ("felles.oppslagslogg", partition):
            with connect(restored.app_url) as conn, pytest.raises(errors.InsufficientPrivilege):
                conn.execute(statement.format(table))
    for statement in ("DELETE FROM {}", "TRUNCATE {}"):
        with (
            connect(restored.owner_url) as conn,
            pytest.raises(errors.InsufficientPrivilege, match="append-only"),
        ):
            conn.execute(statement.format(partition))


def test_restore_refuses_a_database_that_is_not_empty(fresh_database: Database, tmp_path: Path):
    dump = tmp_path / "grunndata.dump"
    assert _cli(fresh_database, "backup", str(dump)).returncode == 0
    refused = _cli(fresh_database, "restore", str(dump))
    assert refused.returncode == 2
    assert "already holds a grunndata database" in refused.stderr
    assert "Traceback" not in refused.stderr


def test_a_file_that_is_no_backup_is_refused_by_name(restored: Database, tmp_path: Path):
    junk = tmp_path / "junk.dump"
    junk.write_text("not a dump")
    refused = _cli(restored, "restore", str(junk))
    assert refused.returncode == 2 and f"{junk} is not a grunndata backup" in refused.stderr
