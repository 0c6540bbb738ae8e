"""``validate`` is ``load --dry-run``: the same checks, the database's included, nothing
kept; without a database it says which checks it skipped."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from grunndata.loaders.journal import journal
from grunndata.loaders.run import Mode
from tests.loaders.test_run import current, load, rows, write

GRUNNDATA = str(Path(sys.executable).parent / "grunndata")


def test_validate_with_a_database_runs_its_checks_and_keeps_nothing(db, tmp_path):
    load(db, write(tmp_path / "a.navn.csv", "id;navn", "1;Oslo"))
    stored = rows(db)
    kobling = write(tmp_path / "b.kobling.csv", "navn_id;merknad", "1;kjent", "2;ukjent")
    changed = write(tmp_path / "c.navn.csv", "id;navn", "1;Kristiania", "3;Bergen")
    validated = load(db, kobling, changed, mode=Mode.VALIDATE)
    dry_run = load(db, kobling, changed, mode=Mode.DRY_RUN)
    for outcome in (validated, dry_run):
        navn, kob = outcome.files
        assert (navn.counts.inserted, navn.counts.superseded) == (2, 1)
        assert kob.warnings == 1, "navn 2 is not stored: a check only the database can do"
        assert kob.findings[0].reason == "refers to an unknown navn"
        assert navn.checked_database and kob.checked_database
    assert [f.status for f in validated.files] == ["valid", "valid"]
    assert rows(db) == stored and len(journal(db)) == 1, "nothing kept, nothing journalled"
    assert current(db) == {1: "Oslo"}


def test_validate_without_a_database_runs_the_readers_checks_only(tmp_path):
    kobling = write(tmp_path / "b.kobling.csv", "navn_id;merknad", "2;ukjent")
    (file,) = load(None, kobling).files
    assert (file.warnings, file.checked_database, file.exit_code) == (0, False, 0)


def _cli(*args: str, url: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "GRUNNDATA_DATABASE_URL": url}
    return subprocess.run([GRUNNDATA, *args], capture_output=True, text=True, env=env, timeout=120)


def test_the_cli_says_would_insert_and_never_partial(fresh_database, tmp_path):
    unit = '{"organisasjonsnummer": "974760673", "navn": "A", "organisasjonsform": {"kode": "AS"}}'
    source = write(tmp_path / "enheter.json", f'[{unit}, {{"organisasjonsnummer": "1"}}]')
    result = _cli("validate", str(source), url=fresh_database.app_url)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "would insert 1, would supersede 0" in result.stdout
    assert "would reject 1" in result.stdout
    assert "partial" not in result.stdout and "inserted" not in result.stdout
    assert "no database checks" not in result.stderr


def test_the_cli_names_the_checks_it_skipped_without_a_database(tmp_path):
    source = write(tmp_path / "enheter.json", '[{"organisasjonsnummer": "974760673", "navn": '
                   '"A", "organisasjonsform": {"kode": "AS"}}]')  # fmt: skip
    closed = "postgresql://nobody@127.0.0.1:1/none"
    result = _cli("validate", str(source), url=closed)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no database checks: no database reachable (Cannot reach" in result.stderr
    assert "skipped the checks that need stored data" in result.stderr
    assert "valid: 1 records, would reject 0, warnings 0" in result.stdout
