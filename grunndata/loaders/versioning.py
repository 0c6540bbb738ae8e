"""Set-based merge of a snapshot into a table of versions, where nothing is overwritten.

A versioned table holds, besides its entity key and content columns (and an index on the
key of its current versions: ``... WHERE upper_inf(registrert)``),
``registrert tstzrange`` (recorded time: from when the engine knew the version until it
was superseded), ``load_id`` (the load that wrote it) and ``ersatt_av`` (the load that
closed its recorded time: so a load can be reverted, ``grunndata.loaders.revert``).
Merging a snapshot of some entities (all their current versions, staged in a temporary table) then:

- leaves every current version that the snapshot repeats exactly (*unchanged*);
- closes the recorded time of every current version of those entities that the snapshot no
  longer has (*superseded*: the row stays, with its history);
- inserts every staged version that is not current yet (*inserted*).

Which entities the snapshot covers are the keys staged, or, when a snapshot can say that
an entity now has no versions at all (a multi-valued fact that became empty), the keys in
a separate ``covered`` table. Entities not covered are not touched. Merging the same
snapshot twice changes nothing the second time.

Snapshot sources with valid time (``valid_from``): the target also has ``gyldig
tstzrange`` (valid time) and the staging table a column, e.g. ``gyldig_fra timestamptz``,
saying from when each staged version is valid (as the source states it, or the extract
date; NULL: since always). A version's *present state* is its open-ended valid time
among the current registrations. Versions are compared without valid time, then:

- a version the snapshot repeats is left alone (its valid time keeps its start);
- a version the snapshot changes has its registration closed, and a copy is recorded whose
  valid time ends where the new version's begins, so "what was valid then" still answers
  the old version (a new version valid from before the old one began is a correction: no
  copy);
- an entity the snapshot covers but no longer has (an owner who sold, a deleted unit's
  fact) gets the same treatment, its valid time ended at ``ended_at`` (default: the
  recorded time);
- a new version is valid from its ``valid_from`` (never before the end of the entity's
  recorded past), open-ended.

So among current registrations the versions of one key never overlap in valid time, which
tables state with ``EXCLUDE USING gist (key WITH =, gyldig WITH &&) WHERE
(upper_inf(registrert))``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

import psycopg
from psycopg import sql

from grunndata.errors import SourceError
from grunndata.feed import staging as feed_staging
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
    valid_from: str | None = None,
    ended_at: datetime | None = None,
) -> WriteCounts:
    """Merge the snapshot in ``staging`` (see the module docstring).

    ``recorded_at`` is when the snapshot's versions became known and the ones it replaces
    stopped being current; by default the database's clock at this call (which, inside a
    load, is after the register's lock was taken). A version cannot be superseded at or
    before the time it was recorded: that raises ``SourceError`` and writes nothing.
    ``valid_from`` names the staging column of valid-from times for tables with valid time
    (``gyldig``); ``ended_at`` is when the versions of covered entities that the snapshot
    no longer has stopped being valid."""
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
        "valid": sql.Identifier(f"{staging}_valid"),
        "closed": sql.Identifier(f"{staging}_closed"),
        "valid_from": sql.Identifier(valid_from or "gyldig_fra"),
        "v_key": _row("v", table.key),
        "c_key": _row("c", table.key),
        "n_key": _row("n", table.key),
        "h_key": _row("h", table.key),
        "c_columns": sql.SQL(", ").join(sql.Identifier("c", c) for c in table.columns),
        "n_columns": sql.SQL(", ").join(sql.Identifier("n", c) for c in table.columns),
        "t_columns": sql.SQL(", ").join(sql.Identifier("t", c) for c in table.columns),
        "first_key": sql.Identifier("v", table.key[0]),
    }
    if recorded_at is None:
        recorded_at = conn.execute("SELECT clock_timestamp()").fetchone()[0]  # type: ignore[index]
    params = {"at": recorded_at, "load_id": load_id, "ended_at": ended_at or recorded_at}
    # With valid time, only the present state (open-ended valid time) is compared.
    present = sql.SQL(" AND upper_inf(gyldig)" if valid_from else "")

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
            "SELECT {columns} FROM {target} WHERE upper_inf(registrert){present} "
            "AND ({key}) IN (SELECT {key} FROM {entities})"
        ).format(entities=entities, present=present, **names)

    staged = sql.SQL("SELECT {columns} FROM {staging}").format(**names)
    difference = sql.SQL("CREATE TEMP TABLE {} ON COMMIT DROP AS {} EXCEPT {}")
    conn.execute(difference.format(names["new"], staged, current_of(names["staging"])))
    conn.execute(difference.format(names["gone"], current_of(names["covered"]), staged))
    too_late = run(
        "SELECT max(lower(t.registrert)) FROM {target} t JOIN {gone} g ON {t_key} = {g_key} "
        "AND {t_content} IS NOT DISTINCT FROM {g_content} "
        "WHERE upper_inf(t.registrert) AND lower(t.registrert) >= %(at)s"
        + (" AND upper_inf(t.gyldig)" if valid_from else ""),
        with_params=True,
    ).fetchone()
    if too_late and too_late[0] is not None:
        run("DROP TABLE {new}, {gone}")
        raise SourceError(
            f"this snapshot, recorded at {recorded_at.isoformat()}, would supersede versions "
            f"of {table.name} recorded after it (up to {too_late[0].isoformat()}): "
            "recorded time cannot run backwards"
        )
    # What changed per entity, for the change feed (``grunndata.feed``).
    feed_staging.note_versions(
        conn, table, names["new"], names["gone"], valid_time=bool(valid_from)
    )
    distinct_staged = run("SELECT count(*) FROM (SELECT DISTINCT {columns} FROM {staging}) s")
    staged_count = distinct_staged.fetchone()[0]  # type: ignore[index]
    if valid_from:
        superseded, inserted = _write_with_valid_time(run)
        run("DROP TABLE {new}, {gone}")
        return WriteCounts(
            inserted=inserted, superseded=superseded, unchanged=staged_count - inserted
        )
    superseded = run(
        "UPDATE {target} t SET registrert = tstzrange(lower(t.registrert), %(at)s), "
        "ersatt_av = %(load_id)s FROM {gone} g "
        "WHERE upper_inf(t.registrert) AND {t_key} = {g_key} "
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


def _write_with_valid_time(run: Callable[..., psycopg.Cursor]) -> tuple[int, int]:
    """Supersede the changed and vanished present versions (recording copies with ended
    valid time) and insert the new ones; (superseded, inserted)."""
    run(
        "CREATE TEMP TABLE {valid} ON COMMIT DROP AS "
        "SELECT {key}, min({valid_from}) AS valid_from FROM {staging} GROUP BY {key}"
    )
    run("ANALYZE {valid}")
    run(
        "CREATE TEMP TABLE {closed} ON COMMIT DROP AS "
        "SELECT {columns}, gyldig FROM {target} WITH NO DATA"
    )
    superseded = run(
        "WITH closed AS (UPDATE {target} t SET registrert = tstzrange(lower(t.registrert), "
        "%(at)s), ersatt_av = %(load_id)s FROM {gone} g "
        "WHERE upper_inf(t.registrert) AND upper_inf(t.gyldig) "
        "AND {t_key} = {g_key} AND {t_content} IS NOT DISTINCT FROM {g_content} "
        "RETURNING {t_columns}, t.gyldig) INSERT INTO {closed} SELECT * FROM closed",
        with_params=True,
    ).rowcount
    # The closed versions stay valid until their successor begins (or the snapshot's end).
    run(
        "INSERT INTO {target} ({columns}, gyldig, registrert, load_id) "
        "SELECT {c_columns}, tstzrange(lower(c.gyldig), e.ends), tstzrange(%(at)s, NULL), "
        "%(load_id)s FROM {closed} c LEFT JOIN {valid} v ON {c_key} = {v_key} "
        "CROSS JOIN LATERAL (SELECT CASE WHEN {first_key} IS NULL THEN %(ended_at)s "
        "ELSE v.valid_from END AS ends) e "
        "WHERE e.ends IS NOT NULL AND (lower_inf(c.gyldig) OR e.ends > lower(c.gyldig))",
        with_params=True,
    )
    inserted = run(
        "INSERT INTO {target} ({columns}, gyldig, registrert, load_id) "
        "SELECT {n_columns}, tstzrange(greatest(v.valid_from, h.past_end), NULL), "
        "tstzrange(%(at)s, NULL), %(load_id)s "
        "FROM {new} n JOIN {valid} v ON {n_key} = {v_key} LEFT JOIN ("
        "  SELECT {key}, max(upper(gyldig)) AS past_end FROM {target} "
        "  WHERE upper_inf(registrert) AND NOT upper_inf(gyldig) "
        "  AND ({key}) IN (SELECT {key} FROM {new}) GROUP BY {key}"
        ") h ON {n_key} = {h_key}",
        with_params=True,
    ).rowcount
    run("DROP TABLE {valid}, {closed}")
    return superseded, inserted
