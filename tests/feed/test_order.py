"""Numbers are gap-free and in commit order with loads of two registers committing at
once: a reader polling all the while never finds a gap, so it never later sees a number
at or below one it has read."""

from __future__ import annotations

import threading
import time

from grunndata.db.database import connect
from grunndata.feed.store import last_sequence, read_events
from tests.feed.helpers import events
from tests.revert.helpers import load
from tests.revert.test_registers import KORSVIK, _enheter, extract

ROUNDS = 4


def _matrikkel(db, tmp_path) -> None:
    for i in range(ROUNDS):
        when = f"04.01.{2021 + i} 05:32:37"
        load(db, extract(tmp_path / f"m{i}.csv", when, poststed=f"STED{i}"))


def _enhetsregister(db, tmp_path) -> None:
    for i in range(ROUNDS):
        unit = {**KORSVIK, "navn": f"KORSVIK {i} AS"}
        path = _enheter(tmp_path / f"e{i}.json", unit)
        load(db, path, given={"extract_time": f"{2021 + i}-01-04"})


def test_a_reader_racing_two_registers_loads_never_sees_a_gap(fresh_database, tmp_path):
    db = fresh_database
    failures: list[BaseException] = []

    def run(target) -> None:
        try:
            target(db, tmp_path)
        except BaseException as exc:  # reported below, from the test's thread
            failures.append(exc)

    writers = [threading.Thread(target=run, args=(t,)) for t in (_matrikkel, _enhetsregister)]
    seen, pages = 0, 0
    with connect(db.app_url, autocommit=True) as conn:
        for writer in writers:
            writer.start()
        while any(w.is_alive() for w in writers) or seen < last_sequence(conn):
            page = read_events(conn, after=seen, limit=1000)
            numbers = [e.sekvensnummer for e in page]
            assert numbers == list(range(seen + 1, seen + 1 + len(numbers))), "no gap, ever"
            seen, pages = seen + len(numbers), pages + (1 if numbers else 0)
            time.sleep(0.01)
        for writer in writers:
            writer.join()
    assert not failures, failures
    rows = events(db)
    assert len(rows) == seen == ROUNDS * 47 + ROUNDS
    assert pages > 2, "the reader read while the loads ran"
    blocks = [r["last_id"] for r in rows]
    assert len({*blocks}) == 2 * ROUNDS
    changes = [i for i in range(1, len(blocks)) if blocks[i] != blocks[i - 1]]
    assert len(changes) == 2 * ROUNDS - 1, "each load's events are one block"
    times = [r["tidspunkt"] for r in rows]
    assert times == sorted(times), "in commit order"
