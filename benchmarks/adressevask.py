"""Address washing: recall@1 per noise type, single-wash latency, bulk rows per second.

Loads N addresses into a scratch database on the embedded cluster: Kartverket's real
sample and generated streets around it (``matrikkel_data.py``, the address file only;
the postnummer spread to one per 25 streets, as a real postnummer holds tens of streets,
not thousands). Then builds the labelled set (``adressevask_stoy.py``: each noise type on
the real rows and on a sample of the generated ones) and
- washes each text alone, serially, through ``vask_mange`` (the SQL and the scoring, as
  the GraphQL resolver does): recall@1 per noise type, category counts, category A
  precision, p50/p95;
- washes ``--bulk`` noisy texts in batches of 500 (as the command and ``POST
  /adressevask`` do): rows per second.

Usage:  .venv/bin/python -m benchmarks.adressevask [--n 100000] [--cases 60] [--bulk 20000]
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import random
import tempfile
import time
from collections import Counter
from pathlib import Path

from psycopg import AsyncConnection

from benchmarks.adressevask_stoy import STOY, Tilfelle, merket
from benchmarks.common import percentiles, scratch_database
from benchmarks.matrikkel_data import generated, sample_rows
from grunndata.db.database import connect
from grunndata.loaders.run import run
from grunndata.registers.matrikkel import REGISTER
from grunndata.registers.matrikkel.vask import vask_mange
from grunndata.registers.matrikkel.vask_bulk import BATCH

DATABASE = "grunndata_benchmark_adressevask"
PER_STREET = 100
STREETS_PER_POSTNUMMER = 25


def write_addresses(path: Path, n: int) -> list[dict[str, str]]:
    """The address CSV of about ``n`` addresses, written a slice of streets at a time; the
    rows returned are the real sample's and every 97th generated one."""
    header, sample = sample_rows()
    kept = [a.fields for a in sample]
    n_streets = max(1, n // PER_STREET)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, header, delimiter=";", lineterminator="\n")
        writer.writeheader()
        writer.writerows(kept)
        for first in range(0, n_streets, 200):
            for i, a in enumerate(generated(sample[0].fields, min(first + 200, n_streets),
                                            PER_STREET, first)):  # fmt: skip
                street = first + i // PER_STREET
                a.fields["postnummer"] = f"{4700 + street // STREETS_PER_POSTNUMMER:04d}"
                writer.writerow(a.fields)
                if i % 97 == 0:
                    kept.append(a.fields)
    return kept


async def single(url: str, cases: list[Tilfelle]) -> tuple[list[float], list[object]]:
    times, results = [], []
    async with await AsyncConnection.connect(url, autocommit=True) as conn:
        for case in cases[:20]:  # warm the plan cache and the catalog
            await vask_mange(conn, [case.tekst])
        for case in cases:
            started = time.perf_counter()
            (result,) = await vask_mange(conn, [case.tekst])
            times.append(time.perf_counter() - started)
            results.append(result)
    return times, results


async def bulk(url: str, texts: list[str]) -> float:
    async with await AsyncConnection.connect(url, autocommit=True) as conn:
        started = time.perf_counter()
        for at in range(0, len(texts), BATCH):
            await vask_mange(conn, texts[at : at + BATCH], punkt=False)
        return time.perf_counter() - started


def report(cases: list[Tilfelle], results: list[object]) -> None:
    right, total, categories, wrong_a = Counter(), Counter(), Counter(), 0
    for case, result in zip(cases, results, strict=True):
        top = str(result.kandidater[0].rad["adresse_id"]) if result.kandidater else None  # type: ignore[attr-defined]
        ok = top == case.adresse_id
        right[case.stoy] += ok
        total[case.stoy] += 1
        categories[(result.kategori or "-", ok)] += 1  # type: ignore[attr-defined]
        wrong_a += result.kategori == "A" and not ok  # type: ignore[attr-defined]
    print("recall@1 per noise type:")
    for name in STOY:
        print(f"  {name:<20}{right[name]:>5}/{total[name]:<5}{right[name] / total[name]:8.1%}")
    print(f"  {'overall':<20}{sum(right.values()):>5}/{len(cases):<5}"
          f"{sum(right.values()) / len(cases):8.1%}")  # fmt: skip
    for kategori in ("A", "B", "C", "-"):
        hit, miss = categories[(kategori, True)], categories[(kategori, False)]
        print(f"  category {kategori}: {hit + miss} ({hit} right, {miss} wrong)")
    print(f"  category A wrong: {wrong_a}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000, help="addresses loaded")
    parser.add_argument("--cases", type=int, default=60, help="cases per noise type")
    parser.add_argument("--bulk", type=int, default=20_000, help="texts washed in bulk")
    parser.add_argument("--keep", action="store_true", help=f"keep database {DATABASE}")
    args = parser.parse_args()
    with scratch_database(DATABASE, keep=args.keep) as (database, _):
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "adresser.csv"
            started = time.perf_counter()
            rows = write_addresses(path, args.n)
            generated_s = time.perf_counter() - started
            started = time.perf_counter()
            outcome = run([path], formats=REGISTER.formats, database=database)
            loaded_s = time.perf_counter() - started
        assert outcome.exit_code == 0, outcome
        with connect(database.app_url, autocommit=True) as conn:
            addresses, names = conn.execute(
                "SELECT (SELECT count(*) FROM matrikkel.adresse), "
                "(SELECT count(*) FROM matrikkel.adressenavn)"
            ).fetchone()
        print(f"{addresses:,} addresses, {names:,} street names; generated in "
              f"{generated_s:.0f} s, loaded in {loaded_s:.0f} s")  # fmt: skip
        real = rows[:47]
        cases = merket(real, args.cases // 2, seed=22) + merket(rows[47:], args.cases, seed=23)
        times, results = asyncio.run(single(database.app_url, cases))
        print(f"{len(cases)} labelled texts ({len(real)} real rows, "
              f"{len(rows) - len(real)} generated rows sampled), one at a time:")  # fmt: skip
        report(cases, results)
        print(f"  single wash: {percentiles(times)}")
        rng = random.Random(5)
        noisy = [rng.choice(list(STOY.values()))(rng, rng.choice(rows)) for _ in range(args.bulk)]
        seconds = asyncio.run(bulk(database.app_url, noisy))
        print(f"bulk: {len(noisy)} texts in batches of {BATCH}: {seconds:.1f} s, "
              f"{len(noisy) / seconds:,.0f} rows/s")  # fmt: skip


if __name__ == "__main__":
    main()
