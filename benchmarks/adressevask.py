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

A text that cannot tell its address from a twin (``Xveien`` and ``Xvegen`` with the same
number in the same poststed, the postnummer not given) is counted apart: its right
answer is category C with the address among the candidates.

Usage:  .venv/bin/python -m benchmarks.adressevask [--n 100000] [--cases 60] [--bulk 20000]
        .venv/bin/python -m benchmarks.adressevask --database-url URL [--sample 3000] ...
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import os
import random
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

from psycopg import AsyncConnection
from psycopg.rows import dict_row

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


async def single(url: str, cases: list[Tilfelle]) -> tuple[list[float], list[object], str]:
    """The time of each wash, the results, and the CPU a wash took on average."""
    times, results = [], []
    async with await AsyncConnection.connect(url, autocommit=True) as conn:
        for case in cases[:20]:  # warm the plan cache and the catalog
            await vask_mange(conn, [case.tekst])
        backend = Path(f"/proc/{conn.info.backend_pid}/stat")
        before, cpu = _cpu(backend), time.process_time()
        for case in cases:
            started = time.perf_counter()
            (result,) = await vask_mange(conn, [case.tekst])
            times.append(time.perf_counter() - started)
            results.append(result)
        cpu, after = time.process_time() - cpu, _cpu(backend)
    used = f"CPU a wash: {cpu / len(cases) * 1000:.2f} ms in Python"
    if after is not None and before is not None:
        used += f", {(after - before) / len(cases) * 1000:.2f} ms in PostgreSQL"
    return times, results, used


async def bulk(url: str, texts: list[str]) -> tuple[float, float, float | None]:
    """Seconds, this process's CPU seconds (parsing and scoring), and the database
    backend's CPU seconds (when it runs on this machine)."""
    async with await AsyncConnection.connect(url, autocommit=True) as conn:
        backend = Path(f"/proc/{conn.info.backend_pid}/stat")
        before = _cpu(backend)
        started, cpu = time.perf_counter(), time.process_time()
        for at in range(0, len(texts), BATCH):
            await vask_mange(conn, texts[at : at + BATCH], punkt=False)
        seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
        after = _cpu(backend)
        return seconds, cpu, after - before if after is not None and before is not None else None


def _cpu(stat: Path) -> float | None:
    """A process's user and system CPU seconds, from /proc (None when it is elsewhere)."""
    try:
        fields = stat.read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


SAMPLE_SQL = """
SELECT adresse_id::text AS "adresseId", adresse_id::text AS lokalid, adressenavn,
       nummer::text AS nummer, coalesce(bokstav, '') AS bokstav, postnummer,
       coalesce(poststed, '') AS poststed
FROM matrikkel.adresse
WHERE upper_inf(registrert) AND upper_inf(gyldig) AND adressetype = 'vegadresse'
ORDER BY md5(adresse_id::text) LIMIT %s
"""
TWINS_SQL = """
SELECT a.adresse_id::text, string_agg(DISTINCT t.adressenavn, '|')
FROM matrikkel.adresse a JOIN matrikkel.adresse t
  ON matrikkel.sokeform(t.adressenavn) = matrikkel.sokeform(a.adressenavn)
 AND t.nummer = a.nummer AND t.bokstav IS NOT DISTINCT FROM a.bokstav
 AND t.poststed IS NOT DISTINCT FROM a.poststed AND t.adresse_id <> a.adresse_id
 AND upper_inf(t.registrert) AND upper_inf(t.gyldig)
WHERE a.adresse_id = ANY(%s::bigint[]) AND upper_inf(a.registrert)
GROUP BY 1
"""


def with_twins(url: str, rows: list[dict[str, str]]) -> list[dict[str, str]]:
    """``rows`` with ``tvillinger``: the names of the other streets in the same poststed
    that have the row's number and letter and the same search form (Xveien, Xvegen)."""
    ids = [int(r["adresseId"] or r["lokalid"]) for r in rows if r["adressenavn"] and r["nummer"]]
    with connect(url, autocommit=True) as conn:
        twins = dict(conn.execute(TWINS_SQL, [ids]).fetchall())
    return [r | {"tvillinger": twins.get(r["adresseId"] or r["lokalid"], "")} for r in rows]


