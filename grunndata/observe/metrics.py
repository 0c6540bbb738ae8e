"""The metrics grunndata exports, made with the standard ``prometheus-client``.

Label values are bounded: an operation name is itself only when it is known (named in the
persisted-query allow-list) or among the first ``FIRST_OPERATIONS`` distinct names this
process met; any other is ``other`` (and a name with a run of digits, which could carry an
identifier, always is). Error codes are the stable codes grunndata answers with, at most
``MAX_CODES`` of them.

With several worker processes (``grunndata serve --workers N``) the values live in
``PROMETHEUS_MULTIPROC_DIR`` (prometheus-client's multiprocess mode) and a scrape of any
worker sums them; gauges of the pools are summed over the live workers.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from time import perf_counter
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.process_collector import ProcessCollector
from psycopg_pool import AsyncConnectionPool

from grunndata.graphql.oppslagslogg import LookupLogWriter, operation_name

FIRST_OPERATIONS = 100
MAX_CODES = 60
LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 15)

#: This process's own metrics (the scrape adds the journal's, ``observe.journal``).
REGISTRY = CollectorRegistry(auto_describe=True)
ProcessCollector(registry=REGISTRY)

GRAPHQL_REQUESTS = Counter(
    "grunndata_graphql_requests",
    "Requests to /graphql by operation, answer path (sql: the SQL forms; resolvers; "
    "refused: before either) and code (OK or the first error's code).",
    ["operation", "path", "code"],
    registry=REGISTRY,
)
GRAPHQL_SECONDS = Histogram(
    "grunndata_graphql_request_duration_seconds",
    "Time from a /graphql request's arrival to the end of its answer.",
    ["operation", "path"],
    buckets=LATENCY_BUCKETS,
    registry=REGISTRY,
)
HTTP_REQUESTS = Counter(
    "grunndata_http_requests",
    "Requests to the other endpoints (OGC API, tiles, health, ...) by route and status.",
    ["route", "status"],
    registry=REGISTRY,
)
HTTP_SECONDS = Histogram(
    "grunndata_http_request_duration_seconds",
    "Time to answer a request to the other endpoints, by route.",
    ["route"],
    buckets=LATENCY_BUCKETS,
    registry=REGISTRY,
)
RATE_LIMITED = Counter(
    "grunndata_rate_limited",
    "Requests refused by a rate limit (429), by route.",
    ["route"],
    registry=REGISTRY,
)
POOL_CONNECTIONS = Gauge(
    "grunndata_pool_connections",
    "Database pool connections by pool (request, lookup_log, replica<N>) and state "
    "(in_use, idle, waiting: requests waiting for one, max: the pool's limit); sampled "
    "every second.",
    ["pool", "state"],
    registry=REGISTRY,
    multiprocess_mode="livesum",
)
LOOKUP_LOG_FLUSHES = Counter(
    "grunndata_lookup_log_flushes",
    "Group-commit flushes of the lookup log (one INSERT each), by outcome (ok, failed).",
    ["outcome"],
    registry=REGISTRY,
)
LOOKUP_LOG_FLUSH_SECONDS = Histogram(
    "grunndata_lookup_log_flush_duration_seconds",
    "Time one lookup-log flush takes (its INSERT and commit).",
    buckets=LATENCY_BUCKETS,
    registry=REGISTRY,
)
LOOKUP_LOG_PERSONS = Counter(
    "grunndata_lookup_log_persons",
    "Persons written to the lookup log (one per person per request).",
    registry=REGISTRY,
)
REPLICA_LAG = Gauge(
    "grunndata_replica_lag_seconds",
    "How far each read replica is behind the primary (+Inf: unknown or unreachable).",
    ["replica"],
    registry=REGISTRY,
    multiprocess_mode="max",
)
REPLICA_SERVING = Gauge(
    "grunndata_replica_serving",
    "1 when the replica answers reads (its lag is within GRUNNDATA_READ_MAX_LAG_SECONDS).",
    ["replica"],
    registry=REGISTRY,
    multiprocess_mode="min",
)

_NAME = re.compile(r"[_A-Za-z][_0-9A-Za-z]{0,63}")
_DIGITS = re.compile(r"[0-9]{6}")
_CODE = re.compile(r"[A-Z][A-Z0-9_]{0,47}")


def safe_operation(name: str | None) -> str | None:
    """``name`` when it is a GraphQL name of at most 64 characters without a run of six
    digits (which could be part of an identifier), else ``other``; None for no name."""
    if not name:
        return None
    if _NAME.fullmatch(name) is None or _DIGITS.search(name):
        return "other"
    return name


class OperationLabels:
    """Operation names as label values: the ``known`` ones, else the first ``first``
    distinct names met, else ``other``; no name is ``anonymous``."""

    def __init__(self, known: Iterable[str] = (), first: int = FIRST_OPERATIONS) -> None:
        self.known = {n for n in known if safe_operation(n) == n}
        self.first = first
        self.met: set[str] = set()

    @classmethod
    def of(cls, persisted: Iterable[str] | None) -> OperationLabels:
        """With an allow-list (its query texts): its operations' names, no others; else the
        first ``FIRST_OPERATIONS`` met."""
        if persisted is None:
            return cls()
        names = [operation_name(None, text) for text in persisted]
        return cls([n for n in names if n], first=0)

    def label(self, name: str | None) -> str:
        safe = safe_operation(name)
        if safe is None:
            return "anonymous"
        if safe in self.known or safe in self.met:
            return safe
        if safe != "other" and len(self.met) < self.first:
            self.met.add(safe)
            return safe
        return "other"


class CodeLabels:
    """Error codes as label values: stable codes, at most ``MAX_CODES`` of them."""

    def __init__(self) -> None:
        self.met: set[str] = set()

    def label(self, code: str | None) -> str:
        if code is None:
            return "OK"
        if code in self.met:
            return code
        if _CODE.fullmatch(code) and len(self.met) < MAX_CODES:
            self.met.add(code)
            return code
        return "OTHER"


class ObservedLookupLog(LookupLogWriter):
    """The lookup log's group-commit writer, its flushes counted and timed."""

    async def _insert(self, batch: list[Any]) -> None:
        start = perf_counter()
        try:
            await super()._insert(batch)
        except BaseException:
            LOOKUP_LOG_FLUSHES.labels("failed").inc()
            raise
        LOOKUP_LOG_FLUSHES.labels("ok").inc()
        LOOKUP_LOG_FLUSH_SECONDS.observe(perf_counter() - start)
        LOOKUP_LOG_PERSONS.inc(sum(waiting.persons for waiting in batch))


def sample_pools(pools: Mapping[str, AsyncConnectionPool]) -> None:
    """Set the pool gauges from each pool's own counts (no database round trip)."""
    for name, pool in pools.items():
        stats = pool.get_stats()
        idle = stats.get("pool_available", 0)
        POOL_CONNECTIONS.labels(name, "in_use").set(stats.get("pool_size", 0) - idle)
        POOL_CONNECTIONS.labels(name, "idle").set(idle)
        POOL_CONNECTIONS.labels(name, "waiting").set(stats.get("requests_waiting", 0))
        POOL_CONNECTIONS.labels(name, "max").set(pool.max_size)


def sample_replicas(lags: Iterable[float], max_lag_s: float) -> None:
    for number, lag in enumerate(lags, start=1):
        REPLICA_LAG.labels(str(number)).set(lag)
        REPLICA_SERVING.labels(str(number)).set(1 if lag <= max_lag_s else 0)
