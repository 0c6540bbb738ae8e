"""Matrikkelen: point lookup and address search, through GraphQL and as raw SQL.

Generates N addresses (streets of 100 around the Kristiansand sample, one unit and one
Voronoi teig per address, see ``matrikkel_data.py``), loads them through the real formats
into a scratch database on the embedded cluster, then times, serially:

- ``eiendommerVedPunkt`` at random address points (EPSG:4326 in, so with a transform);
- ``adresser(sok:)`` with typed variants of random addresses (no diacritics, vei/veg,
  prefixes, typos);
- ``naermesteAdresser`` at random points;

each as a GraphQL request over HTTP (uvicorn on loopback) and as the same SQL alone.

Usage:  .venv/bin/python -m benchmarks.matrikkel [--n 20000] [--queries 300]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import tempfile
import threading
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import uvicorn
from psycopg import AsyncConnection

from benchmarks.common import percentiles, scratch_database
from benchmarks.matrikkel_data import write
from grunndata.db.database import connect
from grunndata.graphql.tid import Tidspunkt
from grunndata.loaders.run import run
from grunndata.registers.matrikkel import REGISTER, geometri, queries, sok
from grunndata.server import create_app

DATABASE = "grunndata_benchmark_matrikkel"
PER_STREET = 100


def variants(rng: random.Random, text: str) -> str:
    fold = str.maketrans({"å": "a", "ø": "o", "Å": "A", "Ø": "O"})
    choice = rng.randrange(4)
    if choice == 0:
        return text.translate(fold)
    if choice == 1:
        return text.replace("veien", "vegen").replace("gata", "gate")
    if choice == 2:
        return text[: max(4, len(text) // 2)]  # autocomplete prefix
    i = rng.randrange(1, max(2, len(text.split()[0]) - 1))
    return text[:i] + text[i + 1 :]  # a typo: one letter dropped


class Server:
    def __init__(self, url: str) -> None:
        config = uvicorn.Config(create_app(url), host="127.0.0.1", port=0, log_level="warning")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> str:
        self.thread.start()
        while not self.server.started:
            time.sleep(0.01)
        return f"http://127.0.0.1:{self.server.servers[0].sockets[0].getsockname()[1]}"

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


def time_graphql(base: str, query: str, cases: list[dict[str, Any]]) -> list[float]:
    samples = []
    with httpx.Client(timeout=30) as client:
        client.post(f"{base}/graphql", json={"query": query, "variables": cases[0]})
        for variables in cases:
            started = time.perf_counter()
            body = client.post(f"{base}/graphql", json={"query": query, "variables": variables})
            samples.append(time.perf_counter() - started)
            assert "errors" not in body.json(), body.json()
    return samples


async def time_sql(url: str, cases: list[Any], call: Callable[[AsyncConnection, Any],
                   Awaitable[Any]]) -> list[float]:  # fmt: skip
    samples = []
    async with await AsyncConnection.connect(url, autocommit=True) as conn:
        await call(conn, cases[0])
        for case in cases:
            started = time.perf_counter()
            await call(conn, case)
            samples.append(time.perf_counter() - started)
    return samples


POINT = """query($x: Float!, $y: Float!) { eiendommerVedPunkt(x: $x, y: $y) {
  matrikkelnummer } }"""
SEARCH = """query($sok: String!) { adresser(sok: $sok, first: 10) { totalCount
  edges { node { adresseId adressetekst } } } }"""
NEAREST = """query($x: Float!, $y: Float!) { naermesteAdresser(x: $x, y: $y, first: 10) {
  avstandMeter adresse { adresseId } } }"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=20_000, help="addresses (and units)")
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--keep", action="store_true", help=f"keep database {DATABASE}")
    args = parser.parse_args()
    rng = random.Random(4204)

    with scratch_database(DATABASE, keep=args.keep) as (database, _):
        with tempfile.TemporaryDirectory() as folder:
            started = time.perf_counter()
            write(Path(folder), n_streets=max(1, args.n // PER_STREET), per_street=PER_STREET)
            generated = time.perf_counter() - started
            started = time.perf_counter()
            outcome = run([Path(folder)], formats=REGISTER.formats, database=database)
            loaded = time.perf_counter() - started
        assert outcome.exit_code == 0, outcome
        with connect(database.app_url, autocommit=True) as conn:
            conn.execute("ANALYZE matrikkel.adresse; ANALYZE matrikkel.teig; "
                         "ANALYZE matrikkel.adressenavn")  # fmt: skip
            points = conn.execute(
                "SELECT ST_X(g), ST_Y(g), ST_AsBinary(punkt), adressetekst FROM ("
                "SELECT punkt, ST_Transform(punkt, 4326) AS g, adressetekst "
                "FROM matrikkel.adresse WHERE adressenavn IS NOT NULL "
                "ORDER BY md5(adresse_id::text) LIMIT %s) s",
                [args.queries],
            ).fetchall()
            addresses, names = conn.execute(
                "SELECT (SELECT count(*) FROM matrikkel.adresse), "
                "(SELECT count(*) FROM matrikkel.adressenavn)"
            ).fetchone()
        print(f"{addresses:,} addresses and units, {names:,} street names; generated in "
              f"{generated:.1f} s, loaded in {loaded:.1f} s "
              f"({addresses / loaded:,.0f} addresses/s with units, teiger, buildings)")  # fmt: skip
        texts = [variants(rng, p[3]) for p in points]
        tid = Tidspunkt(gyldig=datetime.now(UTC))
        with Server(database.app_url) as base:
            rows = [
                ("eiendommerVedPunkt", "GraphQL",
                 time_graphql(base, POINT, [{"x": p[0], "y": p[1]} for p in points])),
                ("adresser(sok)", "GraphQL",
                 time_graphql(base, SEARCH, [{"sok": t} for t in texts])),
                ("naermesteAdresser", "GraphQL",
                 time_graphql(base, NEAREST, [{"x": p[0], "y": p[1]} for p in points])),
            ]  # fmt: skip

        async def point_sql(conn: AsyncConnection, p: Any) -> Any:
            stored = await geometri.point_to_storage(conn, p[0], p[1], 4326)
            return await queries.matrikkelenheter_ved_punkt(conn, tid, stored)

        async def search_sql(conn: AsyncConnection, text: str) -> Any:
            return await sok.sok(conn, text, None, None, 10, 0)

        async def nearest_sql(conn: AsyncConnection, p: Any) -> Any:
            return await queries.naermeste(conn, bytes(p[2]), 1000, 10)

        url = database.app_url
        rows += [
            ("eiendommerVedPunkt", "SQL", asyncio.run(time_sql(url, points, point_sql))),
            ("adresser(sok)", "SQL", asyncio.run(time_sql(url, texts, search_sql))),
            ("naermesteAdresser", "SQL", asyncio.run(time_sql(url, points, nearest_sql))),
        ]
        print(f"{args.queries} queries each, serial:")
        for name, how, samples in sorted(rows, key=lambda r: (r[0], r[1])):
            print(f"  {name:<20}{how:<9}{percentiles(samples)}")


if __name__ == "__main__":
    main()
