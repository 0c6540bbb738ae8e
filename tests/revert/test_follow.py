"""Reverting followed batches: the source's cursor goes back to where the first reverted
batch began, the state is as before them, a revert waits for a batch in progress (the
source's batch lock), and the next follow applies the batches again."""

from __future__ import annotations

import threading
import time

import httpx

from grunndata.db.database import Database, open_connection
from grunndata.loaders.revert import batch_lock_key
from tests.kilder.conftest import Sources, cursor, rows, run_follower
from tests.kilder.test_week import FREG_NOW
from tests.revert.helpers import revert_load, visible


def _batches(db: Database, after: int) -> list[int]:
    found = rows(db, "SELECT id FROM felles.load WHERE kilde = 'freg' AND id > %s "
                 "AND reverts IS NULL ORDER BY id", [after])  # fmt: skip
    return [row[0] for row in found]


def _last_load(db: Database) -> int:
    return rows(db, "SELECT coalesce(max(id), 0) FROM felles.load")[0][0]


def test_a_reverted_batch_rewinds_the_cursor_and_the_next_follow_applies_it(
    sources_: Sources, fresh_database: Database
) -> None:
    db = fresh_database
    assert run_follower(db, "freg", sources_.settings, baseline=True) == 0
    httpx.post(f"{sources_.base}/_standin/dag").raise_for_status()
    assert run_follower(db, "freg", sources_.settings) == 0
    start, state_before, mark = (
        cursor(db, "freg").posisjon,
        visible(db, "folkeregister"),
        _last_load(db),
    )
    httpx.post(f"{sources_.base}/_standin/dag").raise_for_status()
    assert run_follower(db, "freg", sources_.settings) == 0
    batches, end, followed = _batches(db, mark), cursor(db, "freg").posisjon, rows(db, FREG_NOW)
    assert batches and end != start

    holder = open_connection(db.app_url)  # a batch in progress holds the source's batch lock
    holder.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [batch_lock_key("freg")])
    outcome: list = []
    worker = threading.Thread(
        target=lambda: outcome.append(revert_load(db, batches[0], cascade=True))
    )
    worker.start()
    time.sleep(1.0)
    assert worker.is_alive() and not outcome, "the revert waits for the batch"
    holder.rollback()
    holder.close()
    worker.join(60)

    assert [r.load_id for r in outcome[0].reverted] == sorted(batches, reverse=True)
    assert cursor(db, "freg").posisjon == start, "back to where the first batch began"
    assert visible(db, "folkeregister") == state_before
    assert run_follower(db, "freg", sources_.settings) == 0
    assert cursor(db, "freg").posisjon == end
    assert rows(db, FREG_NOW) == followed, "the batches applied again"
