"""A load retried after a killed one plans with fresh statistics (issue 20, point 1).

The killed load leaves dead rows; autovacuum then runs while the retry writes, counts the
retry's uncommitted rows as nothing and sets the tables' estimates to what was committed
before (none). Every later plan took ``versjon`` and ``fakta`` for empty, and a batch's
merge went from under a second to minutes. Here autovacuum is played by a thread running
``VACUUM (SKIP_LOCKED)`` throughout the retry, as autovacuum does."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import psycopg
from psycopg.conninfo import conninfo_to_dict

from benchmarks.folkeregister import generate
from grunndata.db.database import Database, connect
from grunndata.db.urls import with_params
from grunndata.loaders.run import Mode, run
from grunndata.registers.folkeregister import REGISTER

GRUNNDATA = str(Path(sys.executable).parent / "grunndata")
TABLES = ("folkeregister.versjon", "folkeregister.fakta")


def _estimate(conn: psycopg.Connection, table: str) -> float:
    plan = conn.execute(f"EXPLAIN (FORMAT JSON) SELECT * FROM {table}").fetchone()[0]
    return plan[0]["Plan"]["Plan Rows"]


def _kill_mid_load(database: Database, admin: psycopg.Connection, path: Path) -> None:
    env = {**os.environ, "GRUNNDATA_DATABASE_URL": database.app_url,
           "GRUNNDATA_OWNER_DATABASE_URL": database.owner_url}  # fmt: skip
    loader = subprocess.Popen(
        [GRUNNDATA, "load", "--no-migrate", str(path)],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 120
        size = "SELECT pg_relation_size('folkeregister.versjon')"
        while admin.execute(size).fetchone()[0] < 3_000_000:
            assert loader.poll() is None, f"the load ended before it was killed: {loader.stderr}"
            assert time.monotonic() < deadline
            time.sleep(0.05)
        loader.send_signal(signal.SIGKILL)
        loader.wait(timeout=30)
    finally:
        if loader.poll() is None:
            loader.kill()
            loader.wait()
        assert loader.stderr is not None
        loader.stderr.close()
    # Its backend finds its client gone only when it next writes to it: end it now.
    admin.execute(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
        "WHERE datname = current_database() AND pid <> pg_backend_pid()"
    )


def test_a_retry_after_a_killed_load_plans_with_fresh_statistics(
    fresh_database: Database, admin_url: str, tmp_path: Path
):
    path = tmp_path / "personer.jsonl"
    generate(path, 4000)
    dbname = conninfo_to_dict(fresh_database.app_url)["dbname"]
    with connect(with_params(admin_url, dbname=dbname), autocommit=True) as admin:
        _kill_mid_load(fresh_database, admin, path)
        assert admin.execute("SELECT count(*) FROM folkeregister.versjon").fetchone() == (0,)

        stop = threading.Event()

        def autovacuum() -> None:
            with connect(with_params(admin_url, dbname=dbname), autocommit=True) as conn:
                while not stop.wait(0.1):
                    conn.execute(f"VACUUM (SKIP_LOCKED) {', '.join(TABLES)}")

        vacuuming = threading.Thread(target=autovacuum)
        vacuuming.start()
        try:
            outcome = run([path], formats=REGISTER.formats, database=fresh_database, mode=Mode.LOAD)
        finally:
            stop.set()
            vacuuming.join()
        assert outcome.exit_code == 0, outcome.files[0].message
        for table in TABLES:
            (rows,) = admin.execute(f"SELECT count(*) FROM {table}").fetchone()
            assert rows > 10_000
            assert _estimate(admin, table) > rows / 2, f"{table}: the planner's estimate is stale"
