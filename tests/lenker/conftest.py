"""A live server on the test cast (tests/data/cast/), for the cross-register links."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from grunndata.db.database import Database
from grunndata.server import create_app
from tests.conftest import LiveServer


class Api:
    """GraphQL over HTTP against a live server."""

    def __init__(self, base: str) -> None:
        self.base = base

    def raw(self, query: str, **variables: Any) -> dict[str, Any]:
        response = httpx.post(
            f"{self.base}/graphql", json={"query": query, "variables": variables}, timeout=30
        )
        return response.json()

    def __call__(self, query: str, **variables: Any) -> dict[str, Any]:
        body = self.raw(query, **variables)
        assert "errors" not in body, body["errors"]
        return body["data"]


@pytest.fixture(scope="module")
def demo(cast_database: Database) -> Iterator[Api]:
    with LiveServer(create_app(cast_database.app_url)) as base:
        yield Api(base)
