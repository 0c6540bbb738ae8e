"""A bounded schemathesis run (issue 7 §5): queries generated from the schema, sent with and
without a token, never get a 5xx, an unmasked error, or a traceback."""

from __future__ import annotations

import httpx
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from grunndata.graphql.schema import build_schema
from tests.access.conftest import ask
from tests.conftest import examples, test_token

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
