"""A bounded schemathesis run (issue 7 §5): queries generated from the schema, sent with and
without a token, never get a 5xx, an unmasked error, or a traceback; and the same queries
sent malformed (in a batch, as a JSON string, with the wrong content type, naming an
operation they lack, nested in deep variables) get a coded JSON error with the request
id."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from grunndata.config import Settings
from grunndata.graphql.schema import build_schema
from grunndata.server import create_app
from tests.access.conftest import ask
from tests.conftest import LiveServer, examples, test_token

API = schemathesis.graphql.from_file(str(build_schema()))
OPERATIONS = [result.ok() for result in API.get_all_operations()]
CASES = st.one_of([operation.as_strategy() for operation in OPERATIONS])
CODES = {
    "FORBIDDEN", "UNAUTHENTICATED", "INVALID_ARGUMENT", "INVALID_IDENTIFIER", "NOT_FOUND",
    "NOT_UNIQUE", "QUERY_TOO_COMPLEX", "GRAPHQL_VALIDATION_FAILED", "GRAPHQL_PARSE_FAILED",
    "QUERY_TIMEOUT",
}  # fmt: skip
TOKEN = test_token(ttl=3600)


@settings(
    max_examples=examples(150),
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(case=CASES, with_token=st.booleans())
def test_generated_queries_get_no_5xx_and_only_coded_errors(server, case, with_token):
    response = ask(server, case.body, TOKEN if with_token else None)
    assert response.status_code < 500, (case.body, response.text)
    assert "Traceback" not in response.text and "psycopg" not in response.text
    body = response.json()
    for error in body.get("errors", []):
        assert error["extensions"]["code"] in CODES, (case.body, error)


def test_the_schema_served_is_the_one_fuzzed(server):
    assert httpx.get(f"{server}/healthz").status_code == 200
    assert len(OPERATIONS) >= 10


@pytest.fixture(scope="module")
def unlimited(access_database) -> Iterator[str]:
    """The app without a rate limit, so that every malformed case reaches the check."""
    security = replace(Settings.from_env().security, rate_limit_per_minute=0)
    with LiveServer(create_app(access_database.app_url, security=security), token=None) as url:
        yield url


DEEP = "[" * 5000 + "]" * 5000
MALFORMED = {
    "batch": (lambda q: json.dumps([{"query": q}]), "application/json", "BATCH_NOT_SUPPORTED"),
    "string": (lambda q: json.dumps(q), "application/json", "INVALID_REQUEST"),
    "content-type": (lambda q: json.dumps({"query": q}), "text/plain", "UNSUPPORTED_MEDIA_TYPE"),
    "operation": (
        lambda q: json.dumps({"query": q, "operationName": "EtAnnetNavn"}),
        "application/json",
        "OPERATION_NOT_FOUND",
    ),
    "deep": (
        lambda q: '{"query": ' + json.dumps(q) + ', "variables": {"v": ' + DEEP + "}}",
        "application/json",
        "VARIABLES_TOO_DEEP",
    ),
}


@settings(
    max_examples=60,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(case=CASES, how=st.sampled_from(sorted(MALFORMED)))
def test_generated_queries_sent_malformed_get_a_coded_json_error(unlimited, case, how):
    make, content_type, code = MALFORMED[how]
    query = case.body["query"] if isinstance(case.body, dict) else case.body
    response = httpx.post(
        f"{unlimited}/graphql",
        content=make(query).encode(),
        headers={"content-type": content_type, "x-request-id": "fuzzed"},
        timeout=20,
    )
    assert response.status_code < 500, (how, response.text)
    (error,) = response.json()["errors"]
    assert error["extensions"] == {"code": code, "requestId": "fuzzed"}, (how, query, error)
