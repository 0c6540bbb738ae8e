"""The same queries through the federated deployment (docs/federation.md): one grunndata
subgraph per register and Hive Gateway (``federation/``, ``npm ci``) on the composed
supergraph, every process pinned to the servers' CPU, as the single process is."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

from benchmarks.compare.servers import Server, server_env, started
from grunndata.db.database import Database
from grunndata.graphql.federation.build import ALL_SUBGRAPHS
from grunndata.graphql.federation.composition import FEDERATION_DIR, compose_supergraph

GATEWAY = "Hive Gateway"


@contextmanager
def federated(database: Database, port: int, auth: dict[str, str], headers: dict[str, str],
              folder: Path) -> Iterator[Server]:  # fmt: skip
    """Hive Gateway on ``port``, each subgraph on the ports after it; yields the side."""
    grunndata = str(Path(sys.executable).parent / "grunndata")
    ports = {name: port + 1 + n for n, name in enumerate(ALL_SUBGRAPHS)}
    bases = {name: f"http://127.0.0.1:{p}" for name, p in ports.items()}
    env = {**server_env(database), **auth}
    supergraph = folder / "supergraph.graphql"
    supergraph.write_text(compose_supergraph({n: f"{b}/graphql" for n, b in bases.items()}),
                          encoding="utf-8")  # fmt: skip
    with ExitStack() as stack:
        pids = [
            stack.enter_context(started(
                [sys.executable, grunndata, "serve", "--subgraph", name, "--port",
                 str(ports[name]), "--no-migrate"], env, f"{bases[name]}/graphql"))
            for name in ALL_SUBGRAPHS
        ]  # fmt: skip
        url = f"http://127.0.0.1:{port}/graphql"
        gateway = [str(FEDERATION_DIR / "node_modules/.bin/hive-gateway"), "supergraph",
                   str(supergraph), "--config-path", str(FEDERATION_DIR / "gateway.config.mjs"),
                   "--host", "127.0.0.1", "--port", str(port)]  # fmt: skip
        pid = stack.enter_context(started(gateway, {}, url, cwd=FEDERATION_DIR))
        yield Server(GATEWAY, url, lambda q: q.grunndata, lambda q, d: q.grunndata_answer(d),
                     headers, pids=(pid, *pids), metrics=tuple(bases.values()))  # fmt: skip
