"""What every benchmark needs: a scratch database on the embedded cluster, and percentiles.

Run benchmarks from the repository root as modules (``python -m benchmarks.matrikkel``),
so that they can import this one.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterator
from contextlib import contextmanager

from psycopg import sql

from grunndata.config import Settings
from grunndata.db import migrate
from grunndata.db.cluster import EmbeddedCluster
from grunndata.db.database import Database, bootstrap, connect, embedded_cluster


@contextmanager
def scratch_database(
    name: str, *, migrated: bool = True, keep: bool = False
) -> Iterator[tuple[Database, EmbeddedCluster]]:
    """A fresh database ``name`` on the embedded cluster (started if it was not, and then
    stopped again), migrated unless told otherwise; dropped afterwards unless ``keep``
    (then the cluster keeps running too)."""
    cluster = embedded_cluster(Settings.from_env())
    started_cluster = cluster.start()
    admin = cluster.url()
    drop = sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
    with connect(admin, autocommit=True) as conn:
        conn.execute(drop)
    database: Database | None = None
    try:
        database = bootstrap(admin, name)
        if migrated:
            migrate.upgrade(database)
        yield database, cluster
    finally:
        if keep and database is not None:
            print(f"kept: {database.app_url}")
        else:
            with connect(admin, autocommit=True) as conn:
                conn.execute(drop)
            if started_cluster:
                cluster.stop()


def percentiles(samples: list[float]) -> str:
    """p50 and p95 of ``samples`` (seconds), in milliseconds."""
    ms = sorted(s * 1000 for s in samples)
    p95 = ms[min(len(ms) - 1, int(len(ms) * 0.95))]
    return f"p50 {statistics.median(ms):7.2f} ms   p95 {p95:7.2f} ms"
