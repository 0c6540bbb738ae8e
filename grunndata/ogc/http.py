"""HTTP details shared by the OGC API and the tiles: format negotiation, ETag, caching.

The data change only when a load commits, so an ETag is the newest load's id and the
request (path, query and format): cheap to make before any feature is read, and a
``304 Not Modified`` costs one probe of ``felles.load``.
"""

from __future__ import annotations

import hashlib

from psycopg_pool import AsyncConnectionPool
from starlette.requests import Request
from starlette.responses import Response

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


async def data_version(pool: AsyncConnectionPool) -> int:
    async with pool.connection() as conn:
        row = await (await conn.execute("SELECT coalesce(max(id), 0) FROM felles.load")).fetchone()
    return int(row[0]) if row else 0


async def etag(request: Request, variant: str = "") -> str:
    version = await data_version(request.app.state.pool)
    url = f"{request.url.path}?{request.url.query}#{variant}"
    return f'W/"{version}-{hashlib.sha256(url.encode()).hexdigest()[:20]}"'


def not_modified(request: Request, tag: str) -> Response | None:
    given = request.headers.get("if-none-match", "")
    if tag in [t.strip() for t in given.split(",")] or given.strip() == "*":
        return Response(status_code=304, headers={"ETag": tag, "Cache-Control": CACHE_CONTROL})
    return None


def cache_headers(tag: str) -> dict[str, str]:
    return {"ETag": tag, "Cache-Control": CACHE_CONTROL}
