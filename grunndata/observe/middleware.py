"""Per-request measurements: ``Observe`` counts and times every request, and writes one
log line per request to ``/graphql`` (request id, operation, answer path, duration, status,
code, the consumer's organisasjonsnummer; never a person's identifier, a query's text or
its variables).

It watches what passes: the request body as the gate reads it (for the operation name),
the status, and the answer's bytes for a GraphQL error's code (its first). Which path
answered is marked by ``answered_by`` wrappers around the SQL forms and the resolvers.
"""

from __future__ import annotations

import logging
import re
from time import perf_counter
from typing import Any
from urllib.parse import parse_qs

import orjson
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from grunndata.graphql.oppslagslogg import operation_name
from grunndata.observe import metrics
from grunndata.observe.metrics import CodeLabels, OperationLabels, safe_operation

log = logging.getLogger("grunndata.request")

#: The bodies kept for the operation name: the gate refuses bigger ones anyway.
MAX_KEPT = 1 << 20
_ERRORS = b'"errors":['
_CODE = re.compile(rb'"code":"([^"\\]{1,64})"')
#: Routes other than /graphql, by their first path segment; any other is ``other``.
ROUTES = frozenset({"healthz", "collections", "conformance", "tiles", "kart", "api", "static",
                    "metrics", ""})  # fmt: skip


def answered_by(path: str, app: ASGIApp) -> ASGIApp:
    """``app``, marking the requests it takes as answered by ``path`` (sql, resolvers)."""

    async def marked(scope: Scope, receive: Receive, send: Send) -> None:
        scope["state"]["answer"] = path
        await app(scope, receive, send)

    return marked


def error_code(body: bytes) -> str | None:
    """The code of the first GraphQL error in an answer's (compact JSON) bytes, if any."""
    at = body.find(_ERRORS)
    if at < 0:
        return None
    found = _CODE.search(body, at)
    return found.group(1).decode("latin-1") if found else "UNCODED"


class _Seen:
    __slots__ = ("body", "code", "kept", "status")

    def __init__(self) -> None:
        self.status = 500
        self.code: str | None = None
        self.body: list[bytes] = []
        self.kept = 0


class Observe:
    def __init__(self, app: ASGIApp, *, graphql_path: str, operations: OperationLabels) -> None:
        self.app = app
        self.graphql_path = graphql_path
        self.operations = operations
        self.codes = CodeLabels()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = perf_counter()
        seen = _Seen()
        graphql = scope["path"].rstrip("/") == self.graphql_path
        if graphql and scope["method"] == "POST":
            receive = _kept(receive, seen)

        async def observed(message: Message) -> None:
            if message["type"] == "http.response.start":
                seen.status = message["status"]
            elif graphql and seen.code is None and message["type"] == "http.response.body":
                seen.code = error_code(message.get("body", b""))
            await send(message)

        try:
            await self.app(scope, receive, observed)
        except Exception:
            seen.status, seen.code = 500, "INTERNAL_SERVER_ERROR"
            raise
        finally:
            seconds = perf_counter() - start
            if graphql:
                self._graphql(scope, seen, seconds)
            else:
                self._other(scope, seen, seconds)

    def _graphql(self, scope: Scope, seen: _Seen, seconds: float) -> None:
        state = scope.get("state", {})
        name = _operation(scope, seen.body)
        operation = self.operations.label(name)
        path = state.get("answer") or "refused"
        code = self.codes.label(
            seen.code if seen.code or seen.status < 400 else f"HTTP_{seen.status}"
        )
        metrics.GRAPHQL_REQUESTS.labels(operation, path, code).inc()
        metrics.GRAPHQL_SECONDS.labels(operation, path).observe(seconds)
        if seen.status == 429:
            metrics.RATE_LIMITED.labels("graphql").inc()
        if log.isEnabledFor(logging.INFO):
            principal = state.get("principal")
            fields = {
                "request_id": state.get("request_id"), "method": scope["method"],
                "path": scope["path"], "operation": safe_operation(name), "answer": path,
                "status": seen.status, "code": code, "duration_ms": round(seconds * 1000, 2),
                "konsument": getattr(principal, "orgnr", None),
            }  # fmt: skip
            # made directly: logging's search of the stack for the caller costs more than
            # the rest of the line
            log.handle(log.makeRecord(log.name, logging.INFO, __file__, 0, "request", (), None,
                                      extra={"fields": fields}))  # fmt: skip

    def _other(self, scope: Scope, seen: _Seen, seconds: float) -> None:
        first = scope["path"].lstrip("/").split("/", 1)[0]
        route = first if first in ROUTES else "other"
        metrics.HTTP_REQUESTS.labels(route, str(seen.status)).inc()
        metrics.HTTP_SECONDS.labels(route).observe(seconds)
        if seen.status == 429:
            metrics.RATE_LIMITED.labels(route).inc()


def _kept(receive: Receive, seen: _Seen) -> Receive:
    async def keeping() -> Message:
        message = await receive()
        if message["type"] == "http.request" and seen.kept <= MAX_KEPT:
            chunk = message.get("body", b"")
            seen.kept += len(chunk)
            seen.body.append(chunk)
        return message

    return keeping


def _operation(scope: Scope, body: list[bytes]) -> str | None:
    """The operation's name: ``operationName``, else the first operation's in the query."""
    if scope["method"] == "GET":
        params = parse_qs(scope.get("query_string", b"").decode("latin-1"))
        given = params.get("operationName", [None])[0]
        return operation_name(given, params.get("query", [None])[0])
    try:
        request: Any = orjson.loads(b"".join(body))
    except orjson.JSONDecodeError:
        return None
    if not isinstance(request, dict):
        return None
    query = request.get("query")
    return operation_name(request.get("operationName"), query if isinstance(query, str) else None)
