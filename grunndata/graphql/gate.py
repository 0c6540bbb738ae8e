"""The gate in front of ``/graphql``: request body size, bearer token, rate limit.

What it lets through carries ``scope["state"]["principal"]`` (``grunndata.graphql.auth``).
Refusals are JSON GraphQL errors with a stable code:
- 413 ``REQUEST_TOO_LARGE`` for a body over ``GRUNNDATA_MAX_BODY_BYTES``;
- 401 ``INVALID_TOKEN`` with ``WWW-Authenticate: Bearer error="invalid_token"`` for a token
  that is malformed, expired, wrongly signed, from another issuer or for another audience;
- 429 ``RATE_LIMITED`` with ``Retry-After`` when a consumer (its organisasjonsnummer; a
  citizen's pid; else the client address) asks faster than its share;
- a malformed request (``requests.py``: method, content type, JSON, shape, depth).
Each refusal carries the request id in ``extensions.requestId``.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass

import jwt
import orjson
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from grunndata.config import SecuritySettings
from grunndata.graphql import requests
from grunndata.graphql.auth import Authenticator, InvalidToken, Principal

MAX_BUCKETS = 100_000


@dataclass
class _Bucket:
    tokens: float
    at: float


class RateLimiter:
    """Token buckets per consumer: ``per_minute`` sustained, ``burst`` at once."""

    def __init__(self, per_minute: int, burst: int) -> None:
        self.rate = per_minute / 60.0
        self.burst = max(burst, 1)
        self.buckets: OrderedDict[str, _Bucket] = OrderedDict()

    def wait(self, key: str, now: float | None = None) -> float:
        """0 when ``key`` may go ahead now (one token spent), else seconds to wait."""
        if self.rate <= 0:
            return 0.0
        now = time.monotonic() if now is None else now
        bucket = self.buckets.pop(key, None) or _Bucket(tokens=float(self.burst), at=now)
        bucket.tokens = min(self.burst, bucket.tokens + (now - bucket.at) * self.rate)
        bucket.at = now
        self.buckets[key] = bucket
        while len(self.buckets) > MAX_BUCKETS:
            self.buckets.popitem(last=False)
        if bucket.tokens >= 1:
            bucket.tokens -= 1
            return 0.0
        return (1 - bucket.tokens) / self.rate

    def retry_after(self, key: str) -> int | None:
        """None when ``key`` may go ahead now, else the whole seconds to wait (at least 1),
        as a 429's ``Retry-After`` says them."""
        wait = self.wait(key)
        return max(1, math.ceil(wait)) if wait > 0 else None


def consumer_key(principal: Principal, scope: Scope) -> str:
    if principal.orgnr:
        return f"org:{principal.orgnr}"
    if principal.pid:
        return f"pid:{principal.pid}"
    client = scope.get("client") or ("?", 0)
    return f"addr:{client[0]}"


class Gate:
    def __init__(
        self,
        app: ASGIApp,
        *,
        path: str,
        authenticator: Authenticator,
        settings: SecuritySettings,
        limiter: RateLimiter | None = None,
    ) -> None:
        """``limiter``: the per-consumer buckets, when other endpoints share them."""
        self.app = app
        self.path = path
        self.authenticator = authenticator
        self.max_body = settings.max_body_bytes
        self.limiter = limiter or RateLimiter(
            settings.rate_limit_per_minute, settings.rate_limit_burst
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].rstrip("/") != self.path:
            await self.app(scope, receive, send)
            return
        authorization = declared = None
        content_type = b""
        for name, value in scope["headers"]:  # ASGI: names are lower-case
            if name == b"authorization":
                authorization = value
            elif name == b"content-length":
                declared = value
            elif name == b"content-type":
                content_type = value
        body = b""
        if scope["method"] == "POST":
            read = await self._body(declared, receive)
            if read is None:
                too_large = f"The request body is over the limit of {self.max_body} bytes."
                await _refuse(scope, send, 413, "REQUEST_TOO_LARGE", too_large)
                return
            body, receive = read, _replay(read, receive)
        try:
            principal = await self._principal(
                authorization.decode("latin-1") if authorization is not None else None
            )
        except InvalidToken as exc:
            await _refuse(scope, send, 401, exc.code, exc.message,
                          [(b"www-authenticate", b'Bearer error="invalid_token"')])  # fmt: skip
            return
        if (seconds := self.limiter.retry_after(consumer_key(principal, scope))) is not None:
            await _refuse(scope, send, 429, "RATE_LIMITED",
                          f"Too many requests from this consumer; retry after {seconds} s.",
                          [(b"retry-after", str(seconds).encode())])  # fmt: skip
            return
        found = requests.problem(
            scope["method"], content_type.decode("latin-1"), scope["query_string"], body
        )
        if found is not None:
            await _refuse(scope, send, found.status, found.code, found.message)
            return
        scope.setdefault("state", {})["principal"] = principal
        await self.app(scope, receive, send)

    async def _principal(self, authorization: str | None) -> Principal:
        return await principal_of(self.authenticator, authorization)

    async def _body(self, declared: bytes | None, receive: Receive) -> bytes | None:
        if declared is not None and declared.isdigit() and int(declared) > self.max_body:
            return None
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                break
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_body:
                return None
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        return b"".join(chunks)


async def principal_of(authenticator: Authenticator, authorization: str | None) -> Principal:
    """The ``Authorization`` header's principal (raises ``InvalidToken``), off the event
    loop when verifying may fetch the JWKS."""
    if authorization is None:
        return authenticator.principal(None)
    if isinstance(authenticator.keys, jwt.PyJWKClient):
        return await asyncio.to_thread(authenticator.principal, authorization)
    return authenticator.principal(authorization)


def refusal_body(code: str, message: str, request_id: str | None) -> bytes:
    """A GraphQL answer of one coded error, with the request id when there is one."""
    extensions = {"code": code, **({"requestId": request_id} if request_id else {})}
    return orjson.dumps({"data": None, "errors": [{"message": message, "extensions": extensions}]})


def _replay(body: bytes, then: Receive) -> Receive:
    """The body read ahead, once; afterwards what the client sends (its disconnect)."""
    sent = False

    async def receive() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await then()

    return receive


async def _refuse(
    scope: Scope,
    send: Send,
    status: int,
    code: str,
    message: str,
    extra: Sequence[tuple[bytes, bytes]] = (),
) -> None:
    body = refusal_body(code, message, scope.get("state", {}).get("request_id"))
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
        *extra,
    ]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
