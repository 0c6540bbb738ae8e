"""The one-graph harness the tests share: the three registers as subgraphs and the single
process, and a real Hive Gateway (federation/, ``npm ci``) serving the composed supergraph,
all on loopback.

One gateway serves the whole session (``one_gateway``; starting one takes seconds): its
subgraphs and the single process are servers that pass each request to the apps of the
database a test chose last (``OneGateway.serving``). The tests that use it run one at a
time on one xdist worker (the ``gateway`` group: tests/conftest.py)."""

from __future__ import annotations

import asyncio
import shutil
import socket
import subprocess
import time
from collections.abc import Awaitable, Callable, Iterator, Mapping
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from grunndata.db.database import Database
from grunndata.graphql.federation.build import ALL_SUBGRAPHS, build_subgraph_schema
from grunndata.graphql.federation.composition import FEDERATION_DIR, compose_supergraph
from grunndata.server import create_app
from tests.conftest import ALL, LiveServer, test_token, with_token

GATEWAY_START_S = 90.0
SINGLE = "single"

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


class Switch:
    """An ASGI app passing each request to the app chosen last (``route``); the apps it is
    given run their lifespans (connection pools) in this server's event loop."""

    def __init__(self) -> None:
        self.app: Any = None
        self.loop: asyncio.AbstractEventLoop | None = None

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            while (await receive())["type"] != "lifespan.shutdown":
                self.loop = asyncio.get_running_loop()
                await send({"type": "lifespan.startup.complete"})
            await send({"type": "lifespan.shutdown.complete"})
        elif self.app is None:
            raise RuntimeError("no test chose a database for this server")
        else:
            await self.app(scope, receive, send)

    def start(self, app: Any) -> Callable[[], None]:
        """Start ``app``'s lifespan in this server's loop; returns what ends it."""
        assert self.loop is not None
        inbox: asyncio.Queue[dict[str, str]] = asyncio.Queue()
        outbox: asyncio.Queue[dict[str, Any]] = asyncio.Queue()

        async def startup() -> asyncio.Task[None]:
            scope = {"type": "lifespan", "asgi": {"version": "3.0"}, "state": {}}
            task = asyncio.create_task(app(scope, inbox.get, outbox.put))
            await inbox.put({"type": "lifespan.startup"})
            reply = await outbox.get()
            assert reply["type"] == "lifespan.startup.complete", reply
            return task

        async def shutdown(task: asyncio.Task[None]) -> None:
            await inbox.put({"type": "lifespan.shutdown"})
            await outbox.get()
            await task

        task = self._run(startup())
        return lambda: self._run(shutdown(task))

    def _run(self, coroutine: Awaitable[Any]) -> Any:
        assert self.loop is not None
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout=60)  # type: ignore[arg-type]


@dataclass
class Tenant:
    """One database's apps (subgraphs and single process), started, and what they saw."""

    apps: dict[str, Any]
    seen: list[tuple[str, dict[str, str]]]
    stop: Callable[[], None]


class OneGateway:
    """Hive Gateway and the servers behind it; ``serving`` points them at a database."""

    def __init__(self, work: Path) -> None:
        self.switches = {name: Switch() for name in (*ALL_SUBGRAPHS, SINGLE)}
        self.tenants: dict[str, Tenant] = {}
        self.stack = ExitStack()
        try:
            self.bases = {
                name: self.stack.enter_context(LiveServer(switch, token=None))
                for name, switch in self.switches.items()
            }
            self.gateway = self.stack.enter_context(_gateway(self.bases, work))
            self.supergraph = (work / "supergraph.graphql").read_text()
        except BaseException:
            self.stack.close()
            raise

    @contextmanager
    def serving(
        self, database: Database, token: object = ALL, keep: bool = True,
        split: Mapping[str, Database] | None = None,
    ) -> Iterator[Federated]:  # fmt: skip
        """The gateway and the single process answering from ``database``, their clients
        holding ``token`` when a request carries none (as ``LiveServer``; None: no token, as
        a deployment). ``keep``: leave its apps running for later tests (a database of the
        session); else they stop at the end. ``split``: the subgraphs named there answer
        from their own database instead."""
        urls = {name: (split or {}).get(name, database).app_url for name in self.switches}
        url = " ".join(urls.values())
        tenant = self.tenants.get(url) or self._start(url, urls)
        tenant.seen.clear()
        minted = test_token() if token is ALL else token  # fresh: tokens expire
        for name, switch in self.switches.items():
            switch.app = with_token(tenant.apps[name], minted)  # type: ignore[arg-type]
        try:
            yield Federated(
                self.gateway,
                self.bases[SINGLE],
                tenant.seen,
                {name: self.bases[name] for name in ALL_SUBGRAPHS},
                self.supergraph,
            )
        finally:
            for switch in self.switches.values():
                switch.app = None
            if not keep:
                del self.tenants[url]
                tenant.stop()

    def _start(self, url: str, urls: Mapping[str, str]) -> Tenant:
        seen: list[tuple[str, dict[str, str]]] = []
        apps: dict[str, Any] = {
            name: HeaderLog(create_app(urls[name], schema=build_subgraph_schema(name)), name, seen)
            for name in ALL_SUBGRAPHS
        }
        apps[SINGLE] = create_app(urls[SINGLE])
        stops = [self.switches[name].start(app) for name, app in apps.items()]

        def stop() -> None:
            for each in stops:
                each()

        self.tenants[url] = Tenant(apps, seen, stop)
        return self.tenants[url]

    def close(self) -> None:
        for tenant in self.tenants.values():
            tenant.stop()
        self.stack.close()


@pytest.fixture(scope="session")
def one_gateway(tmp_path_factory: pytest.TempPathFactory) -> Iterator[OneGateway]:
    """Hive Gateway for the session (tests in the ``gateway`` xdist group)."""
    if shutil.which("node") is None:
        pytest.skip(NEEDS_NODE.kwargs["reason"])
    harness = OneGateway(tmp_path_factory.mktemp("gateway"))
    yield harness
    harness.close()


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


@contextmanager
def _gateway(bases: dict[str, str], work: Path) -> Iterator[str]:
    """Hive Gateway on the supergraph of the subgraphs at ``bases`` (``work``: for the
    supergraph and the gateway's log)."""
    supergraph = work / "supergraph.graphql"
    urls = {name: f"{bases[name]}/graphql" for name in ALL_SUBGRAPHS}
    supergraph.write_text(compose_supergraph(urls))
    port = _free_port()
    with (work / "gateway.log").open("wb") as log:
        gateway = subprocess.Popen(
            [str(FEDERATION_DIR / "node_modules/.bin/hive-gateway"), "supergraph", str(supergraph),
             "--config-path", str(FEDERATION_DIR / "gateway.config.mjs"),
             "--host", "127.0.0.1", "--port", str(port)],
            cwd=FEDERATION_DIR, stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        try:
            yield _wait_for(gateway, port, work / "gateway.log")
        finally:
            _stop(gateway)


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
