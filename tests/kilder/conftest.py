"""The followers against the stand-ins, over real HTTP on loopback, into a real PostGIS."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pytest

from grunndata.cli.follow import sources
from grunndata.db.database import Database, connect
from grunndata.kilder import state
from grunndata.kilder.follow import follow
from grunndata.kilder.settings import FollowSettings
from grunndata.kilder.standin.app import StandIn, serving
from grunndata.kilder.standin.freg import BASE as FREG_BASE
from grunndata.kilder.standin.world import World
from grunndata.loaders.run import run
from grunndata.registers import REGISTERS


@dataclass
class Sources:
    standin: StandIn
    base: str
    settings: FollowSettings

    @property
    def world(self) -> World:
        return self.standin.world


@pytest.fixture
def sources_(request: pytest.FixtureRequest) -> Iterator[Sources]:
    persons = getattr(request, "param", 60)
    standin = StandIn(World(persons, seed=7, changes_per_day=12))
    with serving(standin) as base:
        settings = FollowSettings(
            freg_url=f"{base}{FREG_BASE}",
            brreg_url=f"{base}/enhetsregisteret/api",
            retries=3,
            backoff_s=0.01,
            timeout_s=2.0,
        )
        yield Sources(standin, base, settings)


def run_follower(
    database: Database,
    source: str,
    settings: FollowSettings,
    *,
    baseline: bool = False,
    echo: list[str] | None = None,
) -> int:
    """``grunndata follow SOURCE --once`` in this process."""
    lines = echo if echo is not None else []
    stop = threading.Event()
    follower = sources()[source](database, settings, stop, lines.append)
    try:
        if baseline:
            with state.source_lock(database, source):
                follower.baseline()  # type: ignore[attr-defined]
        return follow(database, follower, once=True, interval=0, stop=stop, echo=lines.append)
    finally:
        follower.close()


def load_files(database: Database, paths: list[Path]) -> None:
    formats = [f for r in REGISTERS for f in r.formats]
    outcome = run(paths, formats=formats, database=database)
    assert outcome.exit_code == 0, [f.message for f in outcome.files]


def cursor(database: Database, source: str) -> state.Kilde:
    with connect(database.app_url) as conn:
        return state.read(conn, source)


def rows(database: Database, statement: str, params: Any = None) -> list[tuple[Any, ...]]:
    with connect(database.app_url) as conn:
        return conn.execute(statement, params).fetchall()


def no_retries(settings: FollowSettings) -> FollowSettings:
    return replace(settings, retries=0)
