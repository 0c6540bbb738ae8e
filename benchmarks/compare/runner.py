"""The load: wrk against one side at a time (the sides alternate run by run), each run's
CPU time per request (the server's processes and PostgreSQL's backends) and, for grunndata,
which path answered its requests (its ``/metrics``: the SQL forms, or the resolvers)."""

from __future__ import annotations

import argparse
import json
import os
import subprocess
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import partial
from pathlib import Path

import httpx
import psycopg

from benchmarks.compare.queries import QUERIES
from benchmarks.compare.servers import LOAD_CPU, Server
from grunndata.db.database import Database, connect

WRK_SCRIPT = """
local bodies = {}
for line in io.lines(os.getenv("WRK_BODIES")) do bodies[#bodies + 1] = line end
local i = 0
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
local auth = os.getenv("WRK_AUTHORIZATION")
if auth and auth ~= "" then wrk.headers["Authorization"] = auth end
request = function()
  i = i % #bodies + 1
  return wrk.format(nil, nil, nil, bodies[i])
end
done = function(summary, latency, requests)
  io.write(string.format("RESULT %d %d %d %d %d %d\\n", summary.requests, summary.duration,
    latency:percentile(50), latency:percentile(99), summary.errors.status,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
"""


@dataclass(frozen=True)
class Run:
    requests_per_s: float
    p50_ms: float
    p99_ms: float
    requests: int = 0
    server_cpu_ms: float = 0.0  # CPU time per request: the server's processes
    database_cpu_ms: float = 0.0  # and the database's backends (PostgreSQL)
    #: the share of requests grunndata's SQL forms answered (None: not grunndata)
    fast: float | None = None
    refused: int = 0  # non-2xx answers (not counted in requests)

    @property
    def cpu_ms(self) -> float:
        return self.server_cpu_ms + self.database_cpu_ms


def cpu_seconds(pid: int) -> float:
    """User and system CPU time of process ``pid`` so far (Linux ``/proc``; 0 if gone)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text(encoding="ascii")
    except OSError:
        return 0.0
    fields = stat.rsplit(")", 1)[1].split()  # after the command name: field 3 on
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def backends_cpu(database: Database, conn: psycopg.Connection | None = None) -> dict[int, float]:
    """CPU seconds so far of each backend serving ``database`` (but the one asking: on
    ``conn`` when given, else a connection of its own)."""
    if conn is None:
        with connect(database.owner_url, autocommit=True) as own:
            return backends_cpu(database, own)
    pids = [r[0] for r in conn.execute(
        "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
        "AND pid <> pg_backend_pid()")]  # fmt: skip
    return {pid: cpu_seconds(pid) for pid in pids}


def measured(run: Callable[[], Run], server: Server, database: Database) -> Run:
    """``run``, with the CPU time per request it took of the server's processes and of
    PostgreSQL (the sides take turns, so the database's backends work for the one under
    load; less sensitive than req/s to other work on the machine), and the share of its
    requests that grunndata's SQL forms answered."""
    server_before, backends_before = _cpu(server.pids), backends_cpu(database)
    paths_before = answer_paths(server)
    result = run()
    server_used = _cpu(server.pids) - server_before
    database_used = sum(used - backends_before.get(pid, 0.0)
                        for pid, used in backends_cpu(database).items())  # fmt: skip
    paths = answer_paths(server) - paths_before
    answered = paths["sql"] + paths["resolvers"]
    return replace(result, server_cpu_ms=1000 * server_used / result.requests,
                   database_cpu_ms=1000 * database_used / result.requests,
                   fast=paths["sql"] / answered if answered else None)  # fmt: skip


def _cpu(pids: tuple[int, ...]) -> float:
    return sum(tree_cpu(pid) for pid in pids)


def tree_cpu(pid: int) -> float:
    """CPU seconds so far of process ``pid`` and its descendants (a gateway's workers)."""
    children = []
    for task in Path(f"/proc/{pid}/task").glob("*/children"):
        try:
            children += [int(c) for c in task.read_text().split()]
        except OSError:
            continue
    return cpu_seconds(pid) + sum(tree_cpu(child) for child in children)


METRIC = "grunndata_graphql_requests_total{"


