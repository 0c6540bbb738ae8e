"""The queries in docs/lenker.md answer on the demo data (`grunndata demo`), without errors."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest

from grunndata.server import create_app
from tests.conftest import LiveServer

DOC = (Path(__file__).parents[2] / "docs" / "lenker.md").read_text(encoding="utf-8")
QUERIES = re.findall(r"```graphql\n(.*?)```", DOC, re.S)


def test_the_doc_has_queries():
    assert len(QUERIES) >= 2


@pytest.mark.parametrize("query", QUERIES)
def test_every_documented_query_answers_on_the_demo(demo_database, query):
    with LiveServer(create_app(demo_database.app_url)) as base:
        body = httpx.post(f"{base}/graphql", json={"query": query}, timeout=10).json()
    assert "errors" not in body, body
    assert all(value for value in body["data"].values()), body
