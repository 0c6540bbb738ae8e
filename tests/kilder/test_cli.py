"""``grunndata follow`` as a steward runs it: SIGTERM lets the batch in hand commit, then
stops; ``--status`` shows the source; unusable sources and settings end in one message."""

from __future__ import annotations

import signal
import subprocess
import time

import pytest

from grunndata.db.database import Database
from tests.kilder.conftest import Sources, cursor, rows
from tests.kilder.test_kill import _command, _loads, grunndata

pytestmark = pytest.mark.slow


def test_sigterm_finishes_the_batch_in_hand(sources_: Sources, fresh_database: Database) -> None:
    sources_.standin.extract_batch = 10
    sources_.standin.faults.add("slow", "/bulkoppslag", times=10_000, seconds=0.3)
    process = _command(fresh_database, sources_, "--baseline", once=False)
    deadline = time.monotonic() + 120
    while _loads(fresh_database) == 0:
        assert time.monotonic() < deadline and process.poll() is None
        time.sleep(0.05)
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=30) == 0
    statuses = rows(fresh_database, "SELECT status FROM felles.load ORDER BY id")
    assert statuses and all(s == ("loaded",) for s in statuses)  # none cut off
    kilde = cursor(fresh_database, "freg")
    assert kilde.baseline == {**kilde.baseline, "batch": len(statuses)}
    assert kilde.posisjon is None  # the baseline is unfinished: no cursor yet

    status = subprocess.run(
        [grunndata(), "follow", "--status"], env=_command.env(fresh_database, sources_),
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert status.returncode == 0 and "freg" in status.stdout and "baseline" in status.stdout

    again = subprocess.run(
        [grunndata(), "follow", "freg", "--once"], env=_command.env(fresh_database, sources_),
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert again.returncode == 2
    assert "freg --baseline" in again.stderr and "Traceback" not in again.stderr
