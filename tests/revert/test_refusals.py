"""Through the CLI: a revert refused while later loads changed the same entities (naming
them), --cascade reverting them newest first, --dry-run changing nothing, the journal
showing who reverted what and when, and the refusals of a revert of a revert, of an
unknown load and of a running one."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from grunndata.db.database import Database, connect
from grunndata.loaders import journal
from grunndata.loaders.sources import SourceFile
from tests.matrikkel.test_extract_order import extract
from tests.revert.helpers import FORMATS, load, visible

GRUNNDATA = str(Path(sys.executable).parent / "grunndata")


def cli(db: Database, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "GRUNNDATA_DATABASE_URL": db.app_url, "COLUMNS": "200"}
    return subprocess.run([GRUNNDATA, *args], capture_output=True, text=True, env=env, timeout=120)


def three_loads(db: Database, tmp_path: Path) -> list[int]:
    """Three address files, each changing every address."""
    ids = []
    for year, place in (("2021", None), ("2023", "MIDTSTED"), ("2025", "NYSTED")):
        path = extract(tmp_path / f"{year}.csv", f"02.01.{year} 06:00:00", poststed=place)
        ids.append(load(db, path).load_id)
    return ids


@pytest.mark.slow
def test_refused_naming_the_later_loads_then_cascade_newest_first(fresh_database, tmp_path):
    db = fresh_database
    a, b, c = three_loads(db, tmp_path)
    before = visible(db, "matrikkel")

    refused = cli(db, "loads", "revert", str(b))

    assert refused.returncode == 2, refused
    assert f"load {b} cannot be reverted alone" in refused.stderr
    assert f"load {c} (" in refused.stderr and "--cascade" in refused.stderr
    assert visible(db, "matrikkel") == before, "nothing changed"

    dry = cli(db, "loads", "revert", str(b), "--cascade", "--dry-run")
    assert dry.returncode == 0, dry.stderr
    assert "Dry run: nothing was changed" in dry.stdout
    assert visible(db, "matrikkel") == before

    done = cli(db, "loads", "revert", str(b), "--cascade")

    assert done.returncode == 0, done.stderr
    assert f"load {c}" in done.stderr.split("newest first:")[1], "listed first"
    lines = [line for line in done.stdout.splitlines() if line.startswith("load ")]
    assert [line.split()[1] for line in lines] == [str(c), str(b)], "newest first"
    entries = {e["id"]: e for e in json.loads(cli(db, "loads", "--json").stdout)}
    assert entries[a]["reverted_by"] is None
    for reverted in (b, c):
        revert_id = entries[reverted]["reverted_by"]
        assert entries[revert_id]["reverts"] == reverted
        assert entries[reverted]["reverted_at"] and entries[reverted]["reverted_by_user"]
    assert entries[b]["reverted_by"] > entries[c]["reverted_by"]
    with connect(db.app_url) as conn:
        places = conn.execute(
            "SELECT DISTINCT poststed FROM matrikkel.adresse WHERE upper_inf(registrert) "
            "AND upper_inf(gyldig)"
        ).fetchall()
    assert places != [("NYSTED",)] and places != [("MIDTSTED",)], "A's poststed again"
    table = cli(db, "loads").stdout
    assert f"by {entries[b]['reverted_by']}" in table and f"reverts {b}" in table


@pytest.mark.slow
def test_a_revert_of_a_revert_an_unknown_or_a_running_load_is_refused(fresh_database, tmp_path):
    db = fresh_database
    a, b, _ = three_loads(db, tmp_path)
    assert cli(db, "loads", "revert", "999999").stderr.count("there is no load 999999") == 1
    assert cli(db, "loads", "revert", str(b), "--cascade").returncode == 0
    revert_id = next(e.id for e in journal.journal(db) if e.reverts == b)

    again = cli(db, "loads", "revert", str(revert_id))
    assert again.returncode == 2 and f"is a revert (of load {b})" in again.stderr
    twice = cli(db, "loads", "revert", str(b))
    assert twice.returncode == 2 and f"already reverted, by load {revert_id}" in twice.stderr

    fmt = next(f for f in FORMATS if f.register == "matrikkel")
    running = journal.begin(db, SourceFile(tmp_path / "2021.csv"), fmt)
    try:
        busy = cli(db, "loads", "revert", str(running.id))
        assert busy.returncode == 2 and "still running" in busy.stderr
    finally:
        journal.end(db, running, journal.Ending("failed", journal.WriteCounts(), 0, 0, "x",
                                                None, None))  # fmt: skip
    failed = cli(db, "loads", "revert", str(running.id))
    assert failed.returncode == 2 and "ended failed: it wrote nothing" in failed.stderr
    assert a
