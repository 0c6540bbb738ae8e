"""Enhetsregisteret: load throughput (enheter/s) of generated ``lastned`` files, JSON.gz and
CSV.gz, and the latency of ``enheter`` searches (p50/p95) through the GraphQL schema.

In a scratch database (``grunndata_benchmark_brreg``) on the embedded cluster:

1. load N generated enheter as ``enheter/lastned`` (JSON.gz) through ``grunndata load``'s
   machinery (read, COPY, merge: one transaction);
2. load the same N as ``/lastned/csv`` (CSV.gz): every unit unchanged;
   for each load, enheter/s and the CPU per enhet, the loader's (this process) and
   PostgreSQL's (every process of the cluster: use a private ``GRUNNDATA_DATA_DIR``);
3. run typical searches (typo-tolerant name, name + kommune, næringskode + size, ...) a
   few rounds each and print p50/p95, with totalCount, through the schema in process.

Usage:  .venv/bin/python -m benchmarks.enhetsregister [--n 20000] [--rounds 5]
"""

from __future__ import annotations

import argparse
import asyncio
import resource
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from psycopg_pool import AsyncConnectionPool

from benchmarks.common import scratch_database
from benchmarks.national_cost import postgres_cpu
from grunndata.db.database import connect
from grunndata.graphql.context import Context
from grunndata.graphql.schema import build_schema
from grunndata.loaders.run import run
from grunndata.registers.enhetsregister import REGISTER
from grunndata.registers.enhetsregister.generate import enheter, write_csv_gz, write_json_gz

DATABASE = "grunndata_benchmark_brreg"
SEARCHES: list[tuple[str, dict[str, Any]]] = [
    ("navn 'korsvik bygg'", {"navn": "korsvik bygg"}),
    ("navn with a typo 'sørlandt it'", {"navn": "sørlandt it"}),
    ("navn 'holm' + kommune 4204", {"navn": "holm", "kommunenummer": ["4204"]}),
    (
        "naeringskode 62 + 10-50 ansatte",
        {"naeringskode": ["62"], "fraAntallAnsatte": 10, "tilAntallAnsatte": 50},
    ),
    (
        "AS in 0301, not konkurs",
        {"organisasjonsform": ["AS"], "kommunenummer": ["0301"], "konkurs": False},
    ),
    ("slettet", {"erSlettet": True}),
]
QUERY = """query ($f: EnhetFilter) { enheter(filter: $f, first: 20) {
  totalCount edges { node { organisasjonsnummer navn forretningsadresse { poststed } } } } }"""


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def load(url: str, path: Path, pgdata: Path) -> tuple[float, float, float, Any]:
    """Wall seconds, this process's CPU seconds (the loader) and PostgreSQL's, and counts."""
    from grunndata.db.database import Database

    started, cpu, pg = time.perf_counter(), _cpu(), postgres_cpu(pgdata)
    outcome = run([path], formats=REGISTER.formats, database=Database(url, url))
    seconds = time.perf_counter() - started
    (file,) = outcome.files
    assert file.exit_code == 0, file.message
    return seconds, _cpu() - cpu, postgres_cpu(pgdata) - pg, file.counts


async def searches(url: str, rounds: int) -> list[tuple[str, int, float, float]]:
    schema = build_schema()
    pool = AsyncConnectionPool(url, min_size=1, max_size=2, open=False, kwargs={"autocommit": True})
    await pool.open()
    figures = []
    try:
        for label, filter in SEARCHES:
            times = []
            total = 0
            for _ in range(rounds + 1):
                context = Context(pool=pool, request_id="bench")
                started = time.perf_counter()
                result = await schema.execute(
                    QUERY, variable_values={"f": filter}, context_value=context
                )
                times.append((time.perf_counter() - started) * 1000)
                assert result.errors is None, result.errors
                total = result.data["enheter"]["totalCount"]  # type: ignore[index]
            times = times[1:]  # the first round warms caches
            p95 = statistics.quantiles(times, n=20)[-1] if len(times) > 1 else times[0]
            figures.append((label, total, statistics.median(times), p95))
    finally:
        await pool.close()
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=20_000, help="how many enheter")
    parser.add_argument("--rounds", type=int, default=5, help="runs of each search")
    args = parser.parse_args()

    with scratch_database(DATABASE) as (database, cluster):
        with tempfile.TemporaryDirectory() as folder:
            started = time.perf_counter()
            json_path = write_json_gz(Path(folder) / "enheter.json.gz", enheter(args.n))
            csv_path = write_csv_gz(Path(folder) / "enheter.csv.gz", enheter(args.n))
            print(
                f"{args.n:,} generated enheter ({time.perf_counter() - started:.1f} s to "
                f"write), PostgreSQL {cluster.binaries.major}"
            )
            print(
                f"{'load':<30}{'seconds':>8}{'enheter/s':>10}{'µs CPU/enhet':>13}"
                f"{'(loader':>8}{'+ PG)':>6}  counts"
            )
            for label, path in (
                ("enheter/lastned (JSON.gz)", json_path),
                ("enheter/lastned/csv (CSV.gz)", csv_path),
            ):
                seconds, cpu, pg, counts = load(database.app_url, path, cluster.pgdata)
                per = 1e6 / args.n
                print(
                    f"{label:<30}{seconds:>8.2f}{args.n / seconds:>10,.0f}"
                    f"{(cpu + pg) * per:>13,.0f}{cpu * per:>8,.0f}{pg * per:>6,.0f}  {counts}"
                )
        with connect(database.owner_url, autocommit=True) as conn:
            conn.execute("ANALYZE enhetsregister.enhet")
        print(f"\n{'search (first: 20)':<34}{'total':>8}{'p50 ms':>9}{'p95 ms':>9}")
        for label, total, p50, p95 in asyncio.run(searches(database.app_url, args.rounds)):
            print(f"{label:<34}{total:>8,}{p50:>9.1f}{p95:>9.1f}")
        peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"\npeak memory of this process: {peak_mb:.0f} MB (files are streamed)")


if __name__ == "__main__":
    main()
