"""The queries in docs/matrikkel.md answer on the demo data, without errors."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.matrikkel.test_graphql import gql

DOC = (Path(__file__).parent.parent.parent / "docs" / "matrikkel.md").read_text(encoding="utf-8")
QUERIES = re.findall(r"```graphql\n(.*?)```", DOC, re.S)


def test_the_doc_has_queries():
    assert len(QUERIES) >= 3


@pytest.mark.parametrize("query", QUERIES)
def test_every_documented_query_answers(server, query):
    body = gql(server, query)
    assert "errors" not in body, body
    assert all(value for value in body["data"].values()), body
