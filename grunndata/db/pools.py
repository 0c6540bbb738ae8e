"""The server's connection pools, and how they notice a database that restarted.

A pooled connection can be dead: the database restarted while it sat in the pool. Checking
every connection as it leaves the pool costs a round trip per request; a connection given
back less than ``RECENT_S`` ago has just worked, so only connections that sat idle longer
are checked (one empty query) before they are handed out. A database restart takes longer
than that, so every connection that was in the pool across a restart is checked and, if
dead, replaced. A restart quicker than that is caught where a dead connection is met: the
request's snapshot (``graphql/snapshot.py``) and the lookup log's writer then have every
idle connection checked (``replace_dead``) and try once more.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from typing import Any
from weakref import WeakKeyDictionary

from psycopg import AsyncConnection
from psycopg_pool import AsyncConnectionPool

#: A connection given back this recently is handed out again unchecked (seconds).
RECENT_S = 1.0

_given_back: WeakKeyDictionary[AsyncConnection[Any], float] = WeakKeyDictionary()


async def _stamp(conn: AsyncConnection[Any]) -> None:
    """The pool's ``reset``: note when ``conn`` came back."""
    _given_back[conn] = time.monotonic()


async def _check_unless_recent(conn: AsyncConnection[Any]) -> None:
    """The pool's ``check``: an empty query, unless ``conn`` came back moments ago."""
    if time.monotonic() - _given_back.get(conn, float("-inf")) >= RECENT_S:
        await AsyncConnectionPool.check_connection(conn)


def pool(
    url: str,
    *,
    name: str,
    max_size: int,
    timeout: float,
    configure: Callable[[AsyncConnection[Any]], Awaitable[None]] | None = None,
) -> AsyncConnectionPool:
    """An autocommit pool (not yet open) whose dead connections are replaced as above."""
    return AsyncConnectionPool(
        url,
        min_size=1,
        max_size=max_size,
        open=False,
        timeout=timeout,
        kwargs={"autocommit": True, "application_name": name},
        configure=configure,
        check=_check_unless_recent,
        reset=_stamp,
    )


async def replace_dead(pool: Any) -> None:
    """Check every idle connection of ``pool`` and replace the dead ones, after one was
    found dead; read replicas' ``ReadPools`` does so for each pool behind it."""
    if isinstance(pool, AsyncConnectionPool):
        await pool.check()
    else:
        await pool.replace_dead()
