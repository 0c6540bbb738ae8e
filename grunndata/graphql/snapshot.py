"""One consistent view of the database per request.

Every statement one GraphQL request runs (its root fields on the SQL forms' path or the
resolvers', every DataLoader batch, the check for graded persons) reads the same snapshot:
one ``REPEATABLE READ, READ ONLY`` transaction on one pooled connection, begun at the
request's first statement and ended when the request is answered. So a query with two
root fields never shows one from before a load and one from after it.

``Snapshot`` offers the pool's ``connection()`` interface, so resolvers and batch
functions need not know which they have. Each ``async with snapshot.connection()`` block
has the connection to itself (a lock), as a block on a pooled connection would: a block's
``SET LOCAL`` and the statement it is for are never split by another batch's statement.
The connection is taken lazily, so a request refused before any statement takes none.
Once the answer is read the snapshot is released: its transaction ends (a ``COMMIT`` of
nothing) in the background while the request waits for the lookup log or sends its
answer, and a later statement of the same request begins a new snapshot.

A pooled connection that sat idle is checked before it is handed out, so one that died
with a database restart is replaced first (``db/pools.py``); when the ``BEGIN`` still
fails on a dead one, nothing of the request has been sent yet, so the snapshot takes a
fresh connection once more before it gives up. A request that finds every connection in
use for a moment is refused (``admission.py``); its later statements are refused at once.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, AsyncExitStack, asynccontextmanager
from typing import Any, Protocol

import psycopg
from psycopg_pool import AsyncConnectionPool
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from grunndata.db import pools
from grunndata.graphql import admission

log = logging.getLogger(__name__)

BEGIN = "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"


class Connections(Protocol):
    """Where statements get a connection: a pool, or a request's ``Snapshot``."""

    def connection(
        self, timeout: float | None = None
    ) -> AbstractAsyncContextManager[psycopg.AsyncConnection[Any]]: ...


class Snapshot:
    """A request's one transaction, taken from ``pool`` at its first statement."""

    def __init__(self, pool: AsyncConnectionPool) -> None:
        self.pool = pool
        self._lock = asyncio.Lock()
        self._held = AsyncExitStack()
        self._conn: psycopg.AsyncConnection[Any] | None = None
        self._ending: list[asyncio.Task[None]] = []
        self._refused: admission.Overloaded | None = None

    @asynccontextmanager
    async def connection(
        self, timeout: float | None = None
    ) -> AsyncIterator[psycopg.AsyncConnection[Any]]:
        async with self._lock:
            if self._refused is not None:
                raise self._refused
            if self._conn is None:
                try:
                    self._conn = await self._begin(timeout)
                except admission.Overloaded as exc:
                    self._refused = exc
                    raise
            yield self._conn

    async def _begin(self, timeout: float | None) -> psycopg.AsyncConnection[Any]:
        for attempt in (1, 2):
            held = AsyncExitStack()
            conn = await admission.connection(self.pool, held, timeout)
            try:
                await conn.execute(BEGIN)
            except psycopg.OperationalError as exc:
                # given back broken, the pool replaces it; nothing of the request was sent
                await held.__aexit__(type(exc), exc, exc.__traceback__)
                if attempt == 2:
                    raise
                log.info("snapshot: a pooled connection was dead (%s); taking another", exc)
                await pools.replace_dead(self.pool)  # its idle peers likely died with it
                continue
            self._held = held
            return conn
        raise AssertionError("unreachable")

    async def release(self) -> None:
        """End the transaction without waiting for it: the connection goes back to the
        pool when its ``COMMIT`` is done. A later statement takes a new snapshot."""
        async with self._lock:
            if self._conn is None:
                return
            held, self._held, self._conn = self._held, AsyncExitStack(), None
        self._ending.append(asyncio.create_task(_end(held), name="snapshot-end"))

    async def close(self) -> None:
        """End the transaction (it wrote nothing), give the connection back, and wait for
        every earlier ``release`` to be done."""
        await self.release()
        ending, self._ending = self._ending, []
        await asyncio.gather(*ending)


async def _end(held: AsyncExitStack) -> None:
    try:
        await held.aclose()  # the pool's exit commits, then takes the connection back
    except psycopg.Error as exc:
        log.info("snapshot: ending the transaction failed: %s", type(exc).__name__)


class SnapshotPerRequest:
    """ASGI: gives each request its ``Snapshot`` (``scope["state"]["snapshot"]``, over the
    app's pool), releases it as the answer starts to leave, and waits for its end when
    the request ends."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        snapshot = Snapshot(scope["app"].state.pool)
        scope.setdefault("state", {})["snapshot"] = snapshot

        async def send_after_closing(message: Message) -> None:
            if message["type"] == "http.response.start":
                await snapshot.release()  # the answer is made: end the transaction meanwhile
            await send(message)

        try:
            await self.app(scope, receive, send_after_closing)
        finally:
            await snapshot.close()
