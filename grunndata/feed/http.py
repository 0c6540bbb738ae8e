"""The plain HTTP feed for consumers without GraphQL: ``GET /hendelser?etter=N&antall=M``
(optionally ``register``, ``entitet``, ``hendelsestype``, each repeatable).

The answer is JSON Lines, one event a line in sequence order, with ``Link: <...>;
rel="next"`` (the same query after the page's last event) and an ``ETag``: a full page
never changes, so it may be cached (``immutable``, per consumer); a short one is the end
of the feed for now (``no-cache``; ``If-None-Match`` answers 304 until it grows). The same
access rules and lookup log as GraphQL (``grunndata.feed.access``); a bearer token as for
``/graphql``. Errors are JSON ``{"error": {"code", "message"}}``: 400 bad arguments, 401
a bad token, 403 persons asked for without the scope, 410 ``CURSOR_EXPIRED``, 429.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

import orjson
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from grunndata.errors import GrunndataError, InvalidArgument
from grunndata.feed import access, request
from grunndata.feed.store import Hendelse, aread_events
from grunndata.graphql import oppslagslogg
from grunndata.graphql.access import GROUP_IDENTITET
from grunndata.graphql.auth import Authenticator, InvalidToken, Principal
from grunndata.graphql.gate import RateLimiter, consumer_key, principal_of

PATH = "/hendelser"
MEDIA_TYPE = "application/jsonl"
#: The query parameters, as ``request.utvalg`` names its arguments.
NAMES = ("etter", "antall", "register", "entitet", "hendelsestype")


def routes(authenticator: Authenticator, limiter: RateLimiter) -> list[Route]:
    return [Route(PATH, _endpoint(authenticator, limiter), methods=["GET"])]


def _error(error: GrunndataError, headers: dict[str, str] | None = None) -> JSONResponse:
    body = {"error": {"code": error.code, "message": error.message}}
    return JSONResponse(body, error.http_status, headers=headers)


def line(event: Hendelse) -> bytes:
    return orjson.dumps({
        "sekvensnummer": str(event.sekvensnummer), "lastId": str(event.last_id),
        "tidspunkt": event.tidspunkt.isoformat(), "register": event.register,
        "entitet": event.entitet, "noekkel": event.noekkel,
        "hendelsestype": event.hendelsestype, "feltgrupper": event.feltgrupper,
    }) + b"\n"  # fmt: skip


def _endpoint(authenticator: Authenticator, limiter: RateLimiter) -> Any:
    async def endpoint(http: Request) -> Response:
        try:
            principal = await principal_of(authenticator, http.headers.get("authorization"))
        except InvalidToken as exc:
            challenge = {"WWW-Authenticate": 'Bearer error="invalid_token"'}
            return JSONResponse(
                {"error": {"code": exc.code, "message": exc.message}}, 401, headers=challenge
            )
        if (seconds := limiter.retry_after(consumer_key(principal, http.scope))) is not None:
            message = f"Too many requests from this consumer; retry after {seconds} s."
            return JSONResponse({"error": {"code": "RATE_LIMITED", "message": message}}, 429,
                                headers={"Retry-After": str(seconds)})  # fmt: skip
        try:
            return await _page(http, principal)
        except GrunndataError as exc:
            return _error(exc)

    return endpoint


async def _page(http: Request, principal: Principal) -> Response:
    query = http.query_params
    antall = query.get("antall")
    if antall is not None and not (antall.isascii() and antall.isdigit() and len(antall) < 10):
        raise InvalidArgument(f"antall: {antall[:40]!r} is not a whole number of events")
    asked = request.utvalg(
        query.get("etter"),
        int(antall) if antall is not None else None,
        query.getlist("register") or None,
        query.getlist("entitet") or None,
        query.getlist("hendelsestype") or None,
        names=NAMES,
    )
    access.refuse_asked(principal, asked.entities)
    hidden, unplaced = access.hidden(principal), access.unplaced(principal)
    async with http.app.state.pool.connection() as conn:
        events = await aread_events(
            conn, after=asked.after, limit=asked.limit, registers=asked.registers,
            entities=asked.entities, types=asked.types, hidden=hidden,
            unplaced=unplaced,
        )  # fmt: skip
    last = events[-1].sekvensnummer if events else asked.after
    filters = [(name, value) for name in NAMES[2:] for value in query.getlist(name)]
    tag = _etag(asked.after, asked.limit, last, len(events), filters, [*hidden, *unplaced])
    full = len(events) == asked.limit
    headers = {
        "Link": f"<{PATH}?{urlencode([('etter', last), ('antall', asked.limit), *filters])}>; "
        'rel="next"',
        "ETag": tag,
        "Cache-Control": "private, max-age=31536000, immutable" if full else "no-cache",
        "Vary": "Authorization",
    }
    if tag in [t.strip() for t in http.headers.get("if-none-match", "").split(",")]:
        return Response(status_code=304, headers=headers)
    persons = access.person_keys(events)
    if persons:  # written before the answer leaves, as GraphQL's
        purpose = http.headers.get("behandlingsgrunnlag")
        await oppslagslogg.write_found(
            http.app.state.lookup_log,
            [(key, [GROUP_IDENTITET]) for key in persons],
            principal=principal, now=datetime.now(UTC),
            request_id=http.state.request_id, operation=f"GET {PATH}",
            behandlingsgrunnlag=purpose[:500] if purpose else None,
        )  # fmt: skip
    body = b"".join(line(e) for e in events)
    return Response(body, 200, media_type=MEDIA_TYPE, headers=headers)


def _etag(
    after: int,
    limit: int,
    last: int,
    count: int,
    filters: list[tuple[str, str]],
    hidden: list[Any],
) -> str:
    """The page's identity: what was asked, what the consumer may see, where it ended."""
    seen = repr((after, limit, last, count, sorted(filters), sorted(map(repr, hidden)))).encode()
    return '"' + hashlib.sha256(seen).hexdigest()[:32] + '"'
