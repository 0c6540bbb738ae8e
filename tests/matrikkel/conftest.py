"""The test cast (``cast_database``, all of ``tests/data/cast/``) served over HTTP for these
tests."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from grunndata.db.database import Database
from grunndata.server import create_app
from tests.conftest import LiveServer

FIXTURES = Path(__file__).parent.parent / "data" / "cast" / "matrikkel"


@pytest.fixture(scope="session")
def server(cast_database: Database) -> Iterator[str]:
    with LiveServer(create_app(cast_database.app_url)) as base:
        yield base
