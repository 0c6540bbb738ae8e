"""``grunndata loads`` owns the journal: every field as JSON, nothing cut when piped,
filters, and loads whose process died marked ``aborted`` (by ``loads repair`` and by the
next load), never left ``running``."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from grunndata.db.database import Database, connect
from grunndata.loaders import journal
from grunndata.loaders.sources import SourceFile
from tests.loaders.sample_formats import NavnFormat
from tests.loaders.test_run import load, write

GRUNNDATA = str(Path(sys.executable).parent / "grunndata")
ROOT = Path(__file__).parents[2]


def _cli(db: Database, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "GRUNNDATA_DATABASE_URL": db.app_url}
    return subprocess.run([GRUNNDATA, *args], capture_output=True, text=True, env=env, timeout=120)


def test_loads_json_gives_every_field(db, tmp_path):
    source = write(tmp_path / "a.navn.csv", "# uttrekksdato: 2026-01-31T00:00:00+01:00",
                   "id;navn", "1;Oslo", "2;Bergen")  # fmt: skip
    (file,) = load(db, source).files
    result = _cli(db, "loads", "--json")
    assert result.returncode == 0, result.stderr
    (entry,) = json.loads(result.stdout)
    assert entry["id"] == file.load_id
    assert (entry["status"], entry["format"], entry["register"]) == (
        "loaded", "test-navn", "testregister"
    )  # fmt: skip
    assert entry["source"] == str(source.absolute())
    assert len(entry["sha256"]) == 64 and entry["extract_date"].startswith("2026-01-30T23:00")
    assert (entry["inserted"], entry["superseded"], entry["rejected"], entry["ended"]) == (
        2, 0, 0, 0
    )  # fmt: skip
    assert {"started_at", "finished_at", "backend_pid", "process", "message"} <= entry.keys()


def test_a_relative_path_is_journalled_absolute(db, tmp_path, monkeypatch):
    write(tmp_path / "a.navn.csv", "id;navn", "1;Oslo")
    monkeypatch.chdir(tmp_path)
    load(db, Path("a.navn.csv"))
    assert journal.journal(db)[0].source == str(tmp_path / "a.navn.csv")


@pytest.mark.slow
def test_piped_output_cuts_nothing_and_filters_apply(db, tmp_path):
    deep = tmp_path / ("a-very-long-folder-name-" * 4)
    deep.mkdir()
    load(db, write(deep / "a.navn.csv", "id;navn", "1;Oslo"))
    lines = _cli(db, "loads").stdout.splitlines()
    assert lines[0].split("\t")[:3] == ["id", "started", "status"]
    assert lines[1].split("\t")[5] == str(deep / "a.navn.csv"), "the whole path, not cut"
    assert len(_cli(db, "loads", "--register", "testregister").stdout.splitlines()) == 2
    assert len(_cli(db, "loads", "--register", "matrikkel").stdout.splitlines()) == 1
    assert len(_cli(db, "loads", "--since", "2999-01-01").stdout.splitlines()) == 1
    assert len(_cli(db, "loads", "--since", "2000-01-01").stdout.splitlines()) == 2
    bad = _cli(db, "loads", "--since", "yesterday")
    assert bad.returncode == 2 and "--since 'yesterday': not a date" in bad.stderr


_BEGIN_AND_HANG = """
import sys, time
from pathlib import Path
from grunndata.db.database import Database
from grunndata.loaders import journal
from grunndata.loaders.sources import SourceFile
from tests.loaders.sample_formats import NavnFormat
database, source = Database(sys.argv[1], sys.argv[1]), SourceFile(Path(sys.argv[2]))
running = journal.begin(database, source, NavnFormat())
print(running.id, flush=True)
time.sleep(120)
"""


def _load_that_dies(db: Database, source: Path) -> int:
    """A loading process that journals its load and is then killed (SIGKILL): no
    handler of its own runs."""
    process = subprocess.Popen(
        [sys.executable, "-c", _BEGIN_AND_HANG, db.app_url, str(source)],
        cwd=ROOT, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert process.stdout is not None
    try:
        load_id = int(process.stdout.readline())
        assert _status(db, load_id) == "running"
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)
        process.stdout.close()
    return load_id


def _status(db: Database, load_id: int) -> str:
    with connect(db.app_url) as conn:
        return conn.execute("SELECT status FROM felles.load WHERE id = %s", [load_id]).fetchone()[0]


def _wait_for_the_server_to_notice(db: Database, load_id: int) -> None:
    """The server ends the dead client's session when it reads EOF: promptly, but not
    synchronously with the kill."""
    with connect(db.app_url, autocommit=True) as conn:
        for _ in range(100):
            held = conn.execute(
                "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND classid = %s "
                "AND objid = %s AND granted",
                [journal.RUNNING_LOCK, load_id],
            ).fetchone()[0]
            if not held:
                return
            conn.execute("SELECT pg_sleep(0.1)")
    raise AssertionError("the dead loader's session still holds its lock")


def test_repair_marks_a_dead_load_aborted_and_leaves_a_live_one(db, tmp_path):
    source = write(tmp_path / "a.navn.csv", "id;navn", "1;Oslo")
    alive = journal.begin(db, SourceFile(source), NavnFormat())
    dead = _load_that_dies(db, source)
    _wait_for_the_server_to_notice(db, dead)
    result = _cli(db, "loads", "repair")
    assert result.returncode == 0, result.stderr
    assert f"Marked aborted: {dead}." in result.stdout
    assert (_status(db, dead), _status(db, alive.id)) == ("aborted", "running")
    (entry,) = [e for e in journal.journal(db) if e.id == dead]
    assert entry.finished_at is not None and "ended without finishing" in entry.message
    assert "No load was left running" in _cli(db, "loads", "repair").stdout
    assert alive.conn is not None
    alive.conn.close()


def test_the_next_load_repairs_too(db, tmp_path):
    source = write(tmp_path / "a.navn.csv", "id;navn", "1;Oslo")
    dead = _load_that_dies(db, source)
    _wait_for_the_server_to_notice(db, dead)
    load(db, source)
    assert _status(db, dead) == "aborted"
    assert [e.status for e in journal.journal(db)] == ["loaded", "aborted"]


def test_a_file_loads_rejects_go_to_the_journals_reject_list(db, tmp_path):
    source = write(tmp_path / "a.navn.csv", "id;navn", "1;Oslo", "x;Bergen", "3;")
    (file,) = load(db, source).files
    assert (file.exit_code, file.rejected) == (1, 2)
    assert journal.rejects(db, file.load_id) == [
        ("line 3", "id 'x' is not a number", None),
        ("line 4", "navn is empty", None),
    ]
    with connect(db.app_url) as conn:
        assert conn.execute("SELECT rejected FROM felles.load WHERE id = %s",
                            [file.load_id]).fetchone() == (2,)  # fmt: skip
    listed = _cli(db, "loads", "rejects", str(file.load_id), "--json")
    assert listed.returncode == 0, listed.stderr
    assert json.loads(listed.stdout)[1] == {
        "location": "line 4", "reason": "navn is empty", "sekvensnummer": None
    }  # fmt: skip
