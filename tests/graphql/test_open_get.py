"""GET on /graphql: open-data queries in the URL with ETag and Cache-Control; a token or a
guarded field is refused with GET_NOT_OPEN_DATA (person data never travels in URLs)."""

from __future__ import annotations

import json
from collections.abc import Iterator

import httpx
import pytest

from grunndata.db.database import Database
from grunndata.server import create_app
from tests.conftest import LiveServer, test_token

OPEN = '{ adresser(sok: "Tyrihansveien 8", first: 1) { edges { node { adressetekst } } } }'


@pytest.fixture(scope="module")
def server(cast_database: Database) -> Iterator[str]:
    with LiveServer(create_app(cast_database.app_url), token=None) as base:
        yield base


def test_an_open_data_query_by_get_is_answered_and_cacheable(server):
    first = httpx.get(f"{server}/graphql", params={"query": OPEN})
    assert first.status_code == 200, first.text
    node = first.json()["data"]["adresser"]["edges"][0]["node"]
    assert node == {"adressetekst": "Tyrihansveien 8"}
    assert first.headers["cache-control"].startswith("public") and first.headers["etag"]
    again = httpx.get(first.url, headers={"If-None-Match": first.headers["etag"]})
    assert again.status_code == 304


def test_variables_in_the_url(server):
    query = "query($m: String!) { eiendom(matrikkelnummer: $m) { matrikkelnummer arealM2 } }"
    variables = json.dumps({"m": "4204-97/90"})
    answer = httpx.get(f"{server}/graphql", params={"query": query, "variables": variables})
    assert answer.json()["data"]["eiendom"]["matrikkelnummer"] == "4204-97/90/0/0"


@pytest.mark.parametrize(
    ("query", "token"),
    [
        (OPEN, test_token(ttl=86400)),  # made at collection: valid for the whole suite
        ('{ eiendom(matrikkelnummer: "4204-97/90") { hjemmelshavere { navn } } }', None),
        ('{ person(identifikasjonsnummer: "14834806046") { navn { fornavn } } }', None),
        (
            'query { ...F } fragment F on Query { eiendom(matrikkelnummer: "4204-97/90") '
            "{ hjemmelshavere { navn } } }",
            None,
        ),
    ],
)
def test_a_token_or_a_guarded_field_is_refused(server, query, token):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    answer = httpx.get(f"{server}/graphql", params={"query": query}, headers=headers)
    assert answer.status_code == 400
    assert answer.json()["errors"][0]["extensions"]["code"] == "GET_NOT_OPEN_DATA"
    assert "etag" not in answer.headers
