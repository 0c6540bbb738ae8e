"""Fetching one batch ahead (kilder/ahead.py): a fetch made ahead fails in its turn, never
more than one is ahead, and leaving waits for the one in flight."""

from __future__ import annotations

import threading
import time

import pytest

from grunndata.kilder.ahead import Ahead
from grunndata.kilder.follow import Fetched
from grunndata.kilder.http import SourceUnavailable


class _Source:
    """A follower whose fetches are recorded; ``fail`` names positions whose fetch fails."""

    source = "test"

    def __init__(self, fail: frozenset[str] = frozenset(), seconds: float = 0.0) -> None:
        self.fail, self.seconds = fail, seconds
        self.fetched: list[str | None] = []
        self.ended: list[str | None] = []
        self.threads: set[str] = set()
        self.started = threading.Semaphore(0)

    def running(self) -> None:
        """Wait until the next fetch has started (it is in flight)."""
        assert self.started.acquire(timeout=30)

    def position(self) -> str | None:
        return "0"

    def fetch(self, position: str | None) -> Fetched:
        self.fetched.append(position)
        self.started.release()
        self.threads.add(threading.current_thread().name)
        time.sleep(self.seconds)
        self.ended.append(position)
        if position in self.fail:
            raise SourceUnavailable(f"fetch from {position} failed")
        return Fetched(lag=int(position or 0))


def test_a_fetch_that_fails_ahead_fails_where_its_batch_is_taken() -> None:
    source = _Source(fail=frozenset({"2"}))
    with Ahead(source) as ahead:  # type: ignore[arg-type]
        assert ahead.take().lag == 0  # from the stored cursor, in this thread
        source.running()
        ahead.after("2")
        source.running()
        time.sleep(0.05)  # it has failed by now, yet nothing is raised until it is taken
        with pytest.raises(SourceUnavailable, match="from 2"):
            ahead.take()
        assert ahead.take().lag == 0  # then the stored cursor again, not a later batch
    assert source.fetched == ["0", "2", "0"]
    assert any(name.startswith("test-ahead") for name in source.threads)


def test_never_more_than_one_batch_ahead_and_leaving_waits_for_it() -> None:
    source = _Source(seconds=0.2)
    with Ahead(source) as ahead:  # type: ignore[arg-type]
        ahead.after("1")
        source.running()
        ahead.after("2")  # the first is dropped (waited for), not kept beside it
        assert source.ended == ["1"]
        source.running()
        ahead.after("3")
        source.running()
    assert source.ended == ["1", "2", "3"]  # leaving waited for the one in flight
    assert source.fetched == ["1", "2", "3"]
