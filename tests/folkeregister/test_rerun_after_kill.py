"""A load retried after a killed one plans with fresh statistics (issue 20, point 1).

The killed load leaves dead rows; autovacuum then runs while the retry writes, counts the
retry's uncommitted rows as nothing and sets the tables' estimates to what was committed
before (none). Every later plan took ``versjon`` and ``fakta`` for empty, and a batch's
merge went from under a second to minutes. Here autovacuum is played by a thread running
``VACUUM (SKIP_LOCKED)`` throughout the retry, as autovacuum does."""

from __future__ import annotations

from pathlib import Path

import pytest
from psycopg.conninfo import conninfo_to_dict

from benchmarks.folkeregister import generate
from benchmarks.rerun_after_kill import TABLES, autovacuum, estimate, kill_mid_load
from grunndata.db.database import Database, connect
from grunndata.db.urls import with_params
from grunndata.loaders.run import Mode, run
from grunndata.registers.folkeregister import REGISTER


@pytest.mark.slow
def test_a_retry_after_a_killed_load_plans_with_fresh_statistics(
    fresh_database: Database, admin_url: str, tmp_path: Path
):
    path = tmp_path / "personer.jsonl"
    generate(path, 4000)
    admin = with_params(admin_url, dbname=conninfo_to_dict(fresh_database.app_url)["dbname"])
    with connect(admin, autocommit=True) as conn:
        kill_mid_load(fresh_database, conn, path, at=3_000_000)
        assert conn.execute("SELECT count(*) FROM folkeregister.versjon").fetchone() == (0,)
        with autovacuum(admin):
            outcome = run([path], formats=REGISTER.formats, database=fresh_database, mode=Mode.LOAD)
        assert outcome.exit_code == 0, outcome.files[0].message
        for table in TABLES:
            (rows,) = conn.execute(f"SELECT count(*) FROM {table}").fetchone()
            assert rows > 10_000
            assert estimate(conn, table) > rows / 2, f"{table}: the planner's estimate is stale"
