"""GET on ``/graphql`` for open data: queries in the URL (``?query=…&variables=…``) that
read no guarded field, so browsers, QGIS and caches can use them, answered with an ETag
(of the answer) and ``Cache-Control``.

Person data never travels in URLs, which end up in logs: a GET that carries a token, or
selects a field with an access rule (``access.rule_for``: any field of a person, or one
that reaches persons, such as ``hjemmelshavere``), is refused with ``GET_NOT_OPEN_DATA``
(HTTP 400). A GET asking for HTML (a browser) is passed on: GraphiQL where it is enabled.
"""

from __future__ import annotations

import hashlib
from urllib.parse import parse_qs

import orjson
from graphql import (
    GraphQLError,
    GraphQLSchema,
    OperationDefinitionNode,
    OperationType,
    parse,
)
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from grunndata.graphql import access, limits

CODE = "GET_NOT_OPEN_DATA"
CACHE_CONTROL = b"public, max-age=60"


def guarded_fields(schema: GraphQLSchema, query: str) -> list[str] | None:
    """``Type.field`` of every guarded field the query's operations select; None when the
    text is no query document (GraphQL's own errors then say why)."""
    try:
        document = parse(query)
    except GraphQLError:
        return None
    fragments = limits.fragments_of(document)
    found: list[str] = []
    for definition in document.definitions:
        if isinstance(definition, OperationDefinitionNode):
            if definition.operation != OperationType.QUERY or schema.query_type is None:
                return None  # a mutation: strawberry refuses it on GET
            selection, root = definition.selection_set, schema.query_type
            found += [f for f, _ in access.selected_rules(schema, selection, root, fragments)]
    return found


class OpenGet:
    def __init__(self, app: ASGIApp, schema: GraphQLSchema) -> None:
        self.app = app
        self.schema = schema

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "GET":
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        if b"text/html" in headers.get(b"accept", b""):
            await self.app(scope, receive, send)  # GraphiQL, where it is enabled
            return
        query = parse_qs(scope.get("query_string", b"").decode("latin-1")).get("query", [""])[0]
        if b"authorization" in headers:
            await _refuse(send, "A GET may not carry a token: send it with POST.")
            return
        guarded = guarded_fields(self.schema, query)
        if guarded:
            names = ", ".join(sorted(set(guarded))[:10])
            await _refuse(send, f"A GET may read open data only; guarded: {names}. Use POST.")
            return
        await self._cached(scope, receive, send, headers.get(b"if-none-match", b""))

    async def _cached(self, scope: Scope, receive: Receive, send: Send, given: bytes) -> None:
        """The answer held back until it is whole, to give it an ETag (answers to GET are
        open data and small); ``If-None-Match`` with that tag is a 304."""
        start: Message = {}
        body = bytearray()

        async def hold(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                start = message
            else:
                body.extend(message.get("body", b""))

        await self.app(scope, receive, hold)
        tag = b'"' + hashlib.sha256(bytes(body)).hexdigest()[:32].encode() + b'"'
        status = start.get("status", 200)
        kept = [(k, v) for k, v in start.get("headers", []) if k.lower() != b"content-length"]
        if status == 200:
            kept += [(b"etag", tag), (b"cache-control", CACHE_CONTROL)]
            if tag in [t.strip() for t in given.split(b",")]:
                await send({"type": "http.response.start", "status": 304, "headers": kept})
                await send({"type": "http.response.body", "body": b""})
                return
        kept.append((b"content-length", str(len(body)).encode()))
        await send({"type": "http.response.start", "status": status, "headers": kept})
        await send({"type": "http.response.body", "body": bytes(body)})


async def _refuse(send: Send, message: str) -> None:
    body = orjson.dumps({"data": None, "errors": [{"message": message,
                                                   "extensions": {"code": CODE}}]})  # fmt: skip
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
               (b"cache-control", b"no-store")]  # fmt: skip
    await send({"type": "http.response.start", "status": 400, "headers": headers})
    await send({"type": "http.response.body", "body": body})
