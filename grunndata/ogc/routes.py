"""The OGC API – Features endpoints under ``/ogc``: Starlette handlers over the collections
the registers declare (``Register.collections``)."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote, urlencode

import orjson
import psycopg
from psycopg import AsyncConnection
from psycopg_pool import AsyncConnectionPool
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response, StreamingResponse
from starlette.routing import BaseRoute, Route

from grunndata.config import SecuritySettings
from grunndata.graphql.gate import RateLimiter
from grunndata.graphql.tid import Tidspunkt, aware
from grunndata.ogc import crs as crs_module
from grunndata.ogc import html
from grunndata.ogc.collection import Collection
from grunndata.ogc.conformance import CONFORMANCE, landing
from grunndata.ogc.cql import compile_filter
from grunndata.ogc.documents import collection_doc, collections_doc, queryables_doc
from grunndata.ogc.features import (
    Page,
    Rows,
    bbox_shape,
    decode_cursor,
    encode_cursor,
    feature_sql,
    fill,
    parse_datetime,
    statement,
)
from grunndata.ogc.http import GEOJSON, cache_headers, etag, not_modified, too_many, wants_html
from grunndata.ogc.openapi import DEFAULT_LIMIT, MAX_LIMIT, openapi
from grunndata.ogc.problem import Problem, not_found

log = logging.getLogger(__name__)
PREFIX = "/ogc"
_CHUNK_ROWS = 200  # rows fetched from PostgreSQL at a time
_CHUNK_BYTES = 1 << 16  # bytes of features written to the client at a time
Handler = Callable[[Request], Awaitable[Response]]


def base_url(request: Request) -> str:
    return str(request.base_url).rstrip("/") + PREFIX


def answering(handler: Handler, limiter: RateLimiter | None = None) -> Handler:
    """Problems become OGC exception JSON; anything unforeseen a 500 without a trace; a
    client asking faster than ``limiter`` allows a 429."""

    async def wrapped(request: Request) -> Response:
        if limiter is not None and (refused := too_many(limiter, request, "requests")):
            return refused
        try:
            return await handler(request)
        except Problem as problem:
            return problem.response()
        except Exception:
            log.exception("OGC API request failed (%s)", request.url.path)
            return Problem(500, "ServerError", "The request could not be answered.").response()

    return wrapped


def _json(request: Request, doc: Any, tag: str, media: str = "application/json") -> Response:
    return Response(orjson.dumps(doc), media_type=media, headers=cache_headers(tag))


class OgcApi:
    def __init__(self, collections: Sequence[Collection]) -> None:
        self.collections = {c.id: c for c in collections}

    def collection(self, request: Request) -> Collection:
        cid = request.path_params["cid"]
        if cid not in self.collections:
            raise not_found(f"No collection {cid[:100]!r}; see {PREFIX}/collections")
        return self.collections[cid]

    async def document(self, request: Request, make: Callable[[str], Any],
                       render: Callable[[Any, str], str] | None = None,
                       media: str = "application/json") -> Response:  # fmt: skip
        as_html = render is not None and wants_html(request)
        tag = await etag(request, "html" if as_html else "json")
        if (cached := not_modified(request, tag)) is not None:
            return cached
        base = base_url(request)
        doc = make(base)
        if as_html and render is not None:
            return HTMLResponse(render(doc, base), headers=cache_headers(tag))
        return _json(request, doc, tag, media)

    async def landing(self, request: Request) -> Response:
        def render(doc: Any, base: str) -> str:
            return html.page(base, doc["title"], f"<p>{doc['description']}</p>"
                             + html.links(doc["links"]))  # fmt: skip

        return await self.document(request, landing, render)

    async def conformance(self, request: Request) -> Response:
        return await self.document(request, lambda _: {"conformsTo": CONFORMANCE})

    async def api(self, request: Request) -> Response:
        return await self.document(
            request, lambda base: openapi(list(self.collections.values()), base),
            media="application/vnd.oai.openapi+json;version=3.0",
        )  # fmt: skip

    async def list_collections(self, request: Request) -> Response:
        return await self.document(
            request, lambda base: collections_doc(list(self.collections.values()), base),
            html.collections,
        )  # fmt: skip

    async def one_collection(self, request: Request) -> Response:
        collection = self.collection(request)
        return await self.document(
            request, lambda base: collection_doc(collection, base), html.collection
        )

    async def queryables(self, request: Request) -> Response:
        collection = self.collection(request)
        return await self.document(
            request, lambda base: queryables_doc(collection, base),
            media="application/schema+json",
        )  # fmt: skip

    async def items(self, request: Request) -> Response:
        """A page of items, on one connection from the bbox to the last row (the rows
        stream to the client, and the connection goes back when they are read)."""
        collection = self.collection(request)
        as_html = wants_html(request)
        pool = request.app.state.pool
        conn = await pool.getconn()
        rows: Rows | None = None
        try:
            page = await self._page(request, collection, conn)
            tag = await etag(request, "html" if as_html else "json", conn)
            if (cached := not_modified(request, tag)) is not None:
                return cached
            sql, params = statement(collection, page)
            rows = await _open(pool, conn, sql, params, page, "filter" in request.query_params)
        finally:
            if rows is None:
                await pool.putconn(conn)
        headers = {**cache_headers(tag), "Content-Crs": crs_module.content_crs(page.crs)}
        base = base_url(request)
        if as_html:
            found = [orjson.loads(f) async for f in rows.features()]
            title = f"{collection.title}: objekter"
            href = f"{base}/collections/{collection.id}/items"
            body = html.features(base, title, found, _nav(request, rows, "text/html"), href)
            return HTMLResponse(body, headers=headers)
        return StreamingResponse(
            _collection_body(request, rows), media_type=GEOJSON, headers=headers
        )

    async def item(self, request: Request) -> Response:
        collection = self.collection(request)
        fid = request.path_params["fid"]
        as_html = wants_html(request)
        page = await self._page(request, collection, single=True)
        fid = collection.canonical_id(fid) if collection.id_pattern.fullmatch(fid) else None
        if fid is None:
            raise not_found(f"No feature {request.path_params['fid'][:100]!r} in {collection.id}")
        tag = await etag(request, "html" if as_html else "json")
        if (cached := not_modified(request, tag)) is not None:
            return cached
        sql = (
            f"SELECT {feature_sql(collection, page.crs, page.tid)} "
            f"{fill(collection.source, collection, page.tid)} AND {collection.by_id}"
        )
        params = {**page.tid.as_of_sql("x")[1], **page.params, "fid": fid}
        async with request.app.state.pool.connection() as conn:
            row = await (await conn.execute(sql, params)).fetchone()
        if row is None:
            raise not_found(f"No feature {fid[:100]!r} in {collection.id}")
        found = row[0]
        base = base_url(request)
        href = f"{base}/collections/{collection.id}/items/{quote(fid, safe='')}"
        found["links"] = [
            {"href": href, "rel": "self", "type": GEOJSON, "title": "This feature"},
            {"href": f"{href}?f=html", "rel": "alternate", "type": "text/html"},
            {"href": f"{base}/collections/{collection.id}", "rel": "collection",
             "type": "application/json", "title": collection.title},
        ]  # fmt: skip
        headers = {**cache_headers(tag), "Content-Crs": crs_module.content_crs(page.crs)}
        if as_html:
            return HTMLResponse(html.feature(base, found, found["links"]), headers=headers)
        return Response(orjson.dumps(found), media_type=GEOJSON, headers=headers)

    async def _page(
        self,
        request: Request,
        collection: Collection,
        conn: AsyncConnection | None = None,
        single: bool = False,
    ) -> Page:
        query = request.query_params
        instant = parse_datetime(query.get("datetime"))
        now = datetime.now(UTC)
        tid = Tidspunkt(gyldig=aware(instant) if instant else now)
        page = Page(tid=tid, crs=crs_module.parse(query.get("crs"), "crs"), limit=1,
                    params={"naa": now})  # fmt: skip
        if single:
            return page
        page.limit = _limit(query.get("limit"))
        if (cursor := query.get("cursor")) is not None:
            page.cursor = decode_cursor(cursor)

        def intersects(shape: str) -> str:
            return fill(collection.intersects, collection, tid, shape=shape)

        if (box := query.get("bbox")) is not None:
            bbox_crs = crs_module.parse(query.get("bbox-crs"), "bbox-crs")
            assert conn is not None
            wkb = await bbox_shape(conn, crs_module.bbox(box, bbox_crs), bbox_crs)
            if wkb is None:
                page.conditions.append("false")
            else:
                page.params["bbox"] = wkb
                page.conditions.append(intersects("ST_SetSRID(ST_GeomFromWKB(%(bbox)s), 25833)"))
        if (text := query.get("filter")) is not None:
            lang = query.get("filter-lang", "cql2-text")
            if lang != "cql2-text":
                raise Problem(400, "InvalidParameterValue", "filter-lang: only cql2-text")
            filter_crs = crs_module.parse(query.get("filter-crs"), "filter-crs")
            page.conditions.append(
                compile_filter(text, collection, filter_crs, page.params, intersects)
            )
        return page


def _limit(value: str | None) -> int:
    if value is None:
        return DEFAULT_LIMIT
    if not value.isdigit() or not 1 <= int(value) <= MAX_LIMIT:
        raise Problem(
            400, "InvalidParameterValue",
            f"limit: {value[:20]!r} is not a whole number from 1 to {MAX_LIMIT}",
        )  # fmt: skip
    return int(value)


async def _open(pool: AsyncConnectionPool, conn: AsyncConnection, sql: str,
                params: dict[str, Any], page: Page, filtered: bool) -> Rows:  # fmt: skip
    """Runs the statement on ``conn`` and reads its first row before anything is answered,
    so that a filter PostgreSQL refuses (a text compared with a number) is a 400, not a cut
    stream. The rows own ``conn`` from here on: it goes back to ``pool`` when they end."""
    stream = conn.cursor().stream(sql, params, size=_CHUNK_ROWS)
    try:
        first = await anext(stream, None)
    except (psycopg.errors.DataError, psycopg.errors.UndefinedFunction) as exc:
        if not filtered:
            raise
        reason = exc.diag.message_primary or type(exc).__name__
        raise Problem(400, "InvalidParameterValue", f"filter: {reason}") from None

    async def rest() -> AsyncIterator[tuple[Any, ...]]:
        try:
            async for row in stream:
                yield row
        finally:
            await stream.aclose()
            await pool.putconn(conn)

    backwards = page.cursor is not None and page.cursor[0]
    return Rows(first=first, rest=rest(), limit=page.limit, backwards=backwards)


def _link_to(request: Request, cursor: str | None, media: str) -> str:
    query = [(k, v) for k, v in request.query_params.multi_items() if k not in ("cursor", "f")]
    if cursor is not None:
        query.append(("cursor", cursor))
    if media == "text/html":
        query.append(("f", "html"))
    text = urlencode(query)
    return f"{str(request.base_url).rstrip('/')}{request.url.path}{'?' + text if text else ''}"


def _nav(request: Request, rows: Rows, media: str) -> list[dict[str, Any]]:
    """self, and next/prev by keyset (known once the rows are read)."""
    links = [{"href": _link_to(request, request.query_params.get("cursor"), media),
              "rel": "self", "type": media, "title": "This page"}]  # fmt: skip
    backwards = rows.backwards
    came_from_other_side = request.query_params.get("cursor") is not None
    has_next = rows.more if not backwards else came_from_other_side
    has_prev = rows.more if backwards else came_from_other_side
    if has_next and rows.last_key is not None:
        links.append({"href": _link_to(request, encode_cursor(False, rows.last_key), media),
                      "rel": "next", "type": media, "title": "Next page"})  # fmt: skip
    if has_prev and rows.first_key is not None:
        links.append({"href": _link_to(request, encode_cursor(True, rows.first_key), media),
                      "rel": "prev", "type": media, "title": "Previous page"})  # fmt: skip
    return links


async def _collection_body(request: Request, rows: Rows) -> AsyncIterator[bytes]:
    """The FeatureCollection, sent in pieces of about ``_CHUNK_BYTES`` (one write per
    feature would cost more than the feature)."""
    held, size, separator = ['{"type":"FeatureCollection","features":['], 0, ""
    async for feature in rows.features():
        held += (separator, feature)
        separator = ","
        size += len(feature)
        if size >= _CHUNK_BYTES:
            yield "".join(held).encode()
            held, size = [], 0
    if held:
        yield "".join(held).encode()
    tail: dict[str, Any] = {"numberReturned": rows.returned}
    if request.query_params.get("cursor") is None and not rows.more:
        tail["numberMatched"] = rows.returned  # the whole answer fitted on the first page
    tail["timeStamp"] = datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
    tail["links"] = _nav(request, rows, GEOJSON)
    yield b"]," + orjson.dumps(tail)[1:]


def ogc_routes(collections: Sequence[Collection], settings: SecuritySettings) -> list[BaseRoute]:
    """The routes under ``/ogc``, all under one rate limit per client address
    (``GRUNNDATA_OGC_RATE_LIMIT_PER_MINUTE``/``_BURST``)."""
    api = OgcApi(collections)
    limiter = RateLimiter(settings.ogc_rate_limit_per_minute, settings.ogc_rate_limit_burst)
    at = PREFIX
    paths: list[tuple[str, Handler]] = [
        (at, api.landing),
        (f"{at}/", api.landing),
        (f"{at}/conformance", api.conformance),
        (f"{at}/api", api.api),
        (f"{at}/collections", api.list_collections),
        (f"{at}/collections/{{cid}}", api.one_collection),
        (f"{at}/collections/{{cid}}/queryables", api.queryables),
        (f"{at}/collections/{{cid}}/items", api.items),
        (f"{at}/collections/{{cid}}/items/{{fid:path}}", api.item),
    ]
    return [Route(path, answering(handler, limiter), methods=["GET"]) for path, handler in paths]
