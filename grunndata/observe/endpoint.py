"""Serving the metrics: ``/metrics`` on the API's own port to loopback clients, or every
metric on a port of its own (``grunndata serve --metrics-port``) to anyone who reaches it.

A request that came through a proxy (it carries ``Forwarded`` or ``X-Forwarded-For``) is
not a loopback client, whatever address the proxy connects from.
"""

from __future__ import annotations

import asyncio
import ipaddress
import os
from collections.abc import Iterator
from typing import Any

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    generate_latest,
    multiprocess,
    start_http_server,
)
from prometheus_client.registry import Collector
from starlette.requests import Request
from starlette.responses import Response

from grunndata.observe.journal import JournalCollector
from grunndata.observe.metrics import REGISTRY

MULTIPROC_DIR = "PROMETHEUS_MULTIPROC_DIR"
PROXIED = (b"forwarded", b"x-forwarded-for", b"x-real-ip")


class _Registry(Collector):
    """Another registry's metrics, as one collector of a scrape's registry."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self.registry = registry

    def collect(self) -> Iterator[Any]:
        return self.registry.collect()


def scrape_registry(database_url: str) -> CollectorRegistry:
    """What a scrape answers: this process's metrics (or, with several workers, every
    worker's, summed from ``PROMETHEUS_MULTIPROC_DIR``) and the journal's."""
    registry = CollectorRegistry(auto_describe=False)
    if os.environ.get(MULTIPROC_DIR):
        multiprocess.MultiProcessCollector(registry)
    else:
        registry.register(_Registry(REGISTRY))
    registry.register(JournalCollector(database_url))
    return registry


def loopback(scope: Any) -> bool:
    if any(name in PROXIED for name, _ in scope.get("headers", ())):
        return False
    client = scope.get("client")
    try:
        return client is not None and ipaddress.ip_address(client[0]).is_loopback
    except ValueError:
        return False


def metrics_route(registry: CollectorRegistry) -> Any:
    """The ``/metrics`` endpoint: the scrape's text to a loopback client, else 404."""

    async def endpoint(request: Request) -> Response:
        if not loopback(request.scope):
            return Response("Not Found", 404, media_type="text/plain")
        text = await asyncio.to_thread(generate_latest, registry)
        return Response(text, media_type=CONTENT_TYPE_LATEST)

    return endpoint


def serve_on_port(port: int, database_url: str, host: str = "0.0.0.0") -> None:
    """Every metric on ``port`` of every address (prometheus-client's server, a thread)."""
    start_http_server(port, addr=host, registry=scrape_registry(database_url))