def answer_paths(server: Server) -> Counter[str]:
    """Answers so far (code OK) by the path that gave them (``sql``, ``resolvers``),
    summed over the side's grunndata processes (their ``/metrics``, served to loopback)."""
    paths: Counter[str] = Counter()
    for base in server.metrics:
        text = httpx.get(f"{base}/metrics", timeout=10).raise_for_status().text
        for line in text.splitlines():
            if line.startswith(METRIC):
                labels, value = line[len(METRIC) :].rsplit("} ", 1)
                if 'code="OK"' in labels:  # answers, not refusals
                    path = labels.split('path="', 1)[1].split('"', 1)[0]
                    paths[path] += round(float(value))
    return paths


def wrk(url: str, bodies: Path, script: Path, seconds: int, connections: int,
        headers: dict[str, str] | None = None) -> Run:  # fmt: skip
    authorization = (headers or {}).get("Authorization", "")
    out = subprocess.run(
        ["taskset", "-c", LOAD_CPU, "wrk", "-t1", f"-c{connections}", f"-d{seconds}s",
         "--timeout", "30s", "-s", str(script), url],
        env={**os.environ, "WRK_BODIES": str(bodies), "WRK_AUTHORIZATION": authorization},
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    line = next(ln for ln in out.splitlines() if ln.startswith("RESULT"))
    requests, duration_us, p50, p99, bad_status, socket_errors = map(int, line.split()[1:])
    answered = requests - bad_status
    if socket_errors or answered <= 0:
        raise RuntimeError(f"wrk on {url}: {answered} answered in {seconds} s, {bad_status} "
                           f"non-2xx, {socket_errors} socket errors")  # fmt: skip
    # a refusal (grunndata's 503 OVERLOADED when no connection is free within a second) is
    # not an answer: only answers count, and CPU time is per answer
    return Run(answered / (duration_us / 1e6), p50 / 1000, p99 / 1000, answered, refused=bad_status)


def bodies_file(folder: Path, name: str, server: Server, keys: list[str]) -> Path:
    """The request bodies of query ``name`` as ``server`` spells them, one a line, for wrk."""
    path = folder / f"{name}-{server.name}.jsonl".replace(" ", "-")
    query = QUERIES[name]
    path.write_text("".join(json.dumps(server.body(query, k)) + "\n" for k in keys),
                    encoding="utf-8")  # fmt: skip
    return path


def show(name: str, server: Server, run: Run) -> None:
    fast = "" if run.fast is None else f", SQL forms answered {run.fast:4.0%}"
    fast += f", {run.refused} refused (non-2xx)" if run.refused else ""
    print(f"  {name:<8}{server.name:<14}{run.requests_per_s:8.0f} req/s   "
          f"p50 {run.p50_ms:7.2f} ms   p99 {run.p99_ms:7.2f} ms   CPU/request: "
          f"server {run.server_cpu_ms:5.2f} ms, PostgreSQL {run.database_cpu_ms:5.2f} ms{fast}",
          flush=True)  # fmt: skip


def drive(
    servers: tuple[Server, Server],
    keys: dict[str, list[str]],
    args: argparse.Namespace,
    folder: Path,
    database: Database,
    runs: int,
) -> dict[str, dict[str, list[Run]]]:
    """Each query, each server, ``runs`` times, alternating which server goes first."""
    script = folder / "bodies.lua"
    script.write_text(WRK_SCRIPT, encoding="utf-8")
    results: dict[str, dict[str, list[Run]]] = {}
    for name in args.queries:
        bodies = {server.name: bodies_file(folder, name, server, keys[name])
                  for server in servers}  # fmt: skip
        results[name] = {server.name: [] for server in servers}
        order = list(servers)
        for _ in range(args.warmup_runs):  # JIT, caches, connection pools
            for server in order:
                wrk(server.url, bodies[server.name], script, 3, args.connections, server.headers)
        for _ in range(runs):
            for server in order:
                load = partial(wrk, server.url, bodies[server.name], script, args.seconds,
                               args.connections, server.headers)  # fmt: skip
                run = measured(load, server, database)
                results[name][server.name].append(run)
                show(name, server, run)
            order.reverse()
    return results
