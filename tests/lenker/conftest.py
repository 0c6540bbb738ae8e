"""A live server on the test cast (tests/data/cast/), for the cross-register links."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from grunndata.db.database import Database
from grunndata.server import create_app
from tests.conftest import Api, LiveServer


@pytest.fixture(scope="module")
def demo(cast_database: Database) -> Iterator[Api]:
    with LiveServer(create_app(cast_database.app_url)) as base:
        yield Api(base)