def report(cases: list[Tilfelle], results: list[object]) -> None:
    right, total, categories, wrong_a = Counter(), Counter(), Counter(), 0
    ambiguous = Counter()
    for case, result in zip(cases, results, strict=True):
        found = [str(k.rad["adresse_id"]) for k in result.kandidater]  # type: ignore[attr-defined]
        ok = bool(found) and found[0] == case.adresse_id
        kategori = result.kategori or "-"  # type: ignore[attr-defined]
        wrong_a += kategori == "A" and not ok
        if case.tvetydig:
            ambiguous["all"] += 1
            ambiguous["C, right among candidates"] += kategori == "C" and case.adresse_id in found
            ambiguous["top right"] += ok
            if kategori in "AB" and not ok:
                ambiguous["A or B and wrong"] += 1
                print(f"  ambiguous, {kategori} and wrong: {case.tekst!r} -> {found[:1]}")
            continue
        right[case.stoy] += ok
        total[case.stoy] += 1
        categories[(kategori, ok)] += 1
    clear = sum(total.values())
    print(f"recall@1 per noise type ({clear} texts that name one address):")
    for name in STOY:
        if total[name]:
            print(f"  {name:<20}{right[name]:>5}/{total[name]:<5}{right[name] / total[name]:8.1%}")
    print(f"  {'overall':<20}{sum(right.values()):>5}/{clear:<5}"
          f"{sum(right.values()) / max(clear, 1):8.1%}")  # fmt: skip
    for kategori in ("A", "B", "C", "-"):
        hit, miss = categories[(kategori, True)], categories[(kategori, False)]
        print(f"  category {kategori}: {hit + miss} ({hit} right, {miss} wrong)")
    print(f"  category A wrong (all texts): {wrong_a}")
    every = sum(right.values()) + ambiguous["top right"]
    print(f"ambiguous texts (a twin street in the same poststed, no postnummer): "
          f"{ambiguous['all']}: {ambiguous['C, right among candidates']} category C with the "
          f"address among the candidates, {ambiguous['A or B and wrong']} wrong A or B; "
          f"recall@1 over all {len(cases)} texts {every / max(len(cases), 1):.1%}")  # fmt: skip


def measure(url: str, real: list[dict[str, str]], rows: list[dict[str, str]], args: Any) -> None:
    real, rows = with_twins(url, real), with_twins(url, rows)
    cases = merket(real, args.cases // 2, seed=22) + merket(rows, args.cases, seed=23)
    times, results, used = asyncio.run(single(url, cases))
    print(f"{len(cases)} labelled texts ({len(real)} real rows, {len(rows)} rows sampled), "
          f"one at a time; load average {load()}:")  # fmt: skip
    report(cases, results)
    print(f"  single wash: {percentiles(times)} ({used}); load average {load()}")
    rng = random.Random(5)
    every = real + rows
    noisy = [rng.choice(list(STOY.values()))(rng, rng.choice(every)) for _ in range(args.bulk)]
    seconds, cpu, db_cpu = asyncio.run(bulk(url, noisy))
    in_db = f", {db_cpu / len(noisy) * 1000:.2f} in PostgreSQL" if db_cpu is not None else ""
    print(f"bulk: {len(noisy)} texts in batches of {BATCH}: {seconds:.1f} s, "
          f"{len(noisy) / seconds:,.0f} rows/s (CPU a row: {cpu / len(noisy) * 1000:.2f} ms "
          f"in Python{in_db}); load average {load()}")  # fmt: skip


def load() -> str:
    return " ".join(f"{v:.1f}" for v in os.getloadavg())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000, help="addresses loaded")
    parser.add_argument("--cases", type=int, default=60, help="cases per noise type")
    parser.add_argument("--bulk", type=int, default=20_000, help="texts washed in bulk")
    parser.add_argument("--keep", action="store_true", help=f"keep database {DATABASE}")
    parser.add_argument("--database-url", help="wash against this database as loaded "
                        "(its app URL) instead of loading one: the labelled set is made from "
                        "a sample of its addresses")  # fmt: skip
    parser.add_argument("--sample", type=int, default=3000, help="rows sampled (--database-url)")
    args = parser.parse_args()
    if args.database_url:
        with connect(args.database_url, autocommit=True) as conn:
            cursor = conn.cursor(row_factory=dict_row)
            rows = cursor.execute(SAMPLE_SQL, [args.sample]).fetchall()
            addresses = conn.execute("SELECT count(*) FROM matrikkel.adresse").fetchone()
        print(f"{addresses[0]:,} addresses in the database given")  # type: ignore[index]
        measure(args.database_url, [], rows, args)
        return
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
        measure(database.app_url, rows[:47], rows[47:], args)


if __name__ == "__main__":
    main()
