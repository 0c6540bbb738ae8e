"""Set-based merge of a snapshot into a table of versions, where nothing is overwritten.

A versioned table holds, besides its entity key and content columns (and an index on the
key of its current versions: ``... WHERE upper_inf(registrert)``),
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

from grunndata.errors import SourceError
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
    load_id: int,
    recorded_at: datetime | None = None,
    covered: str | None = None,
) -> WriteCounts:
    """Merge the snapshot in ``staging`` (see the module docstring).

    ``recorded_at`` is when the snapshot's versions became known and the ones it replaces
    stopped being current; by default the database's clock at this call (which, inside a
    load, is after the register's lock was taken). A version cannot be superseded at or
    before the time it was recorded: that raises ``SourceError`` and writes nothing."""
    key = sql.SQL(", ").join(map(sql.Identifier, table.key))
    names = {
        "target": _ident(table.name),
        "staging": sql.Identifier(staging),
        "covered": sql.Identifier(covered or staging),
        "new": sql.Identifier(f"{staging}_new"),
        "gone": sql.Identifier(f"{staging}_gone"),
        "columns": sql.SQL(", ").join(map(sql.Identifier, table.columns)),
        "key": key,
        "t_key": _row("t", table.key),
        "g_key": _row("g", table.key),
        "t_content": _row("t", table.content),
        "g_content": _row("g", table.content),
    }
    if recorded_at is None:
        recorded_at = conn.execute("SELECT clock_timestamp()").fetchone()[0]  # type: ignore[index]
    params = {"at": recorded_at, "load_id": load_id}

    def run(statement: str, with_params: bool = False) -> psycopg.Cursor:
        return conn.execute(sql.SQL(statement).format(**names), params if with_params else None)

    # Temporary tables are never auto-analysed: without statistics the planner picks nested
    # loops that are quadratic at a million rows. Set operations (EXCEPT treats NULLs as
    # equal, as versions must) hash instead, and both differences are taken before anything
    # is written, so no statement reads the table it writes.
    run("ANALYZE {staging}")
    if covered:
        run("ANALYZE {covered}")

    def current_of(entities: sql.Composable) -> sql.Composable:
        """The current versions of the entities whose keys are in table ``entities``."""
        return sql.SQL(
            "SELECT {columns} FROM {target} WHERE upper_inf(registrert) "
            "AND ({key}) IN (SELECT {key} FROM {entities})"
        ).format(entities=entities, **names)

    staged = sql.SQL("SELECT {columns} FROM {staging}").format(**names)
    difference = sql.SQL("CREATE TEMP TABLE {} ON COMMIT DROP AS {} EXCEPT {}")
    conn.execute(difference.format(names["new"], staged, current_of(names["staging"])))
    conn.execute(difference.format(names["gone"], current_of(names["covered"]), staged))
    too_late = run(
        "SELECT max(lower(t.registrert)) FROM {target} t JOIN {gone} g ON {t_key} = {g_key} "
        "AND {t_content} IS NOT DISTINCT FROM {g_content} "
        "WHERE upper_inf(t.registrert) AND lower(t.registrert) >= %(at)s",
        with_params=True,
    ).fetchone()
    if too_late and too_late[0] is not None:
        run("DROP TABLE {new}, {gone}")
        raise SourceError(
            f"this snapshot, recorded at {recorded_at.isoformat()}, would supersede versions "
            f"of {table.name} recorded after it (up to {too_late[0].isoformat()}): "
            "recorded time cannot run backwards"
        )
    distinct_staged = run("SELECT count(*) FROM (SELECT DISTINCT {columns} FROM {staging}) s")
    staged_count = distinct_staged.fetchone()[0]  # type: ignore[index]
    superseded = run(
        "UPDATE {target} t SET registrert = tstzrange(lower(t.registrert), %(at)s) "
        "FROM {gone} g WHERE upper_inf(t.registrert) AND {t_key} = {g_key} "
        "AND {t_content} IS NOT DISTINCT FROM {g_content}",
        with_params=True,
    ).rowcount
    inserted = run(
        "INSERT INTO {target} ({columns}, registrert, load_id) "
        "SELECT {columns}, tstzrange(%(at)s, NULL), %(load_id)s FROM {new}",
        with_params=True,
    ).rowcount
    run("DROP TABLE {new}, {gone}")
    return WriteCounts(inserted=inserted, superseded=superseded, unchanged=staged_count - inserted)
