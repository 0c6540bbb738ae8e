"""Loading Brønnøysund files into a test database."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from grunndata.db.database import Database
from grunndata.loaders.run import RunOutcome, run
from grunndata.registers.enhetsregister import REGISTER
from grunndata.server import create_app
from tests.conftest import Api, Clones, LiveServer
from tests.conftest import query as query

DATA = Path(__file__).parent / "data"


def load(db: Database | None, *paths: Path, **kwargs: Any) -> RunOutcome:
    return run(list(paths), formats=REGISTER.formats, database=db, **kwargs)


def write_json(path: Path, value: Any) -> Path:
    path.write_text(json.dumps(value, ensure_ascii=False), encoding="utf-8")
    return path


@pytest.fixture
def db(fresh_database: Database) -> Database:
    return fresh_database


FIXTURES = Path(__file__).parent.parent / "data" / "cast" / "enhetsregister"


@pytest.fixture(scope="module")
def demo(clones: Clones) -> Iterator[tuple[Database, Api]]:
    """A database with the demo fixtures loaded, and a server on it."""
    database = clones.make()
    outcome = load(database, FIXTURES)
    assert [f.status for f in outcome.files] == ["loaded"] * 3, outcome
    with LiveServer(create_app(database.app_url)) as base:
        yield database, Api(base)
    clones.drop(database)


@pytest.fixture(scope="module")
def api(demo: tuple[Database, Api]) -> Api:
    return demo[1]
