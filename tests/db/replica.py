"""A streaming replica of a private test cluster, made as an operator would: a base backup
(``pg_basebackup -R``: it follows the primary) started beside it as the cluster's user, on
its own socket directory and port. Always stopped afterwards."""

from __future__ import annotations

import shutil
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from grunndata.db.cluster import EmbeddedCluster, _conf_quote
from grunndata.db.database import connect
from grunndata.errors import DatabaseUnavailable

REPLICA_PORT = 5433


@contextmanager
def streaming_replica(primary: EmbeddedCluster, data_dir: Path) -> Iterator[EmbeddedCluster]:
    replica = EmbeddedCluster(data_dir, port=REPLICA_PORT)
    replica._prepare_data_dir()  # owned by the cluster user, marked as grunndata's
    made = primary._run_as_cluster_user([
        primary.binaries.tool("pg_basebackup"), "-D", str(replica.pgdata),
        "-h", str(primary.socket_dir), "-p", str(primary.port), "-U", "postgres",
        "-R", "-X", "stream", "-c", "fast",
    ])  # fmt: skip
    assert made.returncode == 0, made.stderr
    with (replica.pgdata / "postgresql.conf").open("a") as conf:
        conf.write(
            f"\nunix_socket_directories = '{_conf_quote(replica.socket_dir)}'\n"
            f"port = {REPLICA_PORT}\nhot_standby = on\n"
        )
    try:
        replica.start()
        deadline = time.monotonic() + 60
        while True:
            try:
                with connect(replica.url(), autocommit=True) as conn:
                    row = conn.execute("SELECT pg_is_in_recovery()").fetchone()
                    streaming = conn.execute("SELECT count(*) FROM pg_stat_wal_receiver").fetchone()
                if row == (True,) and streaming == (1,):
                    break
            except DatabaseUnavailable:
                pass
            assert time.monotonic() < deadline, "the replica did not start streaming"
            time.sleep(0.2)
        yield replica
    finally:
        replica.stop()
        shutil.rmtree(data_dir, ignore_errors=True)
