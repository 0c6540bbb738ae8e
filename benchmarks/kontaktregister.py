"""Kontakt- og reservasjonsregisteret: load throughput (entries/s) of KRR lookup answers
(JSON Lines of ``{"personer": [...]}``, gzip'ed), and the cost of a 1 000-person
``kontaktinformasjoner`` through the GraphQL schema (p50/p95).

In a scratch database (``grunndata_benchmark_krr``) on the embedded cluster:

1. load N generated entries (every person new);
2. load the same N again (every entry unchanged);
3. load them with one in ten changed, a newer e-mail (dated changes: new versions);
4. ask ``kontaktinformasjoner`` for 1 000 persons, a few rounds.

Usage:  .venv/bin/python benchmarks/kontaktregister.py [--n 50000] [--rounds 5]
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import gzip
import io
import json
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from psycopg_pool import AsyncConnectionPool

from benchmarks.common import scratch_database
from grunndata.db.database import Database
from grunndata.fixtures.facts import P, Person
from grunndata.fixtures.generate import TODAY, Identifiers
from grunndata.fixtures.hooks import FixtureFiles
from grunndata.graphql.access import SCOPES
from grunndata.graphql.auth import Principal
from grunndata.graphql.context import Context
from grunndata.graphql.schema import build_schema
from grunndata.loaders.run import run
from grunndata.registers.kontaktregister import REGISTER
from grunndata.registers.kontaktregister.generate import FILE, KrrFixtures

DATABASE = "grunndata_benchmark_krr"
QUERY = """query ($nr: [ID!]!) { kontaktinformasjoner(identifikasjonsnummer: $nr) {
  personidentifikator reservasjon varslingsstatus { status grunn }
  epost { verdi brukbar } mobil { verdi brukbar }
  digitalPostkasse { postkasseadresse sertifikat { gyldigTil gyldig } } } }"""


def write(folder: Path, n: int, seed: int, changed: float = 0.0) -> tuple[Path, list[str]]:
    """N entries of adults (their own generated numbers) as KRR answers, .jsonl.gz."""
    path = folder / f"krr-{seed}-{changed}.jsonl.gz"
    ids = Identifiers()
    with gzip.open(path, "wt", encoding="utf-8") as out:
        buffer = io.StringIO()
        fixtures = KrrFixtures(FixtureFiles(lambda _: buffer, 1, TODAY))
        for i in range(n):
            number, born = ids.allocate(dt.date(1950 + i % 50, 1 + i % 12, 1 + i % 28))
            fixtures.person(Person(P(number, str(born), "Kari", "Nordmann", "kvinne")))
        fixtures.close()
        numbers = []
        for line in buffer.getvalue().splitlines():
            answer = json.loads(line)
            for k, entry in enumerate(answer["personer"]):
                numbers.append(entry["personidentifikator"])
                if changed and k % int(1 / changed) == 0 and "kontaktinformasjon" in entry:
                    entry["kontaktinformasjon"] |= {
                        "epostadresse": "ny@eksempel.no",
                        "epostadresse_oppdatert": "2026-06-01T10:00:00+02:00",
                    }
            out.write(json.dumps(answer) + "\n")
    return path, numbers


def load(database: Database, path: Path) -> tuple[float, float, Any]:
    started, cpu = time.perf_counter(), time.process_time()
    (file,) = run([path], formats=REGISTER.formats, database=database).files
    assert file.exit_code == 0 and file.rejected == 0, file.message
    return time.perf_counter() - started, time.process_time() - cpu, file.counts


async def lookups(url: str, numbers: list[str], rounds: int) -> tuple[float, float]:
    schema = build_schema()
    pool = AsyncConnectionPool(url, min_size=1, max_size=2, open=False, kwargs={"autocommit": True})
    await pool.open()
    times = []
    try:
        for _ in range(rounds + 1):
            everyone = Principal(scopes=frozenset(SCOPES), authenticated=True)
            context = Context(pool=pool, request_id="bench", principal=everyone)
            started = time.perf_counter()
            result = await schema.execute(QUERY, variable_values={"nr": numbers},
                                          context_value=context)  # fmt: skip
            times.append((time.perf_counter() - started) * 1000)
            assert result.errors is None, result.errors
    finally:
        await pool.close()
    times = times[1:]  # the first round warms caches
    return statistics.median(times), max(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=50_000, help="how many entries")
    parser.add_argument("--rounds", type=int, default=5, help="runs of the lookup")
    args = parser.parse_args()
    with scratch_database(DATABASE) as (database, cluster), tempfile.TemporaryDirectory() as d:
        first, numbers = write(Path(d), args.n, 1)
        newer, _ = write(Path(d), args.n, 1, changed=0.1)
        print(f"{len(numbers):,} entries ({FILE}), PostgreSQL {cluster.binaries.major}")
        print(f"{'load':<30}{'seconds':>9}{'cpu s':>8}{'entries/s':>11}  counts")
        for label, path in (("new", first), ("again, unchanged", first), ("1 in 10 newer", newer)):
            seconds, cpu, counts = load(database, path)
            rate = len(numbers) / seconds
            print(f"{label:<30}{seconds:>9.2f}{cpu:>8.2f}{rate:>11,.0f}  {counts}")
        p50, worst = asyncio.run(lookups(database.app_url, numbers[:1000], args.rounds))
        print(f"\nkontaktinformasjoner, 1 000 persons: p50 {p50:.0f} ms, worst {worst:.0f} ms")


if __name__ == "__main__":
    main()
