"""Admission control: a request the server has no connection for soon is refused, not queued.

A request's snapshot (``snapshot.py``) waits at most ``ADMISSION_S`` for a pooled
connection. If every connection the pool may open is in use by other requests by then,
the server is overloaded: the request is refused with ``OVERLOADED`` (HTTP 503 with
``Retry-After``), so clients back off instead of piling up behind work for clients that
have already left. A pool that is not full but still has no connection for it (the
database is slow to accept one, or down) is given the rest of the pool's timeout, and
then answers ``DATABASE_UNAVAILABLE`` as before.
"""

from __future__ import annotations

from contextlib import AsyncExitStack
from typing import Any

import psycopg
from graphql import GraphQLError
from psycopg_pool import AsyncConnectionPool, PoolTimeout

from grunndata.errors import GrunndataError

#: Seconds a request waits for a connection from a full pool before it is refused.
ADMISSION_S = 1.0
#: What a refused request is told to wait (seconds).
RETRY_AFTER_S = 1


class Overloaded(GrunndataError):
    code = "OVERLOADED"
    http_status = 503

    def __init__(self) -> None:
        super().__init__(
            f"The server is busy: every database connection is in use. Try again in "
            f"{RETRY_AFTER_S} s."
        )


def busy(pool: AsyncConnectionPool) -> bool:
    """Every connection ``pool`` may open is open and in use."""
    stats = pool.get_stats()
    return stats["pool_size"] >= stats["pool_max"] and stats["pool_available"] == 0


async def connection(
    pools: Any, held: AsyncExitStack, timeout: float | None
) -> psycopg.AsyncConnection[Any]:
    """A connection from ``pools`` (a pool, or read replicas' ``ReadPools``), held by
    ``held``; ``Overloaded`` when its pool stayed full for ``ADMISSION_S``."""
    pool: AsyncConnectionPool = pools.pick() if hasattr(pools, "pick") else pools
    total = pool.timeout if timeout is None else timeout
    first = min(total, ADMISSION_S)
    try:
        return await held.enter_async_context(pool.connection(first))
    except PoolTimeout:
        if busy(pool):
            raise Overloaded() from None
        if total <= first:
            raise
    return await held.enter_async_context(pool.connection(total - first))


def refuse(errors: list[GraphQLError] | None, sub_response: Any) -> None:
    """An answer to a request refused as overloaded leaves as HTTP 503, with Retry-After."""
    if any(isinstance(e.original_error, Overloaded) for e in errors or ()):
        sub_response.status_code = 503
        sub_response.headers["Retry-After"] = str(RETRY_AFTER_S)
