"""What the soak runs against: a private cluster (so it can be restarted without touching
anyone else's), generated data, the single process, the three subgraphs and Hive Gateway,
each a process of its own (so its memory can be read), and the periodic load."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, replace
from pathlib import Path

import httpx

from grunndata.cli.tokens import DEMO_CONSUMER, dev_token
from grunndata.config import Settings, running_as_root
from grunndata.db import migrate
from grunndata.db.cluster import EmbeddedCluster
from grunndata.db.database import Database, bootstrap, connect
from grunndata.errors import DatabaseUnavailable
from grunndata.fixtures.generate import generate
from grunndata.graphql.access import SCOPES
from grunndata.graphql.federation.build import SUBGRAPH_NAMES
from grunndata.graphql.federation.composition import FEDERATION_DIR, compose_supergraph

GRUNNDATA = str(Path(sys.executable).parent / "grunndata")
START_S = 300.0  # a busy machine takes minutes to start four servers


@dataclass
class Stack:
    cluster: EmbeddedCluster
    database: Database
    data: Path  # the generated files, loaded again by ``load``
    env: dict[str, str]
    single: str  # base URLs
    gateway: str
    processes: dict[str, subprocess.Popen[bytes]]  # "single", each subgraph, "gateway"
    token: str

    def load(self) -> tuple[float, int]:
        """Load the generated files again (a full load, nothing changed): seconds, exit."""
        started = time.monotonic()
        done = subprocess.run([GRUNNDATA, "load", str(self.data), "--no-migrate"],
                              env=self.env, capture_output=True)  # fmt: skip
        return time.monotonic() - started, done.returncode

    def restart_database(self) -> float:
        """Stop and start the cluster; seconds until it accepts connections again."""
        started = time.monotonic()
        self.cluster.stop()
        self.cluster.start()
        deadline = started + START_S
        while True:
            try:
                with connect(self.database.app_url, timeout=2):
                    return time.monotonic() - started
            except DatabaseUnavailable:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)


def _work_dir() -> Path:
    """As root, the cluster user must reach the data directory: not under /tmp/…/0700."""
    if running_as_root():
        return Path("/var/lib") / f"grunndata-soak-{uuid.uuid4().hex[:8]}"
    return Path(tempfile.mkdtemp(prefix="grunndata-soak-"))


@contextmanager
def stack(persons: int) -> Iterator[Stack]:
    work = _work_dir()
    work.mkdir(parents=True, exist_ok=True)
    cluster = EmbeddedCluster(work / "cluster")
    try:
        with ExitStack() as running:
            cluster.start()
            running.callback(cluster.stop)
            database = bootstrap(cluster.url(), "grunndata_soak")
            migrate.upgrade(database)
            data = work / "data"
            generate(persons, 1, data)
            home = work / "home"  # the development key is made beside it
            env = {**os.environ, "GRUNNDATA_DATABASE_URL": database.app_url,
                   "GRUNNDATA_OWNER_DATABASE_URL": database.owner_url,
                   "GRUNNDATA_DATA_DIR": str(home), "GRUNNDATA_LOG_LEVEL": "WARNING",
                   "GRUNNDATA_RATE_LIMIT_PER_MINUTE": "100000000",
                   "GRUNNDATA_RATE_LIMIT_BURST": "1000000"}  # fmt: skip
            settings = replace(Settings.from_env(env), data_dir=home)
            token = dev_token(settings, list(SCOPES), DEMO_CONSUMER, None, 6 * 3600)
            processes: dict[str, subprocess.Popen[bytes]] = {}
            running.callback(_stop_all, processes)
            seconds, code = Stack(cluster, database, data, env, "", "", {}, "").load()
            print(f"loaded {persons} generated persons in {seconds:.0f} s (exit {code})")
            bases = {}
            for name in ("single", *SUBGRAPH_NAMES):
                port = _free_port()
                extra = [] if name == "single" else ["--subgraph", name]
                processes[name] = _start(
                    [GRUNNDATA, "serve", "--port", str(port), "--dev-auth", "--no-migrate",
                     *extra], env, work / f"{name}.log")  # fmt: skip
                bases[name] = f"http://127.0.0.1:{port}"
            for name, base in bases.items():
                _wait(base, processes[name], "/healthz")
            supergraph = work / "supergraph.graphql"
            urls = {name: f"{bases[name]}/graphql" for name in SUBGRAPH_NAMES}
            supergraph.write_text(compose_supergraph(urls))
            port = _free_port()
            processes["gateway"] = _start(
                [str(FEDERATION_DIR / "node_modules/.bin/hive-gateway"), "supergraph",
                 str(supergraph), "--config-path", str(FEDERATION_DIR / "gateway.config.mjs"),
                 "--host", "127.0.0.1", "--port", str(port)], env, work / "gateway.log",
                cwd=FEDERATION_DIR)  # fmt: skip
            gateway = f"http://127.0.0.1:{port}"
            _wait(gateway, processes["gateway"], "/healthcheck")
            yield Stack(cluster, database, data, env, bases["single"], gateway, processes, token)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _start(
    command: list[str], env: dict[str, str], log: Path, cwd: Path | None = None
) -> subprocess.Popen[bytes]:
    with log.open("wb") as out:
        return subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT, cwd=cwd)


def _wait(base: str, process: subprocess.Popen[bytes], path: str) -> None:
    deadline = time.monotonic() + START_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{process.args} stopped (exit {process.returncode})")
        try:
            if httpx.get(base + path, timeout=2).status_code < 500:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.3)
    raise RuntimeError(f"{base} did not start in time")


def _stop_all(processes: dict[str, subprocess.Popen[bytes]]) -> None:
    for process in processes.values():
        process.terminate()
    for process in processes.values():
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def rss_mb(pid: int) -> float:
    """The resident set of process ``pid`` in MB (0 when it is gone)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0
