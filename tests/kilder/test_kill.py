"""``kill -9`` at random moments of a scripted run, then a restart: no change lost, none
applied twice (the cursor is committed with the data it covers)."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from grunndata.db.database import Database
from tests.kilder.conftest import Sources, cursor, rows, run_follower
from tests.kilder.test_week import FREG_NOW

KILLS = 4
VERSIONS = (
    "SELECT i.identifikasjonsnummer, v.innhold, v.fjernet IS NULL FROM folkeregister.versjon v "
    "JOIN folkeregister.identifikator i USING (person_id) ORDER BY 1, 2"
)


def _loads(database: Database) -> int:
    return rows(database, "SELECT count(*) FROM felles.load")[0][0]


def grunndata() -> str:
    return str(Path(sys.executable).parent / "grunndata")


def _env(database: Database, sources_: Sources) -> dict[str, str]:
    return {
        **os.environ,
        "GRUNNDATA_DATABASE_URL": database.app_url,
        "GRUNNDATA_OWNER_DATABASE_URL": database.owner_url,
        "GRUNNDATA_FREG_URL": sources_.settings.freg_url or "",
        "GRUNNDATA_FOLLOW_BACKOFF": "0.01",
    }


def _command(
    database: Database, sources_: Sources, *args: str, once: bool = True
) -> subprocess.Popen[bytes]:
    command = [grunndata(), "follow", "freg", *(["--once"] if once else []), *args]
    return subprocess.Popen(
        command, env=_env(database, sources_), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )


_command.env = _env  # type: ignore[attr-defined]


@pytest.mark.slow
@pytest.mark.parametrize("sources_", [150], indirect=True)
def test_kill_9_and_restart_equals_an_uninterrupted_run(
    sources_: Sources, fresh_database: Database, clones
) -> None:
    for _ in range(3):
        httpx.post(f"{sources_.base}/_standin/dag").raise_for_status()
    standin = sources_.standin
    standin.page, standin.extract_batch = 15, 20
    reference = clones.make()
    try:
        assert run_follower(reference, "freg", sources_.settings, baseline=True) == 0
        expected = rows(reference, FREG_NOW), rows(reference, VERSIONS)
    finally:
        clones.drop(reference)
    standin.faults.add("slow", "/bulkoppslag", times=10_000, seconds=0.1)
    rng = random.Random(17)
    kills = 0
    while True:
        kilde = cursor(fresh_database, "freg")
        baseline = kilde.posisjon is None or kilde.baseline is not None
        before = _loads(fresh_database)
        process = _command(fresh_database, sources_, *(["--baseline"] if baseline else []))
        if kills < KILLS:
            # once it has begun a batch (startup takes seconds), at a random moment
            deadline = time.monotonic() + 120
            while _loads(fresh_database) == before and process.poll() is None:
                assert time.monotonic() < deadline, "the follower did not begin"
                time.sleep(0.05)
            time.sleep(rng.uniform(0, 0.6))
            if process.poll() is None:
                process.send_signal(signal.SIGKILL)
                process.wait()
                kills += 1
                continue
        assert process.wait(timeout=300) == 0
        break
    assert kills == KILLS
    assert cursor(fresh_database, "freg").posisjon == str(len(sources_.world.freg.feed))
    assert (rows(fresh_database, FREG_NOW), rows(fresh_database, VERSIONS)) == expected
    batches = rows(
        fresh_database,
        "SELECT kilde_fra::int, kilde_til::int FROM felles.load WHERE kilde = 'freg' "
        "AND status = 'loaded' AND kilde_fra IS NOT NULL ORDER BY id",
    )
    assert [fra for fra, _ in batches[1:]] == [til + 1 for _, til in batches[:-1]]
