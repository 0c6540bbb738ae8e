"""Reads on streaming replicas: ``ReadPools`` hands out connections of a replica that is
close enough behind the primary, else of the primary.

``GRUNNDATA_READ_DATABASE_URLS`` names the replicas; GraphQL and the OGC API read through
``ReadPools`` (the app's ``state.pool``) while the lookup log, loads and followers write
to the primary. A replica answers reads while its lag is at most
``GRUNNDATA_READ_MAX_LAG_SECONDS``; a background check measures
it (``check``, once a second), so a request pays nothing for it.

The lag is measured on the primary's clock: each check notes the primary's WAL position
(``pg_current_wal_lsn``) with the time, and asks each replica how far it has replayed. A
replica that has replayed the primary's latest position has lag 0; else its lag is the age
of the newest noted position it has passed (at most one check interval more than the
truth), and unknown (infinite) when it is behind every noted position, does not answer,
or is no longer in recovery. When the primary cannot be asked, the last verdicts stand.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from collections import deque
from collections.abc import Awaitable, Callable, Sequence
from contextlib import AbstractAsyncContextManager
from typing import Any

import psycopg
from psycopg_pool import AsyncConnectionPool

from grunndata.db import pools

log = logging.getLogger(__name__)

CHECK_TIMEOUT_S = 2.0
PRIMARY_SQL = "SELECT pg_current_wal_lsn() - '0/0'::pg_lsn"
REPLICA_SQL = "SELECT pg_is_in_recovery(), pg_last_wal_replay_lsn() - '0/0'::pg_lsn"


def replica_pools(
    urls: Sequence[str],
    *,
    size: int,
    timeout: float,
    configure: Callable[[psycopg.AsyncConnection[Any]], Awaitable[None]],
) -> list[AsyncConnectionPool]:
    return [
        pools.pool(
            url, name="grunndata-replica", max_size=size, timeout=timeout, configure=configure
        )
        for url in urls
    ]


class ReadPools:
    """The pool interface (``connection``, ``getconn``, ``putconn``) over the primary's
    pool and the replicas': each call takes the next replica within the lag (round
    robin), or the primary when none is."""

    def __init__(
        self,
        primary: AsyncConnectionPool,
        replicas: Sequence[AsyncConnectionPool],
        *,
        max_lag_s: float,
    ) -> None:
        self.primary = primary
        self.replicas = list(replicas)
        self.max_lag_s = max_lag_s
        self.lags = [math.inf] * len(self.replicas)
        self._serving: list[AsyncConnectionPool] = []
        self._turn = 0
        self._positions: deque[tuple[float, int]] = deque()
        self._keep_s = max(60.0, 4 * max_lag_s)
        self._lent: dict[int, AsyncConnectionPool] = {}

    def pick(self) -> AsyncConnectionPool:
        serving = self._serving
        if not serving:
            return self.primary
        self._turn = (self._turn + 1) % len(serving)
        return serving[self._turn]

    def connection(
        self, timeout: float | None = None
    ) -> AbstractAsyncContextManager[psycopg.AsyncConnection[Any]]:
        return self.pick().connection(timeout)

    async def getconn(self, timeout: float | None = None) -> psycopg.AsyncConnection[Any]:
        pool = self.pick()
        conn = await pool.getconn(timeout)
        self._lent[id(conn)] = pool
        return conn

    async def putconn(self, conn: psycopg.AsyncConnection[Any]) -> None:
        await self._lent.pop(id(conn), self.primary).putconn(conn)

    async def open(self) -> None:
        for pool in self.replicas:
            await pool.open(wait=False)

    async def close(self) -> None:
        for pool in self.replicas:
            await pool.close()

    async def replace_dead(self) -> None:
        """Check the idle connections of the primary's pool and every replica's, and
        replace the dead ones (``pools.replace_dead``)."""
        await asyncio.gather(*(pool.check() for pool in (self.primary, *self.replicas)))

    async def check(self) -> None:
        """Measure each replica's lag; choose the replicas that serve."""
        now = time.monotonic()
        try:
            async with self.primary.connection(timeout=CHECK_TIMEOUT_S) as conn:
                row = await (await conn.execute(PRIMARY_SQL)).fetchone()
        except (psycopg.Error, OSError) as exc:
            log.warning("replicas: the primary's WAL position is unknown: %s", exc)
            return
        assert row is not None
        self._positions.append((now, int(row[0])))
        while self._positions and self._positions[0][0] < now - self._keep_s:
            self._positions.popleft()
        self.lags = [await self._lag(pool, now) for pool in self.replicas]
        self._serving = [
            pool for pool, lag in zip(self.replicas, self.lags, strict=True)
            if lag <= self.max_lag_s
        ]  # fmt: skip

    async def _lag(self, pool: AsyncConnectionPool, now: float) -> float:
        try:
            async with pool.connection(timeout=CHECK_TIMEOUT_S) as conn:
                row = await (await conn.execute(REPLICA_SQL)).fetchone()
        except (psycopg.Error, OSError) as exc:
            log.warning("replicas: %s does not answer: %s", pool.name, type(exc).__name__)
            return math.inf
        if row is None or not row[0] or row[1] is None:
            log.warning("replicas: %s is not a streaming replica (not in recovery)", pool.name)
            return math.inf
        replayed = int(row[1])
        for at, position in reversed(self._positions):
            if position <= replayed:
                return 0.0 if at == now else now - at
        return math.inf
