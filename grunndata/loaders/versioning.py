"""Set-based merge of a snapshot into a table of versions, where nothing is overwritten.

A versioned table holds, besides its entity key and content columns,
``registrert tstzrange`` (recorded time: from when the engine knew the version until it
was superseded) and ``load_id`` (the load that wrote it). Merging a snapshot of some
entities (all their current versions, staged in a temporary table) then:

- leaves every current version that the snapshot repeats exactly (*unchanged*);
- closes the recorded time of every current version of those entities that the snapshot no
  longer has (*superseded*: the row stays, with its history);
- inserts every staged version that is not current yet (*inserted*).

Which entities the snapshot covers are the keys staged, or, when a snapshot can say that
an entity now has no versions at all (a multi-valued fact that became empty), the keys in
a separate ``covered`` table. Entities not covered are not touched. Merging the same
snapshot twice changes nothing the second time.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import psycopg
from psycopg import sql

from grunndata.loaders.formats import WriteCounts


@dataclass(frozen=True)
class VersionedTable:
    name: str
    key: tuple[str, ...]
    content: tuple[str, ...]

    @property
    def columns(self) -> tuple[str, ...]:
        return self.key + self.content


def _ident(qualified: str) -> sql.Composable:
    return sql.Identifier(*qualified.split("."))


def _row(alias: str, columns: tuple[str, ...]) -> sql.Composable:
    return sql.SQL("ROW({})").format(
        sql.SQL(", ").join(sql.Identifier(alias, column) for column in columns)
    )


def merge_snapshot(
    conn: psycopg.Connection,
    table: VersionedTable,
    staging: str,
    *,
    recorded_at: datetime,
    load_id: int,
    covered: str | None = None,
) -> WriteCounts:
    names = {
        "target": _ident(table.name),
        "staging": sql.Identifier(staging),
        "covered": sql.Identifier(covered or staging),
        "t_key": _row("t", table.key),
        "s_key": _row("s", table.key),
        "s_key_columns": sql.SQL(", ").join(sql.Identifier("s", c) for c in table.key),
        "t_content": _row("t", table.content),
        "s_content": _row("s", table.content),
        "columns": sql.SQL(", ").join(map(sql.Identifier, table.columns)),
        "s_columns": sql.SQL(", ").join(sql.Identifier("s", c) for c in table.columns),
    }
    same_version = sql.SQL(
        "{t_key} = {s_key} AND {t_content} IS NOT DISTINCT FROM {s_content}"
    ).format(**names)
    params = {"at": recorded_at, "load_id": load_id}

    unchanged = conn.execute(
        sql.SQL(
            "SELECT count(*) FROM (SELECT DISTINCT {columns} FROM {staging}) s WHERE EXISTS "
            "(SELECT 1 FROM {target} t WHERE upper_inf(t.registrert) AND {same})"
        ).format(same=same_version, **names)
    ).fetchone()
    superseded = conn.execute(
        sql.SQL(
            "UPDATE {target} t SET registrert = "
            "tstzrange(lower(t.registrert), greatest(lower(t.registrert), %(at)s)) "
            "WHERE upper_inf(t.registrert) "
            "AND {t_key} IN (SELECT {s_key_columns} FROM {covered} s) "
            "AND NOT EXISTS (SELECT 1 FROM {staging} s WHERE {same})"
        ).format(same=same_version, **names),
        params,
    ).rowcount
    inserted = conn.execute(
        sql.SQL(
            "INSERT INTO {target} ({columns}, registrert, load_id) "
            "SELECT {s_columns}, tstzrange(%(at)s, NULL), %(load_id)s "
            "FROM (SELECT DISTINCT {columns} FROM {staging}) s "
            "WHERE NOT EXISTS (SELECT 1 FROM {target} t WHERE upper_inf(t.registrert) AND {same})"
        ).format(same=same_version, **names),
        params,
    ).rowcount
    return WriteCounts(
        inserted=inserted, superseded=superseded, unchanged=unchanged[0] if unchanged else 0
    )
