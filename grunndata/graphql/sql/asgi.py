"""The ASGI entry: ``SqlFirst`` answers a JSON POST by the SQL forms when it can, its
persons logged as the resolvers log them (``logged_answer``), else passes it on."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

import orjson
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from grunndata.graphql import oppslagslogg
from grunndata.graphql.auth import ANONYMOUS, Principal
from grunndata.graphql.snapshot import Connections
from grunndata.graphql.sql.answers import SqlAnswer, SqlAnswers

log = logging.getLogger(__name__)


class SqlFirst:
    """ASGI: a JSON POST the ``SqlAnswers`` can answer is answered so; any other request
    goes on to ``app`` (the resolvers) with its body intact."""

    def __init__(self, app: ASGIApp, answers: SqlAnswers) -> None:
        self.app = app
        self.answers = answers

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        headers = dict(scope.get("headers", ()))
        if scope["method"] != "POST" or not headers.get(b"content-type", b"").startswith(
            b"application/json"
        ):
            await self.app(scope, receive, send)
            return
        chunks = []
        while True:
            message = await receive()
            if message["type"] != "http.request":
                await self.app(scope, _replay([message]), send)
                return
            chunks.append(message.get("body", b""))
            if not message.get("more_body"):
                break
        raw = b"".join(chunks)
        answer = None
        try:
            body = orjson.loads(raw)
        except orjson.JSONDecodeError:
            body = None
        if isinstance(body, dict):
            answer = await self._answer(scope, headers, body)
        if answer is None:
            await self.app(scope, _replay([{"type": "http.request", "body": raw}], receive), send)
            return
        await send({
            "type": "http.response.start", "status": 200,
            "headers": [(b"content-type", b"application/json"),
                        (b"content-length", str(len(answer)).encode())],
        })  # fmt: skip
        await send({"type": "http.response.body", "body": answer})

    async def _answer(
        self, scope: Scope, headers: Mapping[bytes, bytes], body: Mapping[str, Any]
    ) -> bytes | None:
        """The answer, its persons logged, or None for the resolvers (``logged_answer``)."""
        state = scope.get("state", {})
        purpose = headers.get(b"behandlingsgrunnlag")
        answer = await logged_answer(
            self.answers,
            state["snapshot"],
            scope["app"].state.lookup_log,
            body,
            read=state["snapshot"].release,
            now=dt.datetime.now(dt.UTC),
            principal=state.get("principal", ANONYMOUS),
            request_id=state.get("request_id", ""),
            behandlingsgrunnlag=purpose.decode("latin-1")[:500] if purpose else None,
        )
        return answer and answer.body


async def logged_answer(
    answers: SqlAnswers,
    connections: Connections,
    writer: oppslagslogg.LookupLogWriter,
    body: Mapping[str, Any],
    *,
    now: dt.datetime,
    principal: Principal,
    request_id: str,
    behandlingsgrunnlag: str | None,
    read: Callable[[], Awaitable[None]] | None = None,
) -> SqlAnswer | None:
    """The SQL forms' answer to ``body`` read from ``connections`` (the request's
    snapshot), its persons logged as the resolvers log them (committed before this
    returns), or None for the resolvers: when the forms decline, or when the log cannot be
    written (they report it). ``read`` is called once the answer is read, before the log
    is waited for (the request's snapshot gives back its connection)."""
    answer = await answers.answer(connections, body, now, principal)
    if read is not None:
        await read()
    if answer is None or not answer.persons:
        return answer
    try:
        await oppslagslogg.write_found(
            writer,
            answer.persons,
            principal=principal,
            now=now,
            request_id=request_id,
            operation=answer.operation,
            behandlingsgrunnlag=behandlingsgrunnlag,
        )
    except Exception:
        log.info("lookup log not written by the SQL path: the resolvers take over")
        return None
    return answer


def _replay(messages: list[Message], then: Receive | None = None) -> Receive:
    async def receive() -> Message:
        if messages:
            return messages.pop(0)
        if then is None:
            return {"type": "http.disconnect"}
        return await then()

    return receive
