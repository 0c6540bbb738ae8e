"""Valid time for snapshot sources, on top of the shared ``merge_snapshot``.

Brønnøysund's files say what a unit *is*, not since when each fact holds. A staging table
holds the snapshot's versions (key + content) and, per row, ``gyldig_fra`` (when the
source says the version began, else NULL: the snapshot's time) and ``foerst_gyldig_fra``
(when the entity began, used when the engine has never seen it: a unit's
registreringsdato). For the entities covered:

- a current version the snapshot repeats (content equal, valid time ignored) stays;
- one it no longer has is superseded by a copy whose valid time ends where the new
  version begins (or at the snapshot's time, when nothing replaces it);
- a new version is valid from its ``gyldig_fra`` (never before the version it replaces).

Versions already closed in valid time stay as they are. The rows so built are merged with
``grunndata.loaders.versioning.merge_snapshot`` (recorded time), with ``gyldig`` as
content. This is the contract of the shared ``merge_snapshot(..., valid_from=...)`` the
lead is adding; once it lands this module can call it instead.
"""

from __future__ import annotations

from datetime import datetime

import psycopg
from psycopg import sql

from grunndata.loaders.formats import WriteCounts
from grunndata.loaders.versioning import VersionedTable, merge_snapshot


def stage(conn: psycopg.Connection, name: str, table: VersionedTable) -> None:
    """A temporary staging table ``name`` for ``table``'s key and content, with the two
    valid-from columns and ``nr`` (the record's number in its file)."""
    schema, target = table.name.split(".")
    conn.execute(
        sql.SQL(
            "CREATE TEMP TABLE {} ON COMMIT DROP AS SELECT {}, NULL::timestamptz AS gyldig_fra, "
            "NULL::timestamptz AS foerst_gyldig_fra, NULL::bigint AS nr FROM {} WITH NO DATA"
        ).format(
            sql.Identifier(name),
            sql.SQL(", ").join(map(sql.Identifier, table.columns)),
            sql.Identifier(schema, target),
        )
    )


def merge_valid(
    conn: psycopg.Connection,
    table: VersionedTable,
    staging: str,
    *,
    load_id: int,
    at: datetime,
    covered: str | None = None,
) -> WriteCounts:
    """Merge the snapshot in ``staging`` (see the module docstring) at recorded and
    snapshot time ``at``; ``covered`` names a table of the keys spoken for, when an
    entity can lose all its versions (default: the keys staged)."""
    key = [sql.Identifier(c) for c in table.key]
    fingerprint = sql.SQL("md5(ROW({})::text)").format(
        sql.SQL(", ").join(map(sql.Identifier, table.content))
    )

    def cols(alias: str, columns: tuple[str, ...]) -> sql.Composable:
        return sql.SQL(", ").join(sql.Identifier(alias, c) for c in columns)

    def same_key(a: str, b: str) -> sql.Composable:
        return sql.SQL(" AND ").join(
            sql.SQL("{} = {}").format(sql.Identifier(a, c), sql.Identifier(b, c)) for c in table.key
        )

    names = {
        "target": sql.Identifier(*table.name.split(".")),
        "staging": sql.Identifier(staging),
        "covered": sql.Identifier(covered or staging),
        "cur": sql.Identifier(f"{staging}_cur"),
        "new": sql.Identifier(f"{staging}_new"),
        "old": sql.Identifier(f"{staging}_old"),
        "bounds": sql.Identifier(f"{staging}_bounds"),
        "starts": sql.Identifier(f"{staging}_starts"),
        "k0": sql.Identifier(table.key[0]),
        "c_key": cols("c", table.key),
        "co": same_key("c", "o"),
        "ce": same_key("c", "e"),
        "versions": sql.Identifier(f"{staging}_versions"),
        "columns": sql.SQL(", ").join(map(sql.Identifier, table.columns)),
        "key": sql.SQL(", ").join(key),
        "c_columns": cols("c", table.columns),
        "n_columns": cols("n", table.columns),
        "cn": same_key("c", "n"),
        "nb": same_key("n", "b"),
        "fingerprint": fingerprint,
    }

    def run(statement: str) -> None:
        conn.execute(sql.SQL(statement).format(**names), {"at": at})

    run("ANALYZE {staging}")
    run(
        "CREATE TEMP TABLE {cur} ON COMMIT DROP AS SELECT {columns}, gyldig, "
        "{fingerprint} AS v FROM {target} WHERE upper_inf(registrert) "
        "AND ({key}) IN (SELECT {key} FROM {covered})"
    )
    run(
        "CREATE TEMP TABLE {new} ON COMMIT DROP AS SELECT DISTINCT ON ({key}, v) * FROM "
        "(SELECT {columns}, gyldig_fra, foerst_gyldig_fra, nr, {fingerprint} AS v "
        "FROM {staging}) n ORDER BY {key}, v, nr DESC"
    )
    run("ANALYZE {cur}")
    run("ANALYZE {new}")
    # The current open versions the snapshot no longer has; then the new ones it adds.
    run(
        "CREATE TEMP TABLE {old} ON COMMIT DROP AS SELECT c.* FROM {cur} c "
        "WHERE upper_inf(c.gyldig) AND NOT EXISTS "
        "(SELECT 1 FROM {new} n WHERE {cn} AND n.v = c.v)"
    )
    run("DELETE FROM {new} n USING {cur} c WHERE upper_inf(c.gyldig) AND {cn} AND n.v = c.v")
    run(
        "CREATE TEMP TABLE {bounds} ON COMMIT DROP AS SELECT {c_key}, "
        "max(lower(o.gyldig)) AS replaced_from FROM (SELECT DISTINCT {key} FROM {cur}) c "
        "LEFT JOIN {old} o ON {co} GROUP BY {c_key}"
    )
    # A new version starts when the source says (for an entity never seen: when it began),
    # never before the version it replaces.
    run(
        "CREATE TEMP TABLE {starts} ON COMMIT DROP AS SELECT n.*, greatest(coalesce("
        "CASE WHEN b.{k0} IS NULL THEN coalesce(n.foerst_gyldig_fra, n.gyldig_fra) "
        "ELSE n.gyldig_fra END, %(at)s), b.replaced_from) AS start "
        "FROM {new} n LEFT JOIN {bounds} b ON {nb}"
    )
    run(
        "CREATE TEMP TABLE {versions} ON COMMIT DROP AS "
        "SELECT {c_columns}, c.gyldig FROM {cur} c WHERE NOT upper_inf(c.gyldig) "
        "OR NOT EXISTS (SELECT 1 FROM {old} o WHERE {co} AND o.v = c.v) "
        "UNION ALL SELECT {c_columns}, tstzrange(lower(c.gyldig), coalesce(e.slutt, %(at)s)) "
        "FROM {old} c LEFT JOIN (SELECT {key}, min(start) AS slutt FROM {starts} "
        "GROUP BY {key}) e ON {ce} WHERE coalesce(e.slutt, %(at)s) > lower(c.gyldig) "
        "UNION ALL SELECT {n_columns}, tstzrange(n.start, NULL) FROM {starts} n"
    )
    return merge_snapshot(
        conn,
        VersionedTable(table.name, table.key, (*table.content, "gyldig")),
        f"{staging}_versions",
        load_id=load_id,
        recorded_at=at,
        covered=covered or staging,
    )
