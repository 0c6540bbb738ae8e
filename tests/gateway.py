"""The one-graph harness the tests share: the three registers as subgraphs and the single
process on one database, and a real Hive Gateway (federation/, ``npm ci``) serving the
composed supergraph, all on loopback."""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from grunndata.db.database import Database
from grunndata.graphql.federation.build import SUBGRAPH_NAMES, build_subgraph_schema
from grunndata.graphql.federation.composition import FEDERATION_DIR, compose_supergraph
from grunndata.server import create_app
from tests.conftest import ALL, LiveServer

GATEWAY_START_S = 90.0

NEEDS_NODE = pytest.mark.skipif(
    shutil.which("node") is None,
    reason="Node.js is not installed (scripts/setup installs the gateway with it)",
)


@dataclass
class Federated:
    """Base URLs of the gateway and of the single process, and the forwarded headers
    (subgraph name, headers) of every subgraph request that carried a token."""

    gateway: str
    single: str
    seen: list[tuple[str, dict[str, str]]]
    subgraphs: dict[str, str]  # each register's subgraph, as the gateway reaches it
    supergraph: str  # the composed SDL the gateway serves


@contextmanager
def running_federation(database: Database, work: Path, token: object = ALL) -> Iterator[Federated]:
    """The subgraphs, the single process and the gateway on ``database`` (``work``: for the
    supergraph and the gateway's log). ``token``: what the servers' clients hold when a
    request carries none (as ``LiveServer``; None: no token, as a deployment)."""
    if shutil.which("node") is None:
        pytest.skip(NEEDS_NODE.kwargs["reason"])
    url = database.app_url
    seen: list[tuple[str, dict[str, str]]] = []
    with ExitStack() as stack:
        bases = {
            name: stack.enter_context(
                LiveServer(
                    HeaderLog(create_app(url, schema=build_subgraph_schema(name)), name, seen),
                    token=token,
                )
            )
            for name in SUBGRAPH_NAMES
        }
        single = stack.enter_context(LiveServer(create_app(url), token=token))
        supergraph = work / "supergraph.graphql"
        supergraph.write_text(compose_supergraph({n: f"{b}/graphql" for n, b in bases.items()}))
        port = _free_port()
        log = stack.enter_context((work / "gateway.log").open("wb"))
        gateway = subprocess.Popen(
            [str(FEDERATION_DIR / "node_modules/.bin/hive-gateway"), "supergraph", str(supergraph),
             "--config-path", str(FEDERATION_DIR / "gateway.config.mjs"),
             "--host", "127.0.0.1", "--port", str(port)],
            cwd=FEDERATION_DIR, stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        stack.callback(_stop, gateway)
        base = _wait_for(gateway, port, work / "gateway.log")
        yield Federated(base, single, seen, bases, supergraph.read_text())


class HeaderLog:
    """An ASGI wrapper noting the forwarded headers of every request a subgraph gets."""

    def __init__(self, app: Any, name: str, seen: list[tuple[str, dict[str, str]]]) -> None:
        self.app, self.name, self.seen = app, name, seen

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            headers = {k.decode(): v.decode() for k, v in scope["headers"]}
            if "authorization" in headers:
                self.seen.append((self.name, headers))
        await self.app(scope, receive, send)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def _wait_for(gateway: subprocess.Popen[bytes], port: int, log: Path) -> str:
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + GATEWAY_START_S
    while time.monotonic() < deadline:
        if gateway.poll() is not None:
            raise RuntimeError(f"the gateway stopped:\n{log.read_text(errors='replace')}")
        try:
            if httpx.post(f"{base}/graphql", json={"query": "{__typename}"}, timeout=2).is_success:
                return base
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise RuntimeError("the gateway did not start in time")
