"""The test cast (``cast_database``) served over real HTTP on loopback, to clients holding
no token: the OGC API, the tiles and the map are open data."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from grunndata.db.database import Database
from grunndata.server import create_app
from tests.conftest import LiveServer


@pytest.fixture(scope="session")
def server(cast_database: Database) -> Iterator[str]:
    with LiveServer(create_app(cast_database.app_url), token=None) as base:
        yield base
