"""What the lookup log costs per request: logging 1 and 200 persons, serially and with 16
concurrent requests, in the old shape (0007: one row per person, btree, one INSERT per
request on its own pool connection) and the new one (0009: one row per request and
field-group set, GIN-indexed array, group-committed by ``LookupLogWriter``).

Both write to a scratch database on the embedded cluster, through a pool of 10 connections
as the server has (``synchronous_commit`` on, autocommit). The old shape is a copy of 0007's
table in the same database.

    .venv/bin/python -m benchmarks.oppslagslogg --requests 2000 --rounds 3
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import random
import statistics
import time
import uuid
from collections.abc import Awaitable, Callable

from psycopg import sql
from psycopg_pool import AsyncConnectionPool

from benchmarks.common import scratch_database
from grunndata.db.database import connect
from grunndata.graphql.auth import Principal
from grunndata.graphql.oppslagslogg import LookupLogWriter, write_found

OLD_TABLE = """
CREATE TABLE felles.oppslagslogg_0007 (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tidspunkt timestamptz NOT NULL DEFAULT now(), konsument text,
    scopes text[] NOT NULL DEFAULT '{}', pid text, identifikasjonsnummer text NOT NULL,
    feltgrupper text[] NOT NULL DEFAULT '{}', operasjon text, request_id text NOT NULL,
    behandlingsgrunnlag text);
CREATE INDEX oppslagslogg_0007_person ON felles.oppslagslogg_0007 (identifikasjonsnummer, tidspunkt)
"""
#: The statement 0007's writer ran (grunndata.graphql.oppslagslogg before 0009).
OLD_INSERT = """INSERT INTO felles.oppslagslogg_0007 (tidspunkt, konsument, scopes, pid,
       identifikasjonsnummer, feltgrupper, operasjon, request_id, behandlingsgrunnlag)
   SELECT %(tidspunkt)s, %(konsument)s, %(scopes)s, %(pid)s, nummer,
       string_to_array(grupper, ','), %(operasjon)s, %(request_id)s, %(behandlingsgrunnlag)s
   FROM unnest(%(numre)s::text[], %(grupper)s::text[]) AS p(nummer, grupper)"""
WHO = Principal(
    scopes=frozenset({"folkeregister/offentligmedhjemmel", "matrikkel/hjemmel"}),
    orgnr="910000001",
    authenticated=True,
)
POOL_SIZE = 10
WARM_UP = 20
POPULATION = 100_000
VARIANTS = 64

Found = list[tuple[str, list[str]]]


def lookups(count: int) -> list[Found]:
    """``VARIANTS`` requests' persons, ``count`` each, drawn from ``POPULATION`` persons (a
    log of the same few persons again and again would grow unrealistically long lists)."""
    numbers = [str(10_000_000_000 + n) for n in random.sample(range(10**9), POPULATION)]
    return [[(n, ["identitet"]) for n in random.sample(numbers, count)] for _ in range(VARIANTS)]


def old_writer(pool: AsyncConnectionPool) -> Callable[[Found], Awaitable[None]]:
    async def write(found: Found) -> None:
        async with pool.connection() as conn:
            await conn.execute(OLD_INSERT, {
                "tidspunkt": dt.datetime.now(dt.UTC), "konsument": WHO.orgnr,
                "scopes": sorted(WHO.scopes), "pid": None,
                "numre": [n for n, _ in found], "grupper": [",".join(g) for _, g in found],
                "operasjon": "Liste", "request_id": uuid.uuid4().hex, "behandlingsgrunnlag": None,
            })  # fmt: skip

    return write


def new_writer(writer: LookupLogWriter) -> Callable[[Found], Awaitable[None]]:
    async def write(found: Found) -> None:
        await write_found(writer, found, principal=WHO, now=dt.datetime.now(dt.UTC),
                          request_id=uuid.uuid4().hex, operation="Liste",
                          behandlingsgrunnlag=None)  # fmt: skip

    return write


async def measure(
    write: Callable[[Found], Awaitable[None]], found: list[Found], requests: int, concurrency: int
) -> tuple[float, float]:
    """(wall time per request, median latency of a request), in ms."""
    latencies: list[float] = []
    per_worker = requests // concurrency

    async def worker() -> None:
        for n in range(per_worker):
            start = time.perf_counter()
            await write(found[n % VARIANTS])
            latencies.append(time.perf_counter() - start)

    for n in range(WARM_UP):  # connections, prepared statements
        await write(found[n])
    start = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    wall = time.perf_counter() - start
    return wall / len(latencies) * 1000, statistics.median(latencies) * 1000


async def run(url: str, requests: int, rounds: int) -> None:
    async with AsyncConnectionPool(
        url, min_size=POOL_SIZE, max_size=POOL_SIZE, open=False, kwargs={"autocommit": True}
    ) as pool:
        await pool.wait()
        writer = LookupLogWriter(pool)
        shapes = {"old": old_writer(pool), "new": new_writer(writer)}
        print(f"{'persons':>7} {'concurrent':>10} {'shape':>5}  {'ms/request':>10} "
              f"{'p50 ms':>7} {'INSERTs/request':>15}")  # fmt: skip
        for count in (1, 200):
            found = lookups(count)
            for concurrency in (1, 16):
                figures: dict[str, list[tuple[float, float]]] = {"old": [], "new": []}
                before, done = writer.statements, 0
                for _ in range(rounds):  # alternating, for a machine whose load moves
                    for shape, write in shapes.items():
                        figures[shape].append(await measure(write, found, requests, concurrency))
                    done += requests // concurrency * concurrency + WARM_UP
                for shape, measured in figures.items():
                    per_request = statistics.median(m[0] for m in measured)
                    p50 = statistics.median(m[1] for m in measured)
                    ratio = (writer.statements - before) / done if shape == "new" else 1.0
                    print(f"{count:>7} {concurrency:>10} {shape:>5}  {per_request:>10.3f} "
                          f"{p50:>7.3f} {ratio:>15.2f}")  # fmt: skip
        await writer.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=2000, help="per measurement")
    parser.add_argument("--rounds", type=int, default=3, help="alternating rounds (median)")
    args = parser.parse_args()
    with scratch_database("grunndata_bench_oppslagslogg") as (database, _):
        with connect(database.owner_url) as conn:
            conn.execute(OLD_TABLE)
            if database.app_role:
                grant = sql.SQL("GRANT SELECT, INSERT ON felles.oppslagslogg_0007 TO {}")
                conn.execute(grant.format(sql.Identifier(database.app_role)))
        asyncio.run(run(database.app_url, args.requests, args.rounds))


if __name__ == "__main__":
    main()
