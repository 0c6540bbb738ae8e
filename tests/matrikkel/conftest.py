"""The demo data (``demo_database``, all of ``fixtures/``) served over HTTP for these tests."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from grunndata.db.database import Database
from grunndata.server import create_app
from tests.conftest import LiveServer

FIXTURES = Path(__file__).parent.parent.parent / "fixtures" / "matrikkel"


@pytest.fixture(scope="session")
def server(demo_database: Database) -> Iterator[str]:
    with LiveServer(create_app(demo_database.app_url)) as base:
        yield base
