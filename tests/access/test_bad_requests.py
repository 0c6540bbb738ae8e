"""Never a 5xx for bad input: every malformed request to /graphql (invalid UTF-8, JSON that
is not an object, deep variables, a wrong content type, a batch, malformed JSON, an unknown
operationName, a wrong method) gets a JSON GraphQL error with a stable code and the request
id, over real HTTP; and so does any body hypothesis can make of raw bytes."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from grunndata.config import Settings
from grunndata.server import create_app
from tests.conftest import LiveServer

QUERY = b'{"query": "{ serverInfo { version } }"}'
JSON = "application/json"
CODES = {
    "METHOD_NOT_ALLOWED", "UNSUPPORTED_MEDIA_TYPE", "INVALID_JSON", "BATCH_NOT_SUPPORTED",
    "INVALID_REQUEST", "VARIABLES_TOO_DEEP", "OPERATION_NOT_FOUND", "NOT_FOUND",
    "GRAPHQL_PARSE_FAILED", "GRAPHQL_VALIDATION_FAILED", "UNAUTHENTICATED", "FORBIDDEN",
    "INVALID_ARGUMENT", "INVALID_IDENTIFIER", "NOT_UNIQUE", "QUERY_TOO_COMPLEX",
}  # fmt: skip


@pytest.fixture(scope="module")
def base(access_database) -> Iterator[str]:
    security = replace(Settings.from_env().security, rate_limit_per_minute=0)
    with LiveServer(create_app(access_database.app_url, security=security), token=None) as url:
        yield url


def deep(levels: int) -> bytes:
    return (
        b'{"query": "query($v: String) { serverInfo { version } }", "variables": {"v": '
        + (b"[" * levels + b"]" * levels)
        + b"}}"
    )


def send(base: str, body: bytes, content_type: str | None = JSON, method: str = "POST",
         request_id: str = "bad-1", url: str = "/graphql") -> httpx.Response:  # fmt: skip
    headers = {"x-request-id": request_id}
    if content_type is not None:
        headers["content-type"] = content_type
    return httpx.request(method, base + url, content=body, headers=headers, timeout=30)


def assert_coded(response: httpx.Response, request_id: str = "bad-1") -> str:
    assert response.status_code < 500, response.text
    assert response.headers["content-type"].startswith("application/json"), response.text
    errors = response.json()["errors"]
    assert errors, response.text
    for error in errors:
        assert error["extensions"]["code"] in CODES, error
    assert response.headers["x-request-id"] == request_id
    return errors[0]["extensions"]["code"]


@pytest.mark.parametrize(
    ("body", "content_type", "method", "status", "code"),
    [
        (b'{"query": "{ serverInfo { version } }", "x": "\xff\xfe"}', JSON, "POST", 400,
         "INVALID_JSON"),
        (b"null", JSON, "POST", 400, "INVALID_REQUEST"),
        (b'"{ serverInfo { version } }"', JSON, "POST", 400, "INVALID_REQUEST"),
        (b"42", JSON, "POST", 400, "INVALID_REQUEST"),
        (deep(3000), JSON, "POST", 400, "VARIABLES_TOO_DEEP"),
        (deep(10_000), JSON, "POST", 400, "VARIABLES_TOO_DEEP"),
        (deep(40), JSON, "POST", 400, "VARIABLES_TOO_DEEP"),
        (QUERY, "text/plain", "POST", 415, "UNSUPPORTED_MEDIA_TYPE"),
        (QUERY, None, "POST", 415, "UNSUPPORTED_MEDIA_TYPE"),
        (QUERY, "application/json-patch+json", "POST", 415, "UNSUPPORTED_MEDIA_TYPE"),
        (b"[" + QUERY + b"]", JSON, "POST", 400, "BATCH_NOT_SUPPORTED"),
        (b'{"query": "{ serverInfo {', JSON, "POST", 400, "INVALID_JSON"),
        (b'{"query": 5}', JSON, "POST", 400, "INVALID_REQUEST"),
        (b'{"query": "{ serverInfo { version } }", "variables": "x"}', JSON, "POST", 400,
         "INVALID_REQUEST"),
        (b'{"query": "query A { serverInfo { version } }", "operationName": "B"}', JSON, "POST",
         400, "OPERATION_NOT_FOUND"),
        (b"{}", JSON, "POST", 400, "INVALID_REQUEST"),
        (QUERY, JSON, "PUT", 405, "METHOD_NOT_ALLOWED"),
        (QUERY, JSON, "DELETE", 405, "METHOD_NOT_ALLOWED"),
    ],
    ids=["invalid-utf8", "null", "string", "number", "deep-3000", "deep-10000", "deep-40",
         "text-plain", "no-content-type", "json-patch", "batch", "malformed", "query-number",
         "variables-string", "unknown-operation", "no-query", "put", "delete"],
)  # fmt: skip
def test_a_malformed_request_gets_a_coded_json_error_with_the_request_id(
    base, body, content_type, method, status, code
):
    response = send(base, body, content_type, method)
    assert (response.status_code, assert_coded(response)) == (status, code), response.text
    assert response.json()["errors"][0]["extensions"]["requestId"] == "bad-1"


@pytest.mark.parametrize(
    "query",
    ["?query=%7B%20serverInfo%20%7B%20version%20%7D%20%7D&variables=%5B%5B",
     "?query=x&variables=" + "%5B" * 5000 + "%5D" * 5000, "?variables=%FF"],
    ids=["variables-malformed", "variables-deep", "not-utf8"],
)  # fmt: skip
def test_a_malformed_get_gets_a_coded_json_error(base, query):
    response = httpx.get(base + "/graphql" + query, headers={"x-request-id": "bad-1"})
    assert response.status_code == 400
    assert_coded(response)


def test_a_good_request_still_answers(base):
    response = send(base, QUERY)
    assert response.status_code == 200 and "errors" not in response.json(), response.text


BODIES = st.one_of(
    st.binary(max_size=300),
    st.builds(lambda prefix, tail: prefix + tail, st.sampled_from(
        [b"{", b"[", b'{"query": ', b'{"query": "{ serverInfo { version } }", "variables": ',
         b'{"operationName": ', b"[{", b"\xef\xbb\xbf{"]), st.binary(max_size=200)),
    st.builds(deep, st.integers(0, 5000)),
)  # fmt: skip
CONTENT_TYPES = st.one_of(
    st.none(),
    st.sampled_from([JSON, "application/json; charset=utf-8", "text/plain", "application/graphql",
                     "multipart/form-data; boundary=x", "application/x-www-form-urlencoded"]),
    # what an HTTP client can send: printable, no white space at either end
    st.text(st.characters(min_codepoint=32, max_codepoint=126), max_size=40).map(str.strip),
)  # fmt: skip


@pytest.mark.slow
@settings(
    max_examples=300,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(body=BODIES, content_type=CONTENT_TYPES, method=st.sampled_from(["POST", "POST", "GET"]))
def test_any_raw_body_gets_no_5xx_and_a_coded_json_answer(base, body, content_type, method):
    response = send(base, body, content_type, method, request_id="fuzz-1")
    assert response.status_code < 500, (body, content_type, response.text)
    answer = response.json()  # JSON every time, never plain text
    for error in answer.get("errors", []):
        assert error["extensions"]["code"] in CODES, (body, error)
    if response.status_code >= 400:
        assert answer["errors"] and response.headers["x-request-id"] == "fuzz-1"
