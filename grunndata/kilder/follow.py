"""The follow loop around one source's follower: until caught up (``--once``) or on
``--interval`` until told to stop. A stop request (SIGTERM, SIGINT) is honoured between
batches: the batch in hand commits first. The next batch is fetched while the one in hand
is merged (``ahead.Ahead``: one batch ahead, dropped unless the cursor ends where it was
fetched from).

Exit codes: 0 caught up; 1 caught up, some documents rejected; 2 stopped until the
steward acts (the cursor is older than the source keeps, the extract is gone, a malformed
page, another follower running); 3 the source did not answer (``--once``).
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable
from contextlib import closing
from dataclasses import dataclass
from typing import Any, Protocol

import httpx

from grunndata.db.database import Database
from grunndata.errors import GrunndataError
from grunndata.kilder import state
from grunndata.kilder.ahead import Ahead
from grunndata.kilder.batch import Batch, CursorMoved, apply
from grunndata.kilder.http import SourceUnavailable, Stopped
from grunndata.kilder.settings import FollowSettings

log = logging.getLogger(__name__)


class StewardNeeded(GrunndataError):
    """The follower cannot go on by itself: the message says what the steward must do."""


def read_json(response: httpx.Response, source: str, what: str) -> Any:
    """A source's JSON answer; one that is not JSON stops the follower, nothing written."""
    try:
        return json.loads(response.content)
    except ValueError as exc:
        raise StewardNeeded(
            f"{source}: {what} is malformed (not JSON: {exc.msg} at byte {exc.pos}); "
            "nothing from it was written and the cursor is unchanged"
        ) from None


@dataclass(frozen=True)
class Fetched:
    """What one fetch from a cursor found: a batch to apply, or nothing newer (caught up)."""

    batch: Batch | None = None
    lag: int | None = None
    """Events behind after this batch, when the source says."""


class Follower(Protocol):
    source: str

    def position(self) -> str | None:
        """The stored cursor to follow from (``StewardNeeded`` when there is none)."""
        ...

    def fetch(self, position: str | None) -> Fetched:
        """The batch after ``position``, fetched but not applied (nothing written); it may
        run in a thread of its own while the batch before it is applied."""
        ...

    def close(self) -> None: ...


class FollowerFactory(Protocol):
    def __call__(
        self,
        database: Database,
        settings: FollowSettings,
        stop: threading.Event,
        echo: Callable[[str], None],
    ) -> Follower: ...


@dataclass
class Totals:
    batches: int = 0
    records: int = 0
    rejected: int = 0
    merge_s: float = 0.0
    commit_s: float = 0.0
    waited_s: float = 0.0
    """Seconds the loop waited for a fetch (what fetching ahead did not hide)."""


def follow(
    database: Database,
    follower: Follower,
    *,
    once: bool,
    interval: float,
    stop: threading.Event,
    echo: Callable[[str], None],
    totals: Totals | None = None,
) -> int:
    totals = Totals() if totals is None else totals
    with state.source_lock(database, follower.source), closing(follower):
        while True:
            try:
                _until_caught_up(database, follower, stop, echo, totals)
            except Stopped:
                break
            except SourceUnavailable as exc:
                state.note(database, follower.source, error=exc.message)
                if once:
                    raise
                echo(f"{exc.message}; trying again in {interval:g} s")
            except GrunndataError as exc:
                state.note(database, follower.source, error=exc.message)
                raise
            if once or stop.wait(interval):
                break
    return 1 if totals.rejected else 0


def _until_caught_up(
    database: Database,
    follower: Follower,
    stop: threading.Event,
    echo: Callable[[str], None],
    totals: Totals,
) -> None:
    with Ahead(follower) as ahead:
        try:
            _batches(database, follower, stop, echo, totals, ahead)
        finally:
            totals.waited_s += ahead.waited_s


def _batches(
    database: Database,
    follower: Follower,
    stop: threading.Event,
    echo: Callable[[str], None],
    totals: Totals,
    ahead: Ahead,
) -> None:
    while not stop.is_set():
        fetched = ahead.take()
        batch = fetched.batch
        if batch is None:
            state.note(database, follower.source, lag=fetched.lag)
            lag = fetched.lag
            echo(f"{follower.source}: caught up" + (f" ({lag} behind)" if lag else ""))
            return
        ahead.after(batch.til)
        try:
            a = apply(database, batch)
        except CursorMoved as exc:
            ahead.discard()  # fetched from where the cursor no longer is
            echo(exc.message)
            continue
        totals.batches += 1
        totals.records += a.records
        totals.rejected += a.rejected
        totals.merge_s += a.merge_s
        totals.commit_s += a.commit_s
        echo(
            f"{batch.label}: load {a.load_id}, {a.records} documents, {a.counts.inserted} "
            f"inserted, {a.counts.superseded} superseded, {a.counts.unchanged} unchanged, "
            f"{a.rejected} rejected, {a.warnings} warnings"
            + (f" ({a.findings})" if a.findings else "")
        )
