"""HTTP details shared by the OGC API and the tiles: format negotiation, ETag, caching,
rate limits.

The data change only when a load commits, so an ETag is the newest load's id and the
request (path, query and format): cheap to make before any feature is read, and a
``304 Not Modified`` costs one probe of ``felles.load``.
"""

from __future__ import annotations

import hashlib

from psycopg import AsyncConnection
from starlette.requests import Request
from starlette.responses import Response

from grunndata.graphql.gate import RateLimiter
from grunndata.ogc.problem import Problem

CACHE_CONTROL = "public, max-age=60"
GEOJSON = "application/geo+json"
JSON = "application/json"
HTML = "text/html; charset=utf-8"


def wants_html(request: Request) -> bool:
    """``f=html`` or ``f=json``/``f=geojson``; else the Accept header (HTML only when it asks
    for text/html and not for JSON). Any Accept header is read safely."""
    given = request.query_params.get("f")
    if given is not None:
        if given.lower() not in ("html", "json", "geojson"):
            raise Problem(400, "InvalidParameterValue", "f: use json or html")
        return given.lower() == "html"
    accept = request.headers.get("accept", "")[:1000].lower()
    return "text/html" in accept and "json" not in accept


#: The data's version as an SQL expression: a statement that selects it beside its answer
#: saves the round trip of asking first.
DATA_VERSION = "(SELECT coalesce(max(id), 0) FROM felles.load)"


async def data_version(conn: AsyncConnection) -> int:
    row = await (await conn.execute(f"SELECT {DATA_VERSION}")).fetchone()
    return int(row[0]) if row else 0


def tag_of(request: Request, version: int, variant: str = "") -> str:
    url = f"{request.url.path}?{request.url.query}#{variant}"
    return f'W/"{version}-{hashlib.sha256(url.encode()).hexdigest()[:20]}"'


async def etag(request: Request, variant: str = "", conn: AsyncConnection | None = None) -> str:
    """The tag of the answer; asked on ``conn`` when the request holds one already."""
    if conn is None:
        async with request.app.state.pool.connection() as own:
            version = await data_version(own)
    else:
        version = await data_version(conn)
    return tag_of(request, version, variant)


def not_modified(request: Request, tag: str) -> Response | None:
    given = request.headers.get("if-none-match", "")
    if tag in [t.strip() for t in given.split(",")] or given.strip() == "*":
        return Response(status_code=304, headers={"ETag": tag, "Cache-Control": CACHE_CONTROL})
    return None


def cache_headers(tag: str) -> dict[str, str]:
    return {"ETag": tag, "Cache-Control": CACHE_CONTROL}


def too_many(limiter: RateLimiter, request: Request, what: str) -> Response | None:
    """A 429 with ``Retry-After`` when the client (by address: these are open data, asked
    without a token) asks faster than ``limiter`` allows; None when it may go ahead."""
    client = request.client.host if request.client else "?"
    if (seconds := limiter.retry_after(f"addr:{client}")) is None:
        return None
    refused = Problem(429, "TooManyRequests", f"Too many {what}; retry after {seconds} s.")
    response = refused.response()
    response.headers["Retry-After"] = str(seconds)
    return response
