"""One listener per server process: ``LISTEN grunndata_hendelser`` on a connection of its
own; the new events read once and handed to every subscriber's bounded queue.

The writer sends ``NOTIFY`` at commit (``grunndata.feed.publish``); the payload is only
a wake-up: the listener reads every event after the highest number it has handed out
(``position``), in pages, so a notification lost while the connection was down costs
nothing (after a reconnect it reads on from ``position``). Numbers are gap-free and in
commit order, so what it reads after ``position`` is exactly what was committed since.

A subscriber joins at the listener's ``position`` (``Subscriber.start``) and gets every
event after it that it ``wants``. Its queue holds at most ``buffer`` events: when one
more does not fit, the subscriber leaves the fan-out, marked ``behind``: it reads on from
the table itself and joins again (``grunndata.feed.follow``). So a burst (one load of
100 000 changes) or one slow consumer never holds the others back, nor fills the
server's memory; a consumer that stops reading is closed by its connection
(``grunndata.graphql.websocket``).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from dataclasses import dataclass, field

import psycopg

from grunndata.errors import DatabaseUnavailable
from grunndata.feed import fanout, store
from grunndata.feed.publish import CHANNEL
from grunndata.graphql.snapshot import Connections

log = logging.getLogger(__name__)

BUFFER = 1000  # events one subscriber may have waiting
PAGE = 1000  # events read per statement
RETRY_S = 1.0  # wait before reconnecting
START_TIMEOUT_S = 5.0  # how long a first subscriber waits for the listener
READERS = 3  # subscriptions reading the table at once: the rest of the pool serves requests
READ_WAIT_S = 120.0  # a subscription waits this long for its turn (requests wait 5 s)


@dataclass(eq=False)
class Subscriber:
    """One subscription's place in the fan-out."""

    start: int  # the listener's position when it joined: every later event is offered
    wants: Callable[[store.Hendelse], bool]
    queue: asyncio.Queue[store.Hendelse] = field(default_factory=asyncio.Queue)
    behind: bool = False  # its queue overflowed: it left the fan-out


class FeedListener:
    """The process's listener (started by its first subscriber, stopped by ``close``).

    ``database_url``: where to ``LISTEN``; ``pool``: the primary's connections, for
    reading the events (a replica may lag behind the notification)."""

    def __init__(
        self, database_url: str, pool: Connections, *, buffer: int = BUFFER, page: int = PAGE
    ) -> None:
        self.database_url = database_url
        self.pool = pool
        self.buffer = buffer
        self.page = page
        self.position: int | None = None
        self.subscribers: set[Subscriber] = set()
        self.delivered = 0  # events put in queues, for tests and the benchmark
        self._wake = asyncio.Event()
        self._listening = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []
        #: Taken by a subscription reading the table (``grunndata.feed.follow``): a hundred
        #: catching up at once must not take every connection of the requests' pool.
        self.readers = asyncio.Semaphore(READERS)
        self.payloads = fanout.Payloads()  # events serialized once per selection

    async def subscribe(self, wants: Callable[[store.Hendelse], bool]) -> Subscriber:
        """Join the fan-out. Raises ``DatabaseUnavailable`` when the listener cannot
        start listening within ``START_TIMEOUT_S``."""
        if not self._tasks:
            self._tasks = [
                asyncio.create_task(self._listen(), name="feed-listen"),
                asyncio.create_task(self._fan_out(), name="feed-fan-out"),
            ]
        if not self._listening.is_set():
            try:
                await asyncio.wait_for(self._listening.wait(), START_TIMEOUT_S)
            except TimeoutError:
                raise DatabaseUnavailable(
                    "The event feed cannot listen for new events; try again shortly."
                ) from None
        assert self.position is not None
        queue: asyncio.Queue[store.Hendelse] = asyncio.Queue(self.buffer)
        subscriber = Subscriber(self.position, wants, queue)
        self.subscribers.add(subscriber)
        return subscriber

    def unsubscribe(self, subscriber: Subscriber) -> None:
        self.subscribers.discard(subscriber)

    async def close(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks = []

    async def _listen(self) -> None:
        while True:
            try:
                conn = await psycopg.AsyncConnection.connect(self.database_url, autocommit=True)
                async with conn:
                    await conn.execute(f"LISTEN {CHANNEL}")
                    if self.position is None:
                        self.position = await store.alast_sequence(conn)
                    self._listening.set()
                    self._wake.set()  # what was committed while not listening
                    async for _ in conn.notifies():
                        self._wake.set()
            except psycopg.Error as exc:
                log.warning("event feed: listening failed (%s); reconnecting", exc)
            self._listening.clear()
            await asyncio.sleep(RETRY_S)

    async def _fan_out(self) -> None:
        while True:
            await self._wake.wait()
            self._wake.clear()
            try:
                await self._read_new()
            except Exception as exc:  # the database went away: read again when back
                log.warning("event feed: reading new events failed (%s); retrying", exc)
                await asyncio.sleep(RETRY_S)
                self._wake.set()

    async def _read_new(self) -> None:
        while self.position is not None:
            async with self.pool.connection() as conn:
                events = await store.aread_events(conn, after=self.position, limit=self.page)
            if not events:
                return
            for subscriber in list(self.subscribers):
                self._offer(subscriber, events)
            self.position = events[-1].sekvensnummer
            if len(events) < self.page:
                return

    def _offer(self, subscriber: Subscriber, events: list[store.Hendelse]) -> None:
        for event in events:
            if not subscriber.wants(event):
                continue
            try:
                subscriber.queue.put_nowait(event)
            except asyncio.QueueFull:
                self.unsubscribe(subscriber)
                subscriber.behind = True
                return
            self.delivered += 1
