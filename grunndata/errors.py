"""One error hierarchy for the whole engine.

Each error carries its meaning as data: a stable ``code`` (GraphQL ``extensions.code``)
and the HTTP status it maps to. Messages are sentences meant for the caller; they never
carry tracebacks or SQL.
"""

from __future__ import annotations


class GrunndataError(Exception):
    """Base of every error grunndata raises on purpose."""

    code: str = "INTERNAL_SERVER_ERROR"
    http_status: int = 500

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return self.message if self.hint is None else f"{self.message}\n{self.hint}"


class InvalidArgument(GrunndataError):
    code = "INVALID_ARGUMENT"
    http_status = 400


class NotFound(GrunndataError):
    code = "NOT_FOUND"
    http_status = 404


class NotUnique(GrunndataError):
    """A search that must identify exactly one thing matched several."""

    code = "NOT_UNIQUE"
    http_status = 400


class Unauthenticated(GrunndataError):
    code = "UNAUTHENTICATED"
    http_status = 401


class Forbidden(GrunndataError):
    code = "FORBIDDEN"
    http_status = 403


class QueryTooComplex(GrunndataError):
    code = "QUERY_TOO_COMPLEX"
    http_status = 400


class DatabaseUnavailable(GrunndataError):
    code = "DATABASE_UNAVAILABLE"
    http_status = 503


class SetupError(GrunndataError):
    """The machine lacks something grunndata needs (PostgreSQL, PostGIS, a reachable
    data directory, a database). The message says what; ``hint`` says how to fix it."""

    code = "SETUP_ERROR"


class SourceError(GrunndataError):
    """A source file cannot be read at all (unreadable, truncated, wrong header):
    nothing from it is written."""

    code = "SOURCE_ERROR"
    http_status = 400
