"""Which PostgreSQL binaries serve which cluster, and saying so when several are installed.

The embedded cluster runs with the binaries of the major that made it (its ``PG_VERSION``);
a newer PostgreSQL installed beside it changes nothing until the cluster is upgraded with
``pg_upgrade`` (docs/operations.md). ``pg_dump`` and ``pg_restore`` for an external server
are the newest installed (they read and write older servers' databases too).
"""

from __future__ import annotations

from grunndata.config import Settings
from grunndata.db.binaries import PgBinaries, find_pg_binaries, installed_majors
from grunndata.db.cluster import EmbeddedCluster
from grunndata.db.database import Database


def binaries_note(cluster: EmbeddedCluster) -> str:
    """One line: the binaries the cluster uses, and the newer majors it does not."""
    binaries = cluster.binaries
    newer = [major for major in installed_majors() if major > binaries.major]
    line = f"binaries: PostgreSQL {binaries.major} in {binaries.bindir}"
    if newer:
        line += (
            f"; PostgreSQL {', '.join(map(str, newer))} is installed too, and the cluster keeps "
            f"using {binaries.major} until it is upgraded with pg_upgrade (docs/operations.md)"
        )
    return line


def dump_binaries(settings: Settings, database: Database) -> PgBinaries:
    """``pg_dump``/``pg_restore`` for ``database``: the embedded cluster's own major's."""
    if database.cluster is not None:
        return database.cluster.binaries
    return find_pg_binaries(settings.pg_bindir)
