"""A database with Matrikkelen's demo fixtures loaded, shared by the register's tests."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from grunndata.db.database import Database
from grunndata.loaders.run import run
from grunndata.registers.matrikkel import REGISTER
from grunndata.server import create_app
from tests.conftest import Clones, LiveServer

FIXTURES = Path(__file__).parent.parent.parent / "fixtures" / "matrikkel"


@pytest.fixture(scope="session")
def demo_database(clones: Clones) -> Database:
    database = clones.make()
    outcome = run([FIXTURES], formats=REGISTER.formats, database=database)
    assert [f.exit_code for f in outcome.files] == [0, 0, 0], outcome
    return database


@pytest.fixture(scope="session")
def server(demo_database: Database) -> Iterator[str]:
    with LiveServer(create_app(demo_database.app_url)) as base:
        yield base
