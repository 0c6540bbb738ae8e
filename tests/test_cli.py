"""Every CLI command answers --help with examples; the commands that need no data work."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from psycopg import sql
from typer.main import get_command
from typer.testing import CliRunner

from grunndata.cli import app
from grunndata.db import migrate
from grunndata.db.database import bootstrap, connect
from grunndata.graphql.schema import build_schema
from tests.conftest import TEST_ROLES, scratch_name

GRUNNDATA = str(Path(sys.executable).parent / "grunndata")


def all_commands() -> list[list[str]]:
    def walk(command, prefix: list[str]) -> list[list[str]]:
        found = [prefix] if prefix else []
        for name, sub in getattr(command, "commands", {}).items():
            found += walk(sub, [*prefix, name])
        return found

    return walk(get_command(app), [])


def cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([GRUNNDATA, *args], capture_output=True, text=True, timeout=120, env=env)


def test_the_cli_has_the_commands_the_readme_promises():
    names = {" ".join(c) for c in all_commands()}
    expected = {"serve", "demo", "load", "validate", "loads", "schema", "db", "db start",
                "db stop", "db status", "db url", "db upgrade"}  # fmt: skip
    assert expected <= names


@pytest.mark.parametrize("command", all_commands(), ids=" ".join)
def test_every_command_has_help_with_examples(command):
    result = CliRunner().invoke(app, [*command, "--help"])  # in this process: the same help
    assert result.exit_code == 0, result.output
    if command != ["db"]:
        assert "Example" in result.stdout


def test_the_installed_command_answers_help():
    """The console script itself (the help of every command is checked in process)."""
    result = cli("--help")
    assert result.returncode == 0, result.stderr
    assert all(f" {name} " in result.stdout for name in ("serve", "load", "schema", "db"))


def test_schema_prints_the_sdl():
    result = cli("schema")
    assert result.returncode == 0
    assert result.stdout.strip() == build_schema().as_str().strip()


def test_load_and_validate_fail_cleanly_on_bad_paths(tmp_path):
    (tmp_path / "notes.txt").write_text("not register data")
    missing = cli("validate", str(tmp_path / "missing.json"))
    assert missing.returncode == 2
    assert f"{tmp_path / 'missing.json'}: no such file or directory" in missing.stderr
    unknown = cli("validate", str(tmp_path / "notes.txt"))
    assert unknown.returncode == 2
    assert "notes.txt: not a format grunndata knows" in unknown.stdout
    for result in (missing, unknown):
        assert "Traceback" not in result.stdout + result.stderr


def test_loads_on_a_database_without_the_schema_says_so(admin_url):
    name = scratch_name("blank")
    blank = bootstrap(admin_url, name, TEST_ROLES)
    try:
        result = cli("loads", env={**os.environ, "GRUNNDATA_DATABASE_URL": blank.app_url})
        assert result.returncode == 0, result.stderr
        assert "No loads yet: the database has no grunndata schema" in result.stdout
    finally:
        with connect(admin_url, autocommit=True) as conn:
            conn.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(name)))


def test_db_upgrade_migrates_the_lookup_logs_own_database_too(admin_url, database):
    name = scratch_name("logdb")
    log = bootstrap(admin_url, name, TEST_ROLES)
    env = {"GRUNNDATA_DATABASE_URL": database.app_url,
           "GRUNNDATA_OWNER_DATABASE_URL": database.owner_url,
           "GRUNNDATA_LOG_DATABASE_URL": log.app_url,
           "GRUNNDATA_LOG_OWNER_DATABASE_URL": log.owner_url}  # fmt: skip
    try:
        result = CliRunner().invoke(app, ["db", "upgrade"], env=env)
        assert result.exit_code == 0, result.output
        head = migrate.head_revision()
        assert f"lookup log's database at revision {head} (was None)" in result.output
        assert migrate.current_revision(log) == head
    finally:
        with connect(admin_url, autocommit=True) as conn:
            conn.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(name)))


def test_usage_errors_exit_2():
    assert cli("load").returncode == 2
    assert cli("serve", "--port", "not-a-number").returncode == 2


def test_bad_settings_get_one_clear_sentence(tmp_path):
    base = {"PATH": os.environ["PATH"], "GRUNNDATA_DATA_DIR": str(tmp_path / "unused")}
    level = cli("schema", env={**base, "GRUNNDATA_LOG_LEVEL": "verbose"})
    assert level.returncode == 2
    assert "GRUNNDATA_LOG_LEVEL 'verbose' is not a log level" in level.stderr
    malformed = "postgresql://a:pw@h/db?nonsense=1"
    url = cli("db", "status", env={**base, "GRUNNDATA_DATABASE_URL": malformed})
    assert url.returncode == 1
    assert "not a valid libpq URL" in url.stdout and "pw" not in url.stdout
    for result in (level, url):
        assert "Traceback" not in result.stdout + result.stderr


def test_a_mistyped_path_is_reported_before_any_database_starts(tmp_path):
    data_dir = tmp_path / "never-created"
    env = {"PATH": os.environ["PATH"], "GRUNNDATA_DATA_DIR": str(data_dir)}
    result = cli("load", str(tmp_path / "typo.json"), env=env)
    assert result.returncode == 2
    assert "typo.json: no such file or directory" in result.stderr
    assert not data_dir.exists()


def test_validating_files_of_no_known_format_says_nothing_was_loaded(tmp_path):
    (tmp_path / "notes.md").write_text("not register data")
    result = cli("validate", str(tmp_path))
    assert result.returncode == 2
    assert "nothing to load: no file given is of a format grunndata knows" in result.stdout
