"""Valid time for Brønnøysund's snapshots, fed to the shared ``merge_snapshot``.

Brønnøysund's files say what a unit *is*, not since when each fact holds. The staging
table holds the snapshot's versions (key + content) and, per row, ``gyldig_fra`` (when
the source says the version began, e.g. a rollegruppe's ``sistEndret``; NULL when it does
not say), ``foerst_gyldig_fra`` (when the entity began, used when the engine has never
seen it: a unit's registreringsdato) and ``nr`` (the record's number in its file).
``merge`` settles each row's valid-from: an entity never seen is valid from when it
began; a change to a known one from when the source says, else from the snapshot's time.
Then ``grunndata.loaders.versioning.merge_snapshot(valid_from="gyldig_fra")`` writes it.
"""

from __future__ import annotations

from datetime import datetime

import psycopg
from psycopg import sql

from grunndata.loaders.bulk import create_staging
from grunndata.loaders.formats import WriteCounts
from grunndata.loaders.versioning import VersionedTable, merge_snapshot


def stage(conn: psycopg.Connection, name: str, table: VersionedTable) -> None:
    """A temporary staging table ``name`` for ``table``'s key and content, with
    ``gyldig_fra``, ``foerst_gyldig_fra`` and ``nr``."""
    create_staging(conn, name, table.name, table.columns, extra=_STAGING_EXTRA)


_STAGING_EXTRA = (
    ("gyldig_fra", "timestamptz"),
    ("foerst_gyldig_fra", "timestamptz"),
    ("nr", "bigint"),
)


def merge(
    conn: psycopg.Connection,
    table: VersionedTable,
    staging: str,
    *,
    load_id: int,
    at: datetime,
    covered: str | None = None,
) -> WriteCounts:
    """Merge the snapshot in ``staging``, recorded (and, for changes the source does not
    date, valid) from ``at``; ``covered`` names a table of the keys the file speaks for
    when an entity can lose all its versions (default: the keys staged)."""
    conn.execute(
        sql.SQL(
            "UPDATE {staging} s SET gyldig_fra = CASE WHEN EXISTS (SELECT 1 FROM {target} t "
            "WHERE {same_key} AND upper_inf(t.registrert)) THEN coalesce(s.gyldig_fra, %(at)s) "
            "ELSE coalesce(s.foerst_gyldig_fra, s.gyldig_fra) END"
        ).format(
            staging=sql.Identifier(staging),
            target=sql.Identifier(*table.name.split(".")),
            same_key=sql.SQL(" AND ").join(
                sql.SQL("t.{k} = s.{k}").format(k=sql.Identifier(k)) for k in table.key
            ),
        ),
        {"at": at},
    )
    return merge_snapshot(
        conn,
        table,
        staging,
        load_id=load_id,
        recorded_at=at,
        covered=covered,
        valid_from="gyldig_fra",
    )
