"""Merging a snapshot whose rows say from when they are valid (bitemporal versions).

The shared ``loaders.versioning.merge_snapshot`` merges recorded time only. Matrikkelen's
sources are snapshots that state (or imply, by their extract date) when each version
became valid, so this module follows the contract agreed for the shared
``merge_snapshot(..., valid_from=...)`` (to replace this module once it lands):

- the staging table has the key and content columns plus ``gyldig_fra timestamptz``;
- versions are compared without their valid time: a staged version equal to a current
  one (current valid time and current registration) is *unchanged*;
- a current version of a covered key that the snapshot no longer has is *superseded*: its
  registration is closed at ``recorded_at`` and a copy of it is recorded whose valid time
  ends where the key's new versions begin (or at ``ended_at`` when it has none);
- a staged version not current yet is *inserted*, valid from its ``gyldig_fra``.
"""

from __future__ import annotations

from datetime import datetime

import psycopg
from psycopg import sql

from grunndata.loaders.formats import WriteCounts
from grunndata.loaders.versioning import VersionedTable


def merge_valid_from(
    conn: psycopg.Connection,
    table: VersionedTable,
    staging: str,
    *,
    load_id: int,
    covered: str | None = None,
    ended_at: datetime | None = None,
) -> WriteCounts:
    """Merge ``staging`` into ``table`` (see the module docstring); ``covered`` names a
    table of the keys the snapshot speaks for, when a key can lose all its versions."""
    at = conn.execute("SELECT clock_timestamp()").fetchone()[0]  # type: ignore[index]
    names = {
        "target": sql.Identifier(*table.name.split(".")),
        "staging": sql.Identifier(staging),
        "covered": sql.Identifier(covered or staging),
        "new": sql.Identifier(f"{staging}_new"),
        "gone": sql.Identifier(f"{staging}_gone"),
        "columns": sql.SQL(", ").join(map(sql.Identifier, table.columns)),
        "key": sql.SQL(", ").join(map(sql.Identifier, table.key)),
        "g_key": sql.SQL(", ").join(sql.Identifier("g", c) for c in table.key),
        "t_key": sql.SQL(", ").join(sql.Identifier("t", c) for c in table.key),
        "s_key": sql.SQL(", ").join(sql.Identifier("s", c) for c in table.key),
        "t_row": sql.SQL("ROW({})").format(
            sql.SQL(", ").join(sql.Identifier("t", c) for c in table.columns)
        ),
        "g_row": sql.SQL("ROW({})").format(
            sql.SQL(", ").join(sql.Identifier("g", c) for c in table.columns)
        ),
        "g_columns": sql.SQL(", ").join(sql.Identifier("g", c) for c in table.columns),
    }
    params = {"at": at, "load_id": load_id, "ended_at": ended_at or at}

    def run(statement: str) -> psycopg.Cursor:
        return conn.execute(
            sql.SQL(statement).format(**names), params if "%(" in statement else None
        )

    run("ANALYZE {staging}")
    if covered:
        run("ANALYZE {covered}")
    is_current = "upper_inf(t.registrert) AND upper_inf(t.gyldig)"
    run(
        "CREATE TEMP TABLE {new} ON COMMIT DROP AS SELECT g.* FROM "
        "(SELECT {columns}, min(gyldig_fra) AS gyldig_fra FROM {staging} GROUP BY {columns}) g "
        f"WHERE NOT EXISTS (SELECT 1 FROM {{target}} t WHERE {is_current} "
        "AND ({t_key}) = ({g_key}) AND {t_row} IS NOT DISTINCT FROM {g_row})"
    )
    run(
        "CREATE TEMP TABLE {gone} ON COMMIT DROP AS SELECT t.* FROM {target} t "
        f"WHERE {is_current} AND ({{t_key}}) IN (SELECT {{key}} FROM {{covered}}) "
        "AND NOT EXISTS (SELECT 1 FROM {staging} g "
        "WHERE ({t_key}) = ({g_key}) AND {t_row} IS NOT DISTINCT FROM {g_row})"
    )
    staged = run("SELECT count(*) FROM (SELECT DISTINCT {columns} FROM {staging}) s").fetchone()
    superseded = run(
        "UPDATE {target} t SET registrert = tstzrange(lower(t.registrert), %(at)s) "
        "FROM {gone} g WHERE upper_inf(t.registrert) AND t.gyldig = g.gyldig "
        "AND ({t_key}) = ({g_key}) AND {t_row} IS NOT DISTINCT FROM {g_row}"
    ).rowcount
    key_e = sql.SQL(", ").join(sql.Identifier("e", c) for c in table.key)
    conn.execute(
        sql.SQL(
            "WITH ends AS (SELECT {key}, min(gyldig_fra) AS slutt FROM {staging} GROUP BY {key}) "
            "INSERT INTO {target} ({columns}, gyldig, registrert, load_id) "
            "SELECT {g_columns}, tstzrange(lower(g.gyldig), coalesce(e.slutt, %(ended_at)s)), "
            "tstzrange(%(at)s, NULL), %(load_id)s "
            "FROM {gone} g LEFT JOIN ends e ON ({g_key}) = ({key_e}) "
            "WHERE lower(g.gyldig) < coalesce(e.slutt, %(ended_at)s)"
        ).format(key_e=key_e, **names),
        params,
    )
    inserted = run(
        "INSERT INTO {target} ({columns}, gyldig, registrert, load_id) "
        "SELECT {columns}, tstzrange(gyldig_fra, NULL), tstzrange(%(at)s, NULL), %(load_id)s "
        "FROM {new}"
    ).rowcount
    run("DROP TABLE {new}, {gone}")
    unchanged = (staged[0] if staged else 0) - inserted  # type: ignore[index]
    return WriteCounts(inserted=inserted, superseded=superseded, unchanged=max(unchanged, 0))
