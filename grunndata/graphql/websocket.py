"""GraphQL over WebSocket (``graphql-transport-ws``): strawberry's protocol handler, with
grunndata's rules for a connection that lives for hours.

- **Token:** ``connection_init``'s payload carries ``Authorization: Bearer <token>`` (the
  header's name and value; none: anonymous, open data only) and may carry
  ``Behandlingsgrunnlag``. It is checked at connect and again when the token expires:
  the socket is closed with 4401 then.
- **Keep-alive:** the server sends a protocol ``ping`` every ``KEEPALIVE_S`` and closes
  with 4408 when no ``pong`` came back within ``PONG_TIMEOUT_S``; it answers the
  client's pings.
- **Slow consumers:** what waits for a consumer is bounded: a subscription's buffer
  (``grunndata.feed.listen``; past it, the subscription reads on from the table) and one
  message being sent. A message the client does not take within ``SEND_TIMEOUT_S`` closes
  the socket with 4503 (``SLOW_CONSUMER``); the client resumes after the last event it
  received. Other consumers are never held back.
- **Lookup log:** before each message leaves, the persons in it are written to the lookup
  log (as an HTTP answer's are); when that fails the socket is closed with 4500.
- **Bad input:** a message that is not a JSON object with a known ``type``, a malformed
  ``connection_init`` or ``subscribe``: 4400, with a reason saying what was wrong.
- **Rate:** each ``connection_init`` and each ``subscribe`` spends one request of the
  consumer's share of ``/graphql`` (the same per-client buckets, the view's ``limiter``);
  over it, the socket is closed with 4429 (``RATE_LIMITED``, saying when to retry).

Every close reason starts with a stable code (``INVALID_TOKEN: …``); no reason carries a
trace. A connection the client stops reading is ended even when the close frame cannot
be sent.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import uuid
from collections.abc import AsyncGenerator, Mapping
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import orjson
from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import (
    BaseGraphQLTransportWSHandler,
)
from strawberry.types import ExecutionResult

from grunndata.feed import fanout
from grunndata.graphql import oppslagslogg
from grunndata.graphql.access import Lookups
from grunndata.graphql.auth import Authenticator, InvalidToken
from grunndata.graphql.context import Context
from grunndata.graphql.errors import coded_error
from grunndata.graphql.gate import RateLimiter, consumer_key

log = logging.getLogger(__name__)

KEEPALIVE_S = 15.0
PONG_TIMEOUT_S = 10.0
SEND_TIMEOUT_S = 10.0
CLOSE_TIMEOUT_S = 30.0  # a slow client still gets the reason once it reads
MAX_REASON_BYTES = 123  # RFC 6455: a close reason fits in one control frame

BAD_REQUEST = 4400
UNAUTHORIZED = 4401
PONG_TIMEOUT = 4408
RATE_LIMITED = 4429
INTERNAL = 4500
SLOW_CONSUMER = 4503

#: The connection and operation a subscription's resolver runs for (set in its task).
OPERATION: ContextVar[tuple[GrunndataTransportWS, Any] | None] = ContextVar(
    "operation", default=None
)


@dataclass
class SocketContext(Context):
    """A WebSocket connection's context: one ``Context`` for all its operations, with
    what the connection knows beyond a request (set at ``connection_init``)."""

    feed: Any = None  # the process's ``FeedListener``, when it serves the feed
    behandlingsgrunnlag: str | None = None


def reason(code: str, message: str) -> str:
    """``CODE: message``, cut to what a close frame holds."""
    text = f"{code}: {message}".encode()
    return text[:MAX_REASON_BYTES].decode(errors="ignore")


class GrunndataTransportWS(BaseGraphQLTransportWSHandler[Context, None]):
    """See the module docstring. The view gives it an ``authenticator`` and the lookup
    log's ``writer`` (``GraphQLApp``)."""

    context: SocketContext

    async def handle(self) -> None:
        self._ended = asyncio.Event()
        self._pong = asyncio.Event()
        self._timers: list[asyncio.Task[None]] = []
        self._log_lock = asyncio.Lock()
        self._alive = False
        self._names: dict[str, str] = {}  # the lookup log's name of each operation
        work = asyncio.create_task(super().handle())
        ended = asyncio.create_task(self._ended.wait())
        try:
            await asyncio.wait({work, ended}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in (work, ended, *self._timers):
                task.cancel()
            for task in (work, ended, *self._timers):
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await task

    async def close(self, code: int, text: str) -> None:
        """Close with ``code`` and ``text``, and end the connection even when the client
        does not read the close frame."""
        if self._ended.is_set():
            return
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self.websocket.close(code, reason=text), CLOSE_TIMEOUT_S)
        self._ended.set()

    async def handle_message(self, message: Any) -> None:
        problem = _problem(message)
        if problem is not None:
            await self.close(BAD_REQUEST, reason("BAD_MESSAGE", problem))
            return
        await super().handle_message(message)

    async def handle_invalid_message(self, error_message: str) -> None:
        await self.close(BAD_REQUEST, reason("BAD_MESSAGE", error_message))

    async def handle_connection_init(self, message: Any) -> None:
        payload = message.get("payload")
        if payload is None:
            payload = {}
        if not isinstance(payload, dict):
            problem = "connection_init's payload must be a JSON object"
            await self.close(BAD_REQUEST, reason("BAD_CONNECTION_INIT", problem))
            return
        given = {str(k).lower(): v for k, v in payload.items()}
        authorization = given.get("authorization") or None
        purpose = given.get("behandlingsgrunnlag")
        if not isinstance(authorization, str | None) or not isinstance(purpose, str | None):
            problem = "Authorization and Behandlingsgrunnlag must be strings"
            await self.close(BAD_REQUEST, reason("BAD_CONNECTION_INIT", problem))
            return
        if authorization is not None and not self.connection_init_received:
            try:
                expires = await self._authenticate(authorization)
            except InvalidToken as exc:
                if self.connection_init_timeout_task:
                    self.connection_init_timeout_task.cancel()
                await self.close(UNAUTHORIZED, reason(exc.code, exc.message))
                return
            self._timers.append(asyncio.create_task(self._expire(expires)))
        self.context.behandlingsgrunnlag = purpose[:500] if purpose else None
        if not self.connection_init_received and not await self._within_rate():
            return
        await super().handle_connection_init(message)
        if self.connection_acknowledged and not self._alive:
            self._alive = True
            self._timers.append(asyncio.create_task(self._keepalive()))

    async def handle_subscribe(self, message: Any) -> None:
        if await self._within_rate():
            await super().handle_subscribe(message)

    async def _within_rate(self) -> bool:
        """Spend one of the consumer's requests; over its share, close (4429)."""
        limiter: RateLimiter | None = getattr(self.view, "limiter", None)
        if limiter is None:
            return True
        key = consumer_key(self.context.principal, self.websocket.ws.scope)  # type: ignore[attr-defined]
        if (seconds := limiter.retry_after(key)) is None:
            return True
        if self.connection_init_timeout_task:
            self.connection_init_timeout_task.cancel()
        too_many = f"too many requests from this consumer; retry after {seconds} s"
        await self.close(RATE_LIMITED, reason("RATE_LIMITED", too_many))
        return False

    async def _authenticate(self, authorization: str) -> float:
        kind, _, token = authorization.strip().partition(" ")
        if kind.lower() != "bearer" or not token.strip():
            raise InvalidToken("Authorization must be 'Bearer <token>'.")
        authenticator: Authenticator = self.view.authenticator  # type: ignore[attr-defined]
        principal, expires = await asyncio.to_thread(authenticator.verify_until, token.strip())
        self.context.principal = principal
        return expires

    async def _expire(self, expires: float) -> None:
        await asyncio.sleep(max(0.0, expires - time.time()))
        await self.close(UNAUTHORIZED, reason("TOKEN_EXPIRED", "the token has expired; "
                                              "connect again with a new one"))  # fmt: skip

    async def _keepalive(self) -> None:
        while True:
            await asyncio.sleep(KEEPALIVE_S)
            self._pong.clear()
            await self.send_message({"type": "ping"})
            try:
                await asyncio.wait_for(self._pong.wait(), PONG_TIMEOUT_S)
            except TimeoutError:
                no_pong = f"no pong within {PONG_TIMEOUT_S:g} s of a ping"
                await self.close(PONG_TIMEOUT, reason("PONG_TIMEOUT", no_pong))
                return

    async def handle_pong(self, message: Any) -> None:
        self._pong.set()

    async def send_message(self, message: Mapping[str, Any]) -> None:  # type: ignore[override]
        """As text (the protocol's frames); a send the client does not take within
        ``SEND_TIMEOUT_S`` makes it a slow consumer."""
        await self._send_text(orjson.dumps(message).decode())

    async def _send_text(self, text: str) -> None:
        if self._ended.is_set():
            return
        try:
            async with asyncio.timeout(SEND_TIMEOUT_S):  # no task per message, as wait_for
                await self.websocket.ws.send_text(text)  # type: ignore[attr-defined]
        except TimeoutError:
            waited = f"unread for {SEND_TIMEOUT_S:g} s; resume after the last event received"
            await self.close(SLOW_CONSUMER, reason("SLOW_CONSUMER", waited))
        except Exception:  # the client has gone: the receiving loop ends the connection
            self._ended.set()

    async def _send_result_stream(self, operation: Any, result_source: Any) -> None:
        """Each result with coded errors, and its persons logged before it is sent."""
        await super()._send_result_stream(operation, self._logged(operation, result_source))

    async def _logged(self, operation: Any, results: Any) -> AsyncGenerator[Any, None]:
        name = oppslagslogg.operation_name(operation.operation_name, operation.query)
        async for result in results:
            if isinstance(result, ExecutionResult) and result.errors:
                result.errors = [coded_error(e, self.context.request_id) for e in result.errors]
            async with self._log_lock:  # held until sent: no message outruns its log rows
                if not await self._write_lookups(name):
                    return
                yield result

    async def run_operation(self, operation: Any) -> None:
        """As strawberry's, with the operation known to its resolvers (``OPERATION``)."""
        OPERATION.set((self, operation))
        await super().run_operation(operation)

    async def send_data(self, operation: Any, data: bytes) -> bool:
        """Send one ``next`` message of already serialized ``data`` (``feed.fanout``),
        after its persons are in the lookup log; False when the socket is closing."""
        name = self._names.get(operation.id)
        if name is None:
            name = oppslagslogg.operation_name(operation.operation_name, operation.query) or ""
            self._names[operation.id] = name
        async with self._log_lock:
            if operation.completed or not await self._write_lookups(name or None):
                return False
            await self._send_text(fanout.next_message(operation.id, data))
        return not self._ended.is_set()

    async def _write_lookups(self, name: str | None) -> bool:
        """Write the persons gathered since the last message to the lookup log; when that
        fails, close the socket (4500) and return False."""
        if not self.context.lookups:
            return True
        lookups, self.context.lookups = self.context.lookups, Lookups()
        try:
            found = await lookups.identified(self.context)
            await oppslagslogg.write_found(
                self.websocket.ws.app.state.lookup_log, found,  # type: ignore[attr-defined]
                principal=self.context.principal,
                now=datetime.now(UTC), request_id=self.context.request_id,
                operation=name, behandlingsgrunnlag=self.context.behandlingsgrunnlag,
            )  # fmt: skip
        except Exception:
            log.exception("lookup log not written (socket %s)", self.context.request_id)
            failed = reason("LOOKUP_LOG_UNAVAILABLE", "the lookup log could not be written")
            await self.close(INTERNAL, failed)
            return False
        return True


def _problem(message: Any) -> str | None:
    """What is wrong with a client's message, else None."""
    if not isinstance(message, dict) or not isinstance(message.get("type"), str):
        return "every message must be a JSON object with a string 'type'"
    kind = message["type"]
    if kind in ("subscribe", "complete") and not (
        isinstance(message.get("id"), str) and 0 < len(message["id"]) <= 100
    ):
        return f"{kind} needs an 'id' of 1 to 100 characters"
    if kind != "subscribe":
        return None
    payload = message.get("payload")
    if not isinstance(payload, dict) or not isinstance(payload.get("query"), str):
        return "subscribe needs a payload with a 'query' string"
    if not isinstance(payload.get("variables"), dict | None):
        return "subscribe's variables must be a JSON object"
    if not isinstance(payload.get("operationName"), str | None):
        return "subscribe's operationName must be a string"
    return None


def socket_context(websocket: Any, entities: Mapping[str, Any]) -> SocketContext:
    """The context of a new connection (anonymous until its ``connection_init``)."""
    state = websocket.app.state
    return SocketContext(
        pool=state.pool,
        request_id=uuid.uuid4().hex,
        entities=entities,
        log=state.log_reader,
        feed=getattr(state, "feed", None),
    )
