"""The SQL floor: each query's hand-written SQL, one statement building the whole answer,
timed serially (psycopg, prepared) and under pgbench with as many connections as wrk uses,
with PostgreSQL's CPU time per answer (what grunndata's CPU per request is held to)."""

from __future__ import annotations

import argparse
import shutil
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from benchmarks.compare.queries import QUERIES
from benchmarks.compare.runner import backends_cpu
from benchmarks.compare.servers import LOAD_CPU
from grunndata.db.database import Database, connect

KEYS_TABLE = "public.benchmark_keys"


@dataclass(frozen=True)
class Floor:
    latencies: list[float]  # serial, seconds
    requests_per_s: float | None = None  # pgbench's tps (None without pgbench)
    cpu_ms: float | None = None  # PostgreSQL's CPU time per answer under pgbench


def floor(database: Database, keys: dict[str, list[str]],
          args: argparse.Namespace, folder: Path) -> dict[str, Floor]:  # fmt: skip
    out: dict[str, Floor] = {}
    pgbench = _pgbench()
    for name in args.queries:
        query = QUERIES[name]
        text = query.sql.replace("$1", "%s")
        latencies = []
        with connect(database.app_url) as conn:
            for key in keys[name] * 2:
                begun = time.perf_counter()
                conn.execute(text, [key] * text.count("%s"), prepare=True).fetchall()
                latencies.append(time.perf_counter() - begun)
        out[name] = Floor(latencies)
        if pgbench is not None:
            out[name] = _pgbench_run(pgbench, database, name, keys[name], args, folder, latencies)
    return out


def _pgbench_run(
    pgbench: str,
    database: Database,
    name: str,
    keys: list[str],
    args: argparse.Namespace,
    folder: Path,
    latencies: list[float],
) -> Floor:
    with connect(database.owner_url, autocommit=True) as conn:
        conn.execute(f"DROP TABLE IF EXISTS {KEYS_TABLE}")
        conn.execute(f"CREATE TABLE {KEYS_TABLE} (n int PRIMARY KEY, key text)")
        with conn.cursor().copy(f"COPY {KEYS_TABLE} FROM STDIN") as copy:
            for n, key in enumerate(keys, 1):
                copy.write_row((n, key))
    script = folder / f"{name}.sql"
    script.write_text(
        f"\\set n random(1, {len(keys)})\n"
        + QUERIES[name].sql.replace("$1", f"(SELECT key FROM {KEYS_TABLE} WHERE n = :n)")
        .replace("\n", " ") + ";\n", encoding="utf-8",
    )  # fmt: skip
    before = backends_cpu(database)
    command = ["taskset", "-c", LOAD_CPU, pgbench, "-n", "-M", "prepared", "-f", str(script),
               "-c", str(args.connections), "-j", "1", "-T", str(args.seconds),
               database.owner_url]  # fmt: skip
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    # pgbench's backends end with it: their CPU time as last seen, polled (the last tenth of
    # a second of each is missed, about 1 % of a run: the floor reads a little low)
    seen: dict[int, float] = {}
    with connect(database.owner_url, autocommit=True) as conn:
        while process.poll() is None:
            seen |= {pid: cpu for pid, cpu in backends_cpu(database, conn).items() if cpu}
            time.sleep(0.1)
    stdout, stderr = process.communicate()
    if process.returncode != 0:
        raise RuntimeError(f"pgbench {name}: {stderr[-500:]}")
    with connect(database.owner_url, autocommit=True) as conn:
        conn.execute(f"DROP TABLE {KEYS_TABLE}")
    rate = float(next(ln for ln in stdout.splitlines() if ln.startswith("tps")).split()[2])
    done = next(ln for ln in stdout.splitlines() if ln.startswith("number of transactions"))
    answers = int(done.split(":")[1].split("/")[0])
    used = sum(cpu - before.get(pid, 0.0) for pid, cpu in seen.items())
    return Floor(latencies, rate, 1000 * used / answers if answers else None)


def _pgbench() -> str | None:
    found = shutil.which("pgbench")
    if found:
        return found
    candidates = sorted(Path("/usr/lib/postgresql").glob("*/bin/pgbench"))
    return str(candidates[-1]) if candidates else None
