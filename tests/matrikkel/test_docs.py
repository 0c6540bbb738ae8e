"""The queries in docs/matrikkel.md answer on the demo data, without errors."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from grunndata.db.database import Database
from grunndata.server import create_app
from tests.conftest import LiveServer
from tests.matrikkel.test_graphql import gql

DOC = (Path(__file__).parent.parent.parent / "docs" / "matrikkel.md").read_text(encoding="utf-8")
QUERIES = re.findall(r"```graphql\n(.*?)```", DOC, re.S)


def test_the_doc_has_queries():
    assert len(QUERIES) >= 3


@pytest.fixture(scope="module")
def demo_server(demo_database: Database):
    with LiveServer(create_app(demo_database.app_url)) as base:
        yield base


@pytest.mark.parametrize("query", QUERIES)
def test_every_documented_query_answers(demo_server, query):
    body = gql(demo_server, query)
    assert "errors" not in body, body
    assert all(value for value in body["data"].values()), body
