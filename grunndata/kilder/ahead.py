"""One batch fetched ahead: while a batch is merged and committed, a thread fetches the
next one from the cursor that batch leaves behind (its ``til``).

Never more than one batch ahead, so memory stays bounded. The cursor still moves only
with a committed batch (``batch.apply``), and a batch fetched ahead names the cursor it was
fetched from (``Batch.start``): if the batch before it failed, or a revert moved the
cursor meanwhile, it is dropped, never applied out of order. A fetch that failed ahead
fails where its batch is taken, exactly as if it had been fetched then. Closing waits for
a fetch in flight (a stop request ends its retry waits at once).
"""

from __future__ import annotations

import time
from concurrent.futures import Future, ThreadPoolExecutor, wait
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from grunndata.kilder.follow import Fetched, Follower


class Ahead:
    def __init__(self, follower: Follower) -> None:
        self._follower = follower
        self._pool = ThreadPoolExecutor(1, thread_name_prefix=f"{follower.source}-ahead")
        self._next: Future[Fetched] | None = None
        self.waited_s = 0.0
        """Seconds spent waiting for a fetch (what the prefetch did not hide)."""

    def __enter__(self) -> Ahead:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.discard()
        self._pool.shutdown(wait=True)

    def take(self) -> Fetched:
        """The batch fetched ahead, or else one fetched now from the stored cursor."""
        pending, self._next = self._next, None
        started = time.perf_counter()
        try:
            if pending is None:
                return self._follower.fetch(self._follower.position())
            return pending.result()  # a failed fetch raises here, in its turn
        finally:
            self.waited_s += time.perf_counter() - started

    def after(self, position: str | None) -> None:
        """Start fetching the batch after ``position`` (the cursor the batch in hand leaves)."""
        self.discard()
        self._next = self._pool.submit(self._follower.fetch, position)

    def discard(self) -> None:
        """Forget the batch fetched ahead (waiting for a fetch in flight, its outcome unused)."""
        pending, self._next = self._next, None
        if pending is not None and not pending.cancel():
            wait([pending])
