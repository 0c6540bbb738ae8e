"""The follow loop around one source's follower: until caught up (``--once``) or on
``--interval`` until told to stop. A stop request (SIGTERM, SIGINT) is honoured between
batches: the batch in hand commits first.

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
from grunndata.kilder.batch import Applied, CursorMoved
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
class Step:
    applied: Applied | None = None
    label: str = ""
    caught_up: bool = False
    lag: int | None = None


class Follower(Protocol):
    source: str

    def step(self) -> Step:
        """Fetch and apply one batch, or say that the source has nothing newer."""
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


def follow(
    database: Database,
    follower: Follower,
    *,
    once: bool,
    interval: float,
    stop: threading.Event,
    echo: Callable[[str], None],
) -> int:
    totals = Totals()
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
    while not stop.is_set():
        try:
            step = follower.step()
        except CursorMoved as exc:
            echo(exc.message)
            continue
        if step.applied is not None:
            a = step.applied
            totals.batches += 1
            totals.records += a.records
            totals.rejected += a.rejected
            echo(
                f"{step.label}: load {a.load_id}, {a.records} documents, {a.counts.inserted} "
                f"inserted, {a.counts.superseded} superseded, {a.counts.unchanged} unchanged, "
                f"{a.rejected} rejected, {a.warnings} warnings"
                + (f" ({a.findings})" if a.findings else "")
            )
        if step.caught_up:
            state.note(database, follower.source, lag=step.lag)
            echo(f"{follower.source}: caught up" + (f" ({step.lag} behind)" if step.lag else ""))
            return
