"""The stand-ins as one Starlette app: Folkeregisteret under
``/folkeregisteret/offentlig-med-hjemmel/api``, Brønnøysund under ``/enhetsregisteret/api``,
a Maskinporten-style token endpoint at ``/maskinporten/token``, and a control API under
``/_standin`` (the next scripted day, faults on cue, the final state)."""

from __future__ import annotations

import asyncio
import secrets
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import parse_qs

import jwt
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

from grunndata.kilder.standin import brreg, freg
from grunndata.kilder.standin.faults import Faults
from grunndata.kilder.standin.world import World

TOKEN_PATH = "/maskinporten/token"
TOKEN_LIFETIME_S = 120


class StandIn:
    """The sources' state and behaviour; the app serves it."""

    def __init__(self, world: World, *, client_key: Any = None, client_id: str = "") -> None:
        self.world = world
        self.faults = Faults()
        self.lock = threading.Lock()
        self.oldest = 1
        """Feed events before this are deleted: asking for them gives 406."""
        self.bulk_shape = "array"
        self.extract_not_ready = 1
        self.extract_batch = 1000
        self.page = freg.PAGE
        """Folkeregisteret's page size is fixed at 1000; tests may ask for less."""
        self.client_key, self.client_id = client_key, client_id
        """When set (a public key), Folkeregisteret's endpoints need a token from here."""
        self.tokens: set[str] = set()
        self.grants = 0

    def app(self) -> Starlette:
        routes = [
            *freg.routes(self),
            *brreg.routes(self),
            Route(TOKEN_PATH, self._token, methods=["POST"]),
            Route("/_standin/dag", self._day, methods=["POST"]),
            Route("/_standin/feil", self._fault, methods=["POST"]),
        ]
        return Starlette(routes=routes, middleware=[])

    def asgi(self) -> ASGIApp:
        return _Misbehave(self, self.app())

    async def _token(self, request: Request) -> Response:
        form = {k: v[0] for k, v in parse_qs((await request.body()).decode()).items()}
        if form.get("grant_type") != "urn:ietf:params:oauth:grant-type:jwt-bearer":
            return JSONResponse({"error": "unsupported_grant_type"}, status_code=400)
        try:
            claims = jwt.decode(
                str(form.get("assertion")),
                self.client_key,
                algorithms=["RS256", "ES256"],
                audience=str(request.base_url),
                options={"require": ["exp", "iat", "jti", "iss", "aud"]},
            )
        except jwt.PyJWTError as exc:
            return JSONResponse(
                {"error": "invalid_grant", "error_description": str(exc)}, status_code=400
            )
        if claims["iss"] != self.client_id:
            return JSONResponse({"error": "invalid_client"}, status_code=400)
        token = secrets.token_urlsafe(24)
        self.tokens.add(token)
        self.grants += 1
        body = {"access_token": token, "token_type": "Bearer", "expires_in": TOKEN_LIFETIME_S}
        return JSONResponse({**body, "scope": claims.get("scope")})

    async def _day(self, request: Request) -> Response:
        days = int(request.query_params.get("antall", "1"))
        with self.lock:
            for _ in range(days):
                self.world.day()
        return JSONResponse({"dag": self.world.days, "siste": len(self.world.freg.feed)})

    async def _fault(self, request: Request) -> Response:
        body = await request.json()
        try:
            self.faults.add(**body)
        except (TypeError, ValueError) as exc:
            return JSONResponse({"error": str(exc)}, status_code=400)
        return JSONResponse({"ok": True})


class _Misbehave:
    """Faults that any endpoint can show (429, 5xx, slow), and Folkeregisteret's tokens."""

    def __init__(self, standin: StandIn, app: ASGIApp) -> None:
        self.standin, self.app = standin, app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith(("/_standin", TOKEN_PATH)):
            await self.app(scope, receive, send)
            return
        path = scope["path"]
        cue = self.standin.faults.take(path, ("429", "500", "503", "slow"))
        response: Response | None = None
        if cue is not None and cue.kind == "slow":
            await asyncio.sleep(cue.seconds)
        elif cue is not None:
            retry = {"Retry-After": str(_retry_after(path, cue.seconds))}
            response = JSONResponse({"status": int(cue.kind)}, int(cue.kind), headers=retry)
        if response is None and path.startswith(freg.BASE) and self.standin.client_key:
            header = dict(scope["headers"]).get(b"authorization", b"").decode()
            if header.removeprefix("Bearer ") not in self.standin.tokens:
                response = JSONResponse({"kode": "FREG-401", "melding": "ugyldig token"}, 401)
        if response is not None:
            await response(scope, receive, send)
            return
        await self.app(scope, receive, send)


def _retry_after(path: str, seconds: float) -> int:
    """Folkeregisteret's OpenAPI gives ``Retry-After`` in milliseconds; HTTP in seconds."""
    return int(seconds * 1000) if path.startswith(freg.BASE) else max(int(seconds), 0)


@contextmanager
def serving(standin: StandIn, host: str = "127.0.0.1", port: int = 0) -> Iterator[str]:
    """The stand-in on a real port in a thread of this process; yields its base URL."""
    config = uvicorn.Config(standin.asgi(), host=host, port=port, log_level="warning")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="standin", daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the stand-in did not start")
        time.sleep(0.01)
    bound = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://{host}:{bound}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
