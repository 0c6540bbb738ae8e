"""The Starlette app: ``/graphql``, ``/healthz`` and GraphiQL's own static files.

``create_app(database_url)`` is all a deployment needs; ``grunndata serve`` calls it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import replace
from typing import Any

import orjson
import psycopg
import strawberry
from cross_web import HTTPException as StrawberryHTTPException
from graphql import GraphQLError
from psycopg.types.json import set_json_loads
from psycopg_pool import AsyncConnectionPool
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import ClientDisconnect, Request
from starlette.responses import HTMLResponse, JSONResponse, Response, StreamingResponse
from starlette.routing import Mount, Route, WebSocketRoute
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from strawberry.asgi import GraphQL
from strawberry.http import GraphQLHTTPResponse, GraphQLRequestData
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL
from strawberry.types import ExecutionResult

import grunndata
from grunndata.config import SecuritySettings, Settings
from grunndata.db import pools
from grunndata.db.migrate import current_revision_async
from grunndata.db.replicas import ReadPools, replica_pools
from grunndata.export.http import eksport_routes
from grunndata.feed import http as feed_http
from grunndata.feed.listen import FeedListener
from grunndata.graphql import admission, oppslagslogg, requests
from grunndata.graphql.auth import ANONYMOUS, Authenticator
from grunndata.graphql.context import Context
from grunndata.graphql.errors import coded_error
from grunndata.graphql.gate import Gate, RateLimiter, consumer_key, refusal_body
from grunndata.graphql.ide import GRAPHIQL_STATIC_DIR, graphiql_html
from grunndata.graphql.limits import PersistedQueries, requested_hash
from grunndata.graphql.open_get import OpenGet
from grunndata.graphql.schema import build_schema
from grunndata.graphql.snapshot import SnapshotPerRequest
from grunndata.graphql.sql.asgi import SqlFirst
from grunndata.graphql.websocket import GrunndataTransportWS, socket_context
from grunndata.observe import metrics
from grunndata.observe.endpoint import metrics_route, scrape_registry
from grunndata.observe.middleware import Observe, answered_by
from grunndata.ogc.kart import kart_routes
from grunndata.ogc.routes import ogc_routes
from grunndata.ogc.tiles import tile_routes
from grunndata.registers import REGISTERS
from grunndata.registers.base import HttpCall, HttpHandler

log = logging.getLogger(__name__)

GRAPHQL_PATH = "/graphql"
STATIC_PATH = "/static/graphiql"
HEALTH_TIMEOUT_S = 2.0
POOL_TIMEOUT_S = 5.0  # how long a request waits for a connection before DATABASE_UNAVAILABLE
#: What GraphiQL opens with: a tour of the demo data (who is who: fixtures/cast.md).
EXAMPLE_QUERY = """\
# The demo is a small generated Norway; fixtures/cast.md says who is who.
{
  person(identifikasjonsnummer: "13869100069") {
    navn { fornavn etternavn }
    bostedsadresse {
      adresseIdentifikatorFraMatrikkelen
      vegadresse { adressenavn adressenummer { husnummer husbokstav } }
      adresseIMatrikkelen { eiendom { matrikkelnummer hjemmelshavere { navn } } }
    }
    historikk { navn { gyldighetstidspunkt fornavn etternavn } }
  }
  adresser(sok: "Bjorbjorveien 7", first: 1) {
    edges { node { adressetekst representasjonspunkt eiendom { matrikkelnummer arealM2 } } }
  }
  enhet(organisasjonsnummer: "310000108") {
    navn
    roller {
      type { beskrivelse }
      innehaver { navn person { bostedsadresse { adresseIMatrikkelen { adressetekst } } } }
    }
  }
}
"""


class RequestId:
    """Gives every request an id (the caller's ``X-Request-Id`` or a new one), visible to
    resolvers as ``scope["state"]["request_id"]`` and echoed in the response."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        given = headers.get(b"x-request-id", b"").decode("latin-1")[:64]
        request_id = given if given.isprintable() and given else uuid.uuid4().hex
        scope.setdefault("state", {})["request_id"] = request_id

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [
                    *message.get("headers", []),
                    (b"x-request-id", request_id.encode("latin-1")),
                ]
            await send(message)

        await self.app(scope, receive, send_with_id)


class GraphQLApp(GraphQL[Context, None]):
    graphql_transport_ws_handler_class = GrunndataTransportWS

    def __init__(
        self,
        schema: strawberry.Schema,
        *,
        ide: bool,
        allow_list: PersistedQueries | None = None,
        ide_headers: dict[str, str] | None = None,
        authenticator: Authenticator | None = None,
    ) -> None:
        super().__init__(
            schema, graphql_ide="graphiql" if ide else None, allow_queries_via_get=True,
            subscription_protocols=(GRAPHQL_TRANSPORT_WS_PROTOCOL,),
        )  # fmt: skip
        self.allow_list = allow_list
        self.ide_headers = ide_headers
        self.authenticator = authenticator  # a WebSocket's token (connection_init)
        self.limiter: RateLimiter | None = None  # a WebSocket's share of /graphql's rate

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """As strawberry's, but what it refuses is a coded JSON error, not plain text."""
        if scope["type"] != "http":
            await super().__call__(scope, receive, send)
            return
        request = Request(scope=scope, receive=receive)
        try:
            response = await self.run(request)
        except (StrawberryHTTPException, HTTPException) as exc:
            reason = exc.reason if isinstance(exc, StrawberryHTTPException) else exc.detail
            found = requests.from_http_exception(exc.status_code, reason)
            body = refusal_body(found.code, found.message, request.state.request_id)
            response = Response(body, found.status, media_type="application/json")
        await response(scope, receive, send)

    async def get_context(self, request: Any, response: Any = None) -> Context:
        if request.scope["type"] == "websocket":
            return socket_context(request, getattr(self.schema, "entity_batches", {}))
        return Context(
            pool=request.state.snapshot,
            request_id=request.state.request_id,
            entities=getattr(self.schema, "entity_batches", {}),
            principal=getattr(request.state, "principal", ANONYMOUS),
            log=request.app.state.log_reader,
        )

    async def parse_http_body(self, request: Any) -> Any:
        """A persisted query named by its hash (``documentId`` or Apollo's
        ``extensions.persistedQuery.sha256Hash``) runs as the allow-list's text."""
        data = await super().parse_http_body(request)
        if self.allow_list is None or not isinstance(data, GraphQLRequestData):
            return data
        sha = requested_hash(data.extensions, await _document_id(request))
        if sha is not None and data.query is None:
            data.query = self.allow_list.text(sha)
            if data.query is None:
                missing = f"PERSISTED_QUERY_NOT_FOUND: no persisted query {sha[:80]}"
                raise HTTPException(400, missing)
        return data

    async def execute_single(self, request: Any, request_adapter: Any, sub_response: Any,
                             context: Context, root_value: Any,
                             request_data: GraphQLRequestData) -> ExecutionResult:  # fmt: skip
        """Runs the operation, then logs the persons it returned (the app's group-committed
        lookup log) before the answer leaves; no answer with persons leaves unlogged."""
        result = await super().execute_single(
            request, request_adapter, sub_response, context, root_value, request_data
        )
        admission.refuse(result.errors, sub_response)
        purpose = request.headers.get("behandlingsgrunnlag")
        try:
            await oppslagslogg.write(
                context,
                request.app.state.lookup_log,
                operation=oppslagslogg.operation_name(
                    request_data.operation_name, request_data.query
                ),
                behandlingsgrunnlag=purpose[:500] if purpose else None,
                read=request.state.snapshot.release,
            )
        except Exception:
            log.exception("lookup log not written (request %s)", context.request_id)
            return ExecutionResult(data=None, errors=[LOOKUP_LOG_FAILED])
        return result

    def encode_json(self, data: object) -> bytes | str:
        """orjson: a few times faster than the json module on large answers."""
        try:
            return orjson.dumps(data)
        except TypeError:  # what orjson refuses (e.g. an integer beyond 64 bits)
            return super().encode_json(data)

    async def process_result(self, request: Any, result: ExecutionResult) -> GraphQLHTTPResponse:
        response: GraphQLHTTPResponse = {"data": result.data}
        if result.errors:
            request_id = request.state.request_id
            response["errors"] = [coded_error(e, request_id).formatted for e in result.errors]
        if result.extensions:
            response["extensions"] = result.extensions
        return response

    async def render_graphql_ide(self, request: Request) -> HTMLResponse:
        return HTMLResponse(
            graphiql_html(
                GRAPHQL_PATH, STATIC_PATH, default_query=EXAMPLE_QUERY, headers=self.ide_headers
            )
        )


async def _document_id(request: Any) -> Any:
    try:
        body = orjson.loads(await request.get_body())
    except (orjson.JSONDecodeError, TypeError):
        return None
    return body.get("documentId") if isinstance(body, dict) else None


LOOKUP_LOG_FAILED = GraphQLError(
    "The lookup log could not be written, so nothing is answered; try again shortly.",
    extensions={"code": "LOOKUP_LOG_UNAVAILABLE"},
)


def _connection_setup(
    statement_timeout_ms: int,
) -> Callable[[psycopg.AsyncConnection[Any]], Awaitable[None]]:
    async def configure(conn: psycopg.AsyncConnection[Any]) -> None:
        """Timestamps leave in Norwegian local time, with their offset; no statement runs
        longer than ``GRUNNDATA_STATEMENT_TIMEOUT_MS``; json and jsonb are
        decoded by orjson (a few times faster: Freg facts are jsonb); no JIT (a page of
        features or a tile is costed high enough to be compiled, which takes longer than
        answering it)."""
        await conn.execute("SET TIME ZONE 'Europe/Oslo'")
        await conn.execute(f"SET statement_timeout = {int(statement_timeout_ms)}")
        await conn.execute("SET jit = off")
        set_json_loads(orjson.loads, conn)

    return configure


async def _database_health(pool: AsyncConnectionPool) -> dict[str, Any]:
    async with pool.connection(timeout=HEALTH_TIMEOUT_S) as conn:
        postgis = await (await conn.execute("SELECT postgis_lib_version()")).fetchone()
        schema_version = await current_revision_async(conn)
        kilder = await _kilder(conn) if schema_version else []
    return {
        "reachable": True,
        "schemaVersion": schema_version,
        "postgis": postgis[0] if postgis else None,
        "kilder": kilder,
    }


async def _log_health(pool: AsyncConnectionPool) -> dict[str, Any]:
    """The lookup log's own database (``GRUNNDATA_LOG_DATABASE_URL``): reachable, and at
    which schema version (``None``: not migrated, so no log table to write)."""
    async with pool.connection(timeout=HEALTH_TIMEOUT_S) as conn:
        return {"reachable": True, "schemaVersion": await current_revision_async(conn)}


async def _kilder(conn: psycopg.AsyncConnection[Any]) -> list[dict[str, Any]]:
    """Each followed source's cursor, last success and error, lag and rejects."""
    exists = await (await conn.execute("SELECT to_regclass('felles.kilde')")).fetchone()
    if not exists or exists[0] is None:
        return []
    cursor = await conn.execute(
        "SELECT navn, posisjon, sist_ok, sist_feil, feil, etterslep, avvist, "
        "baseline IS NOT NULL FROM felles.kilde ORDER BY navn"
    )
    return [
        {"kilde": r[0], "posisjon": r[1], "sistOk": r[2] and r[2].isoformat(),
         "sistFeil": r[3] and r[3].isoformat(), "feil": r[4], "etterslep": r[5],
         "avvist": r[6], "baselinePaagaar": r[7]}
        for r in await cursor.fetchall()
    ]  # fmt: skip


async def healthz(request: Request) -> Response:
    """200 with the database's reachability and schema version; 503 when the database is
    down or has no grunndata schema yet. When the lookup log has a database of its own,
    the same for it under ``oppslagslogg`` (down, no answer with a person can leave)."""
    body: dict[str, Any] = {"status": "ok", "version": grunndata.__version__}
    try:
        body["database"] = await _database_health(request.app.state.pool)
        body["kilder"] = body["database"].pop("kilder")
    except Exception as exc:  # any failure to answer means: not healthy
        log.warning("health check: database unreachable: %s", type(exc).__name__)
        body["database"] = {"reachable": False}
    checked = [body["database"]]
    if request.app.state.log_reader is not None:
        try:
            body["oppslagslogg"] = await _log_health(request.app.state.log_reader)
        except Exception as exc:
            log.warning("health check: lookup log database unreachable: %s", type(exc).__name__)
            body["oppslagslogg"] = {"reachable": False}
        checked.append(body["oppslagslogg"])
    if any(part.get("schemaVersion") is None for part in checked):
        body["status"] = "unavailable"
        return JSONResponse(body, status_code=503)
    return JSONResponse(body)


def _endpoint(
    handler: HttpHandler, limiter: RateLimiter
) -> Callable[[Request], Awaitable[Response]]:
    """A register's plain HTTP endpoint (``Register.http_endpoints``) as a Starlette one:
    open (no token), under the same per-client rate limit as ``/graphql`` (429)."""

    async def endpoint(request: Request) -> Response:
        if (seconds := limiter.retry_after(consumer_key(ANONYMOUS, request.scope))) is not None:
            message = f"Too many requests from this client; retry after {seconds} s."
            return JSONResponse({"error": {"code": "RATE_LIMITED", "message": message}}, 429,
                                headers={"Retry-After": str(seconds)})  # fmt: skip
        call = HttpCall(request.query_params, request.headers.get("content-type", ""),
                        request.stream(), request.app.state.pool)  # fmt: skip
        try:
            answer = await handler(call)
        except ClientDisconnect:
            return Response(status_code=400)
        if isinstance(answer.body, bytes):
            return Response(answer.body, answer.status, media_type=answer.media_type)
        return StreamingResponse(answer.body, answer.status, media_type=answer.media_type)

    return endpoint


def create_app(
    database_url: str,
    *,
    dev: bool = False,
    schema: strawberry.Schema | None = None,
    pool_size: int = 10,
    pool_timeout: float = POOL_TIMEOUT_S,
    security: SecuritySettings | None = None,
    authenticator: Authenticator | None = None,
    ide_headers: dict[str, str] | None = None,
    basemap_style: str | None = None,
    log_database_url: str | None = None,
) -> Starlette:
    """The ASGI app. ``dev`` turns on GraphiQL (served from grunndata's own files) and
    introspection. ``security`` (default: from the environment) sets tokens and limits;
    ``authenticator`` (default: from ``security``) says which tokens are trusted;
    ``ide_headers`` are preset in GraphiQL (the demo's token); ``basemap_style`` (default:
    from the environment) is the map's background. The lookup log is written to and read
    from ``log_database_url`` (default: ``GRUNNDATA_LOG_DATABASE_URL``, else the main
    database; docs/federation.md)."""
    settings = Settings.from_env()
    security = security or settings.security
    log_url = log_database_url or settings.log_database_url or database_url
    if dev:
        security = replace(security, graphiql=True, introspection=True)
    authenticator = authenticator or Authenticator.from_settings(security)
    allow_list = (
        PersistedQueries.load(security.persisted_queries) if security.persisted_queries else None
    )

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        pool = pools.pool(
            database_url, name="grunndata", max_size=pool_size, timeout=pool_timeout,
            configure=_connection_setup(security.statement_timeout_ms),
        )  # fmt: skip
        # The lookup log's writer has connections of its own: requests waiting for their
        # rows to commit must never hold the connections its flush needs.
        log_pool = pools.pool(
            log_url, name="grunndata-oppslagslogg", max_size=2, timeout=pool_timeout,
            configure=_connection_setup(security.statement_timeout_ms),  # readers' time zone
        )  # fmt: skip
        await pool.open(wait=False)
        await log_pool.open(wait=False)
        app.state.pool = pool
        writer = metrics.ObservedLookupLog if settings.metrics else oppslagslogg.LookupLogWriter
        app.state.lookup_log = writer(log_pool)
        # A log in a database of its own is read there; else in the request's snapshot.
        app.state.log_reader = log_pool if log_url != database_url else None
        reads = ReadPools(pool, replica_pools(
            settings.read_database_urls, size=pool_size, timeout=pool_timeout,
            configure=_connection_setup(security.statement_timeout_ms),
        ), max_lag_s=settings.read_max_lag_s)  # fmt: skip
        if reads.replicas:
            await reads.open()
            await reads.check()
            app.state.pool = reads
        app.state.feed = FeedListener(database_url, pool)  # starts at the first subscriber
        watched = {"request": pool, "lookup_log": log_pool}
        ticker = asyncio.create_task(_every_second(reads, watched))
        try:
            yield
        finally:
            ticker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await ticker
            await app.state.feed.close()
            await reads.close()
            await app.state.lookup_log.close()
            await log_pool.close()
            await pool.close()

    schema = schema or build_schema(security=security, allow_list=allow_list)
    graphql_app = GraphQLApp(
        schema, ide=security.graphiql, allow_list=allow_list, ide_headers=ide_headers,
        authenticator=authenticator,
    )  # fmt: skip
    answers = getattr(schema, "sql_answers", None)  # queries the database answers whole
    limiter = RateLimiter(security.rate_limit_per_minute, security.rate_limit_burst)
    graphql_app.limiter = limiter  # subscriptions spend the same per-client share
    collections = [c for register in REGISTERS for c in register.collections]
    downloads = [r.name for r in REGISTERS if r.eksport is not None and r.eksport.nedlasting]
    resolvers = answered_by("resolvers", graphql_app)
    routes = [
        Route(
            GRAPHQL_PATH,
            SnapshotPerRequest(
                OpenGet(
                    answered_by("sql", SqlFirst(resolvers, answers)) if answers else resolvers,
                    schema._schema,
                )
            ),
            methods=["GET", "POST"],
        ),
        WebSocketRoute(GRAPHQL_PATH, graphql_app),  # subscriptions (graphql-transport-ws)
        Route("/healthz", healthz, methods=["GET"]),
        *ogc_routes(collections, security),
        *tile_routes(collections, security),
        *kart_routes(settings.basemap_style if basemap_style is None else basemap_style),
        *feed_http.routes(authenticator, limiter),
        *eksport_routes(database_url, settings.data_dir / "eksport", downloads, security),
        *(
            Route(path, _endpoint(handler, limiter), methods=["POST"])
            for register in REGISTERS
            for path, handler in register.http_endpoints.items()
        ),
    ]
    if security.graphiql:
        routes.append(Mount(STATIC_PATH, StaticFiles(directory=GRAPHIQL_STATIC_DIR)))
    gate = Middleware(Gate, path=GRAPHQL_PATH, authenticator=authenticator, settings=security,
                      limiter=limiter)  # fmt: skip
    observed = []
    if settings.metrics:
        if settings.metrics_port is None:  # else they are served on a port of their own
            routes.append(Route("/metrics", metrics_route(scrape_registry(database_url))))
        operations = metrics.OperationLabels.of(allow_list.queries.values() if allow_list else None)
        observed = [Middleware(Observe, graphql_path=GRAPHQL_PATH, operations=operations)]
    return Starlette(
        routes=routes, lifespan=lifespan, middleware=[Middleware(RequestId), *observed, gate]
    )


async def _every_second(reads: ReadPools, pools: dict[str, AsyncConnectionPool]) -> None:
    """The pools' gauges, and (with replicas) their lag, sampled once a second."""
    pools = {**pools, **{f"replica{n}": p for n, p in enumerate(reads.replicas, start=1)}}
    while True:
        metrics.sample_pools(pools)
        if reads.replicas:
            try:
                await reads.check()
            except Exception:  # a failed check must not end the checking
                log.exception("replicas: the lag check failed")
            metrics.sample_replicas(reads.lags, reads.max_lag_s)
        await asyncio.sleep(1.0)
