"""Which exceptions become which codes."""

from __future__ import annotations

import psycopg
import pytest
from psycopg import errors
from psycopg_pool import PoolTimeout

from grunndata.graphql.errors import error_code_and_message


@pytest.mark.parametrize(
    "exc",
    [PoolTimeout("no connection"), psycopg.OperationalError("connection refused"),
     errors.AdminShutdown("x"), errors.ConnectionFailure("x"), errors.TooManyConnections("x")],
)  # fmt: skip
def test_lost_connections_are_database_unavailable(exc):
    assert error_code_and_message(exc) == (
        "DATABASE_UNAVAILABLE", "The database is unavailable; try again shortly."
    )  # fmt: skip


@pytest.mark.parametrize("exc", [errors.DiskFull("x"), errors.SerializationFailure("x")])
def test_other_database_errors_are_not_called_unavailable(exc):
    assert error_code_and_message(exc) is None, "left to masking as INTERNAL_SERVER_ERROR"


def test_a_statement_cancelled_by_the_timeout_is_query_timeout_not_unavailable():
    code, message = error_code_and_message(errors.QueryCanceled("timeout"))  # type: ignore[misc]
    assert code == "QUERY_TIMEOUT" and "timeout" not in message


@pytest.mark.parametrize(
    "query",
    [
        '{ enheter(filter: {navn: "kors\\u0000vik"}) { totalCount } }',
        '{ adresser(sok: "Tyrihans\\u0000veien") { totalCount } }',
    ],
)
def test_a_nul_character_in_any_text_argument_is_invalid_argument(database, query):
    import httpx

    from grunndata.server import create_app
    from tests.conftest import LiveServer

    with LiveServer(create_app(database.app_url)) as base:
        body = httpx.post(f"{base}/graphql", json={"query": query}, timeout=10).json()
    (error,) = body["errors"]
    assert error["extensions"]["code"] == "INVALID_ARGUMENT", error
    assert "NUL" in error["message"]
