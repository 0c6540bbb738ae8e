"""Stable error codes on every GraphQL error, and nothing internal in any message.

Every error leaves the HTTP view (``GraphQLApp.process_result``, which all of them pass,
parse errors included) with ``extensions.code``: the code of a ``GrunndataError``,
``INVALID_IDENTIFIER`` for identifier rules, ``GRAPHQL_PARSE_FAILED`` /
``GRAPHQL_VALIDATION_FAILED`` for bad documents, and ``INTERNAL_SERVER_ERROR`` (with the
request id, the details only in the server log) for anything unexpected.
"""

from __future__ import annotations

import logging

import psycopg
from graphql import GraphQLError
from psycopg_pool import PoolTimeout

from grunndata.errors import DatabaseUnavailable, GrunndataError
from grunndata.identifiers import InvalidIdentifier

log = logging.getLogger(__name__)

INTERNAL_MESSAGE = "Internal server error."
#: graphql-core's parser stopping at ``GRUNNDATA_MAX_TOKENS``.
TOO_MANY_TOKENS = "Document contains more than"


def error_code_and_message(exc: BaseException) -> tuple[str, str] | None:
    """The code and caller-safe message of an error we raise on purpose, else None."""
    if isinstance(exc, GrunndataError):
        return exc.code, exc.message
    if isinstance(exc, InvalidIdentifier):
        return "INVALID_IDENTIFIER", str(exc)
    if isinstance(exc, psycopg.DataError) and "NUL (0x00)" in str(exc):
        # psycopg refuses before sending: an argument carried a NUL character.
        return "INVALID_ARGUMENT", "Text arguments cannot contain NUL (0x00) characters."
    if isinstance(exc, psycopg.errors.QueryCanceled):
        return "QUERY_TIMEOUT", "The query took too long and was cancelled; ask for less."
    if _lost_the_database(exc):
        log.warning("database unavailable: %s", type(exc).__name__)
        return DatabaseUnavailable.code, "The database is unavailable; try again shortly."
    return None


#: SQLSTATEs meaning the server went away or will not take connections (class 08 aside).
_SHUTDOWN_STATES = frozenset({"57P01", "57P02", "57P03", "53300"})


def _lost_the_database(exc: BaseException) -> bool:
    """No connection could be had or kept; not any other OperationalError (a statement
    timeout or a full disk is not 'unavailable, try again')."""
    if isinstance(exc, PoolTimeout):
        return True
    if isinstance(exc, psycopg.OperationalError):
        state = exc.sqlstate
        return state is None or state.startswith("08") or state in _SHUTDOWN_STATES
    return False


def _with_code(error: GraphQLError, code: str, message: str) -> GraphQLError:
    return GraphQLError(
        message,
        nodes=error.nodes,
        source=error.source,
        positions=error.positions,
        path=error.path,
        extensions={**(error.extensions or {}), "code": code},
    )


def coded_error(error: GraphQLError, request_id: str | None = None) -> GraphQLError:
    original = error.original_error
    if original is None:
        if error.extensions and "code" in error.extensions:
            return error
        if TOO_MANY_TOKENS in error.message:
            return _with_code(error, "QUERY_TOO_COMPLEX", error.message + " (limit maxTokens)")
        code = (
            "GRAPHQL_PARSE_FAILED"
            if error.message.startswith("Syntax Error")
            else "GRAPHQL_VALIDATION_FAILED"
        )
        return _with_code(error, code, error.message)
    known = error_code_and_message(original)
    if known is not None:
        coded = _with_code(error, *known)
        if request_id and known[0] == "OVERLOADED":  # refused: the id to quote when asking
            coded.extensions["requestId"] = request_id
        return coded
    log.error(
        "unexpected error at %s (request %s)",
        error.path,
        request_id,
        exc_info=(type(original), original, original.__traceback__),
    )
    coded = _with_code(error, "INTERNAL_SERVER_ERROR", INTERNAL_MESSAGE)
    if request_id:
        coded.extensions["requestId"] = request_id
    return coded
