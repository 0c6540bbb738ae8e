"""The process's one listener and a subscriber's stream: replay from a cursor, then live,
with no gap and no repeat at the switch even while writers race it; a slow subscriber is
dropped without holding the others back."""

from __future__ import annotations

import asyncio
import threading

from psycopg_pool import AsyncConnectionPool

from grunndata.db.database import Database
from grunndata.feed.follow import Filter, follow
from grunndata.feed.listen import FeedListener
from tests.subscriptions.helpers import write_events


async def _collect(
    listener: FeedListener, after: int, until: int, wanted: Filter, pause_at: int = -1
) -> list[int]:
    """The numbers ``follow`` gives, up to ``until``; it pauses 0.5 s after ``pause_at``
    (the end of the replay: the writer and the listener go on meanwhile)."""
    got: list[int] = []
    async for event in follow(listener, after, wanted):
        got.append(event.sekvensnummer)
        if event.sekvensnummer == pause_at:
            await asyncio.sleep(0.5)
        if event.sekvensnummer >= until:
            return got
    return got


def _run(db: Database, body) -> object:  # type: ignore[no-untyped-def]
    async def main() -> object:
        async with AsyncConnectionPool(db.app_url, min_size=1, max_size=4, open=False) as pool:
            listener = FeedListener(db.app_url, pool, buffer=100_000)
            try:
                return await body(listener)
            finally:
                await listener.close()

    return asyncio.run(main())


def test_replay_then_live_has_no_gap_and_no_repeat_while_writes_race_the_switch(
    fresh_database,
):
    db = fresh_database
    start = write_events(db, 700)  # more than a page, so the replay pages
    stop = threading.Event()
    written: list[int] = []

    def writer() -> None:
        key = 10_000
        while not stop.is_set():
            written.append(write_events(db, 7, first_key=key))
            key += 7

    async def body(listener: FeedListener) -> list[list[int]]:
        thread = threading.Thread(target=writer)
        thread.start()
        try:
            await asyncio.sleep(0.2)  # the writer is committing while subscribers switch
            cursors = [0, 3, start - 5, start]
            await _collect(listener, start, start + 1, Filter())  # the listener is running
            streams = (_collect(listener, c, start + 300, Filter(), start) for c in cursors)
            got = await asyncio.wait_for(asyncio.gather(*streams), 60)
        finally:
            stop.set()
            await asyncio.to_thread(thread.join)
        return [*got, cursors]  # type: ignore[list-item]

    *streams, cursors = _run(db, body)  # type: ignore[misc]
    assert written and written[-1] >= start + 300, "the writer raced the switch"
    for cursor, got in zip(cursors, streams, strict=True):
        assert got == list(range(cursor + 1, got[-1] + 1)), f"after {cursor}: gap or repeat"


def test_a_filter_and_hidden_entities_leave_events_out(fresh_database):
    db = fresh_database
    write_events(db, 5, register="matrikkel", entitet="Adresse")
    write_events(db, 5, register="folkeregister", entitet="Person")
    top = write_events(db, 5, register="enhetsregister", entitet="Enhet")

    async def body(listener: FeedListener) -> tuple[list[int], list[int]]:
        units = await _collect(listener, 0, top, Filter(registers=["enhetsregister"]))
        no_persons = Filter(hidden={("folkeregister", "Person")})
        everything_open = await _collect(listener, 0, top, no_persons)
        return units, everything_open

    units, everything_open = _run(db, body)  # type: ignore[misc]
    assert units == list(range(11, 16))
    assert everything_open == [*range(1, 6), *range(11, 16)]


def test_a_subscriber_past_its_buffer_reads_on_from_the_table_and_holds_no_one_back(
    fresh_database,
):
    db = fresh_database

    async def body(listener: FeedListener) -> tuple[list[int], list[int]]:
        listener.buffer = 50
        slow = follow(listener, 0, Filter())
        fast = asyncio.ensure_future(_collect(listener, 0, 401, Filter()))
        first = await anext(slow)  # joined the fan-out; then it stops reading
        await asyncio.to_thread(write_events, db, 400)
        got = await asyncio.wait_for(fast, 30)
        rest = [first.sekvensnummer]
        async for event in slow:
            rest.append(event.sekvensnummer)
            if event.sekvensnummer == 401:
                break
        return got, rest

    write_events(db, 1)
    got, rest = _run(db, body)  # type: ignore[misc]
    assert got == list(range(1, 402))
    assert rest == list(range(1, 402)), "behind, it read on from the table: no gap"
