"""Throughput of the shared load machinery: COPY into staging, then the versioned merge.

Three rounds over N generated entities in a scratch database on the embedded cluster (or
GRUNNDATA_DATABASE_URL's server, which must then allow CREATE DATABASE):

1. first load: every version is inserted;
2. the same snapshot again: every version is unchanged;
3. a snapshot with 10 % of the entities changed: 10 % superseded and inserted.

Usage:  .venv/bin/python benchmarks/load_machinery.py [--rows 500000]
"""

from __future__ import annotations

import argparse
import resource
import time
from collections.abc import Iterator
from datetime import UTC, datetime

from benchmarks.common import scratch_database
from grunndata.db.database import connect
from grunndata.loaders.bulk import copy_rows, create_staging
from grunndata.loaders.versioning import VersionedTable, merge_snapshot

TABLE = VersionedTable("bench.fakta", key=("entitet",), content=("navn", "kommunenummer"))
DATABASE = "grunndata_benchmark"


def rows(n: int, changed_every: int | None) -> Iterator[tuple[int, str, str]]:
    for i in range(n):
        suffix = "-endret" if changed_every and i % changed_every == 0 else ""
        yield i, f"Navn {i}{suffix}", f"{3000 + i % 400:04d}"


def one_round(url: str, n: int, changed_every: int | None, load_id: int) -> tuple[float, object]:
    with connect(url) as conn:
        started = time.perf_counter()
        with conn.transaction():
            create_staging(conn, "staging", TABLE.name, TABLE.columns)
            copy_rows(conn, "staging", TABLE.columns, rows(n, changed_every))
            counts = merge_snapshot(
                conn, TABLE, "staging", recorded_at=datetime.now(UTC), load_id=load_id
            )
        return time.perf_counter() - started, counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=500_000)
    args = parser.parse_args()

    with scratch_database(DATABASE, migrated=False) as (database, cluster):
        with connect(database.owner_url) as conn:
            conn.execute(
                "CREATE SCHEMA bench; CREATE TABLE bench.fakta (entitet int NOT NULL, navn text, "
                "kommunenummer text, registrert tstzrange NOT NULL, load_id bigint NOT NULL, "
                "ersatt_av bigint); "
                "CREATE INDEX ON bench.fakta (entitet) WHERE upper_inf(registrert)"
            )
        print(f"{args.rows:,} entities, PostgreSQL {cluster.binaries.major}, embedded cluster")
        print(f"{'round':<28}{'seconds':>9}{'rows/s':>12}  counts")
        for label, changed_every, load_id in (
            ("1 first load", None, 1),
            ("2 same snapshot again", None, 2),
            ("3 10 % changed", 10, 3),
        ):
            with connect(database.owner_url, autocommit=True) as conn:
                conn.execute("ANALYZE bench.fakta")
            seconds, counts = one_round(database.owner_url, args.rows, changed_every, load_id)
            print(f"{label:<28}{seconds:>9.2f}{args.rows / seconds:>12,.0f}  {counts}")
        peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"peak memory of this process: {peak_mb:.0f} MB (rows are streamed, not held)")


if __name__ == "__main__":
    main()
