"""Norway in minutes: generate, load and serve all three registers at national scale.

For each scale (``--scale``, persons; addresses and enheter follow the generator's
proportions) it checks free disk space, writes gzip'ed files with the normal generator
(``grunndata fixtures generate``) and loads them into a fresh database with the normal
CLI (``grunndata load``, one child process per register), then loads Folkeregisteret's
file a second time (unchanged documents). Per register it prints records/s, the loader's
peak RSS, the CPU time per record (loader + PostgreSQL, which a busy machine does not
inflate as it does wall time) and the database's size. With several scales it prints how
the cost per record moves between them (flat within 25 %: no hidden quadratic step).
At the largest scale it then serves the database and prints serial p50/p95 over HTTP for
a person, an eiendom, ``adresser(sok)`` typed letter by letter, ``eiendommerVedPunkt``
and an ``enheter`` search. The database is dropped afterwards.

Usage:  .venv/bin/python -m benchmarks.national [--scale 10000 [--scale 100000 ...]]
For clean PostgreSQL CPU figures, run it on a private cluster:
GRUNNDATA_DATA_DIR=/some/empty/dir.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.common import scratch_database
from benchmarks.national_cost import Cost, run_loader
from benchmarks.national_http import serve_and_time
from grunndata.db.database import Database, connect

DATABASE = "grunndata_benchmark_national"
GRUNNDATA = str(Path(sys.executable).with_name("grunndata"))  # the CLI of this venv
#: Bytes per person, generously: gzip'ed files (~0.3 KB) and the database (~25 KB).
DISK_PER_PERSON = 40_000
REGISTERS = (  # folder, what a record is, the table counting them
    ("folkeregister", "persons", "folkeregister.person"),
    ("matrikkel", "addresses", "matrikkel.adresse"),
    ("enhetsregister", "enheter", "enhetsregister.enhet"),
)


def check_disk(folder: Path, pgdata: Path, persons: int) -> None:
    need = persons * DISK_PER_PERSON
    for place in {folder, pgdata}:
        free = shutil.disk_usage(place).free
        if free < need:
            raise SystemExit(
                f"{place}: {free / 1e9:.1f} GB free, {need / 1e9:.1f} GB needed for "
                f"{persons:,} persons: nothing was generated"
            )


def generate(folder: Path, persons: int) -> float:
    started = time.perf_counter()
    subprocess.run(
        [GRUNNDATA, "fixtures", "generate", "--persons",
         str(persons), "--seed", "1", "--gzip", "--out", str(folder)],
        check=True, stdout=subprocess.DEVNULL,
    )  # fmt: skip
    return time.perf_counter() - started


def _count(database: Database, table: str) -> int:
    with connect(database.app_url) as conn:
        return conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]


def load_all(database: Database, folder: Path, pgdata: Path) -> list[tuple[str, int, Cost]]:
    env = {**os.environ, "GRUNNDATA_DATABASE_URL": database.app_url,
           "GRUNNDATA_OWNER_DATABASE_URL": database.owner_url}  # fmt: skip
    command = [GRUNNDATA, "load", "--no-migrate"]
    rows = []
    for name, unit, table in REGISTERS:
        cost, _ = run_loader([*command, str(folder / name)], env, pgdata)
        rows.append((f"{name} ({unit})", _count(database, table), cost))
    cost, _ = run_loader([*command, str(folder / "folkeregister")], env, pgdata)
    rows.append(("folkeregister again (unchanged)", rows[0][1], cost))
    return rows


def database_size(database: Database) -> int:
    with connect(database.app_url) as conn:
        return conn.execute("SELECT pg_database_size(current_database())").fetchone()[0]


def one_scale(persons: int, serve: bool) -> dict[str, float]:
    print(f"\n== {persons:,} persons ==  (uptime: {os.getloadavg()[0]:.1f} load)")
    with tempfile.TemporaryDirectory(prefix="national-") as tmp:
        folder = Path(tmp)
        with scratch_database(DATABASE) as (database, cluster):
            check_disk(folder, cluster.pgdata, persons)
            seconds = generate(folder, persons)
            size = sum(p.stat().st_size for p in folder.rglob("*.gz"))
            print(f"generated in {seconds:.1f} s ({persons / seconds:,.0f} persons/s), "
                  f"{size / 1e6:.1f} MB gzip'ed")  # fmt: skip
            rows = load_all(database, folder, cluster.pgdata)
            print(
                f"{'register':<34}{'records':>10}{'wall s':>9}{'rec/s':>9}"
                f"{'RSS MB':>8}{'loader ms/rec':>15}{'pg ms/rec':>11}{'cpu ms/rec':>12}"
            )
            for label, records, cost in rows:
                print(f"{label:<34}{records:>10,}{cost.wall_s:>9.1f}"
                      f"{records / cost.wall_s:>9,.0f}{cost.loader_rss_mb:>8.0f}"
                      f"{cost.loader_cpu_s * 1000 / records:>15.3f}"
                      f"{cost.postgres_cpu_s * 1000 / records:>11.3f}"
                      f"{cost.per_record_ms(records):>12.3f}")  # fmt: skip
            print(f"database size {database_size(database) / 1e6:,.0f} MB; "
                  f"load average now {os.getloadavg()[0]:.1f}")  # fmt: skip
            if serve:
                with connect(database.owner_url, autocommit=True) as conn:
                    conn.execute("ANALYZE")
                serve_and_time(database)
    return {label: cost.per_record_ms(records) for label, records, cost in rows}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=int, action="append",
                        help="persons (repeat for several scales; default 10000)")  # fmt: skip
    args = parser.parse_args()
    scales = sorted(args.scale or [10_000])
    costs = {n: one_scale(n, serve=n == scales[-1]) for n in scales}
    if len(scales) > 1:
        print("\nCPU per record (ms) by scale, and the largest over the smallest:")
        for label in costs[scales[0]]:
            figures = [costs[n][label] for n in scales]
            ratio = figures[-1] / figures[0]
            flat = "flat" if abs(ratio - 1) <= 0.25 else "NOT flat"
            print(f"  {label:<34}" + "".join(f"{f:>9.3f}" for f in figures)
                  + f"   {ratio:.2f}x {flat}")  # fmt: skip


if __name__ == "__main__":
    main()
