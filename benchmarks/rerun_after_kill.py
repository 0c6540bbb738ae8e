"""A load retried right after a killed one, against a clean load (issue 20, point 1).

Generates N synthetic persons (``benchmarks/folkeregister.py``'s documents) and, each in a
scratch database of its own on the embedded cluster:

1. a clean load (in this process);
2. a load in a ``grunndata load`` subprocess, SIGKILLed once ``folkeregister.versjon``
   has grown to half its clean size, then the same file again (in this process), while a
   thread runs ``VACUUM (SKIP_LOCKED)`` on the target tables every 0.1 s, as autovacuum
   does after a killed load (it has dead rows to clean; here it is not left to chance).

Prints both times, their ratio (target: at most 1.5) and the retry's final row estimates.

Usage:  .venv/bin/python -m benchmarks.rerun_after_kill [--n 20000]
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg

from benchmarks.common import scratch_database
from benchmarks.folkeregister import generate
from grunndata.db.database import Database, connect
from grunndata.db.urls import with_params
from grunndata.loaders.run import Mode, run
from grunndata.registers.folkeregister import REGISTER

GRUNNDATA = str(Path(sys.executable).parent / "grunndata")
TABLES = ("folkeregister.versjon", "folkeregister.fakta")
VERSJON_SIZE = "SELECT pg_relation_size('folkeregister.versjon')"


def kill_mid_load(database: Database, admin: psycopg.Connection, path: Path, at: int) -> float:
    """Load ``path`` in a ``grunndata load`` process and SIGKILL it once ``versjon`` holds
    ``at`` bytes (its rows still uncommitted); end its backend. The seconds it ran."""
    env = {**os.environ, "GRUNNDATA_DATABASE_URL": database.app_url,
           "GRUNNDATA_OWNER_DATABASE_URL": database.owner_url}  # fmt: skip
    started = time.perf_counter()
    loader = subprocess.Popen(
        [GRUNNDATA, "load", "--no-migrate", str(path)],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        while admin.execute(VERSJON_SIZE).fetchone()[0] < at:  # type: ignore[index]
            if loader.poll() is not None:
                raise RuntimeError(f"the load ended (exit {loader.returncode}) before the kill")
            if time.perf_counter() - started > 600:
                raise RuntimeError("the load did not reach the size to kill it at")
            time.sleep(0.05)
        loader.send_signal(signal.SIGKILL)
        loader.wait(timeout=30)
    finally:
        if loader.poll() is None:
            loader.kill()
            loader.wait()
    # Its backend finds its client gone only when it next writes to it: end it now.
    admin.execute(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
        "WHERE datname = current_database() AND pid <> pg_backend_pid()"
    )
    return time.perf_counter() - started


@contextmanager
def autovacuum(admin_url: str, tables: tuple[str, ...] = TABLES) -> Iterator[None]:
    """``VACUUM (SKIP_LOCKED)`` of ``tables`` every 0.1 s while the block runs."""
    stop = threading.Event()

    def loop() -> None:
        with connect(admin_url, autocommit=True) as conn:
            while not stop.wait(0.1):
                conn.execute(f"VACUUM (SKIP_LOCKED) {', '.join(tables)}")

    thread = threading.Thread(target=loop, name="autovacuum")
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()


def estimate(conn: psycopg.Connection, table: str) -> float:
    """The planner's estimate of ``table``'s rows."""
    plan = conn.execute(f"EXPLAIN (FORMAT JSON) SELECT * FROM {table}").fetchone()[0]  # type: ignore[index]
    return plan[0]["Plan"]["Plan Rows"]


def _load(database: Database, path: Path) -> float:
    started = time.perf_counter()
    outcome = run([path], formats=REGISTER.formats, database=database, mode=Mode.LOAD)
    if outcome.exit_code != 0:
        raise RuntimeError(outcome.files[0].message)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=20_000, help="persons to generate")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "personer.jsonl"
        generate(path, args.n)
        print(f"{args.n:,} persons ({path.stat().st_size / 1e6:.1f} MB Freg JSON Lines)")
        with scratch_database("grunndata_benchmark_clean") as (database, cluster):
            clean = _load(database, path)
            admin = with_params(cluster.url(), dbname="grunndata_benchmark_clean")
            with connect(admin) as conn:
                size = conn.execute(VERSJON_SIZE).fetchone()[0]  # type: ignore[index]
        print(f"clean load                    {clean:8.1f} s")
        with scratch_database("grunndata_benchmark_rerun") as (database, cluster):
            admin = with_params(cluster.url(), dbname="grunndata_benchmark_rerun")
            with connect(admin, autocommit=True) as conn:
                killed = kill_mid_load(database, conn, path, size // 2)
                print(f"load killed after             {killed:8.1f} s")
                with autovacuum(admin):
                    rerun = _load(database, path)
                print(f"retry, autovacuum throughout  {rerun:8.1f} s   "
                      f"({rerun / clean:.2f}x the clean load; target <= 1.5x)")  # fmt: skip
                for table in TABLES:
                    rows = conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]  # type: ignore[index]
                    print(f"  {table}: {rows:,} rows, estimated {estimate(conn, table):,.0f}")
    print(f"load average: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
