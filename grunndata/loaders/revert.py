"""Revert a load: every version it wrote stops being current, every version it superseded
(or ended, for a complete extract) is current again, in one transaction; nothing deleted.

grunndata keeps its own transaction time beside the register's: every version row carries
``load_id`` (the load that wrote it) and, for tables merged by ``merge_snapshot``,
``ersatt_av`` (the load that closed its recorded time), written by the statements a merge
runs anyway. What a merge overwrites in place is journalled as it was (``felles.uttak_endret``
here, a register's own journals for its derived rows). A revert then:

- takes out what the load wrote: its recorded time is kept in ``tilbakefort`` and
  ``registrert`` becomes empty, so no query and no time argument sees it; ``ersatt_av``
  names the revert;
- reopens what the load closed (``ersatt_av`` = the load), so the register's recorded time
  (``ajourholdstidspunkt``) answers as if the load had never run;
- puts back what it overwrote in ``felles.uttak``, then runs the register's own ``undo``;
- records the entities it touched in ``felles.tilbakefort`` (``touched`` reads them): the
  one place that knows, for the change feed, which gets a ``tilbakefoert`` event for each
  (``grunndata.feed``), numbered last in the same transaction;
- is a journal entry of its own (``reverts``; the load's ``reverted_by``; ``os_user``).

A load that later loads changed the same entities of is refused, naming them, unless
``cascade``: then those are reverted first, newest first. A followed batch's revert takes
its source's batch lock (a follower's next batch waits) and puts the source's cursor back
to where it was before the batch, so the next run applies it again.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

import psycopg
from psycopg import sql
from psycopg.types.json import Jsonb

from grunndata.db.database import Database, connect
from grunndata.errors import GrunndataError
from grunndata.feed import publish
from grunndata.loaders import journal
from grunndata.loaders.run import register_lock_key
from grunndata.loaders.versioning import VersionedTable

#: The temporary table of the entities (``tabell``, ``nokkel``) a load changed.
TOUCHED = "rv_touched"


class RevertRefused(GrunndataError):
    """The load cannot be reverted (as asked); nothing was changed."""


@dataclass(frozen=True)
class Revertible:
    """What a register's loads write, as a revert needs to know it.

    ``tables``: tables merged by ``merge_snapshot`` (generic). ``touched``: SQL inserting
    into ``rv_touched (tabell, nokkel)`` the other entities load ``%(load)s`` changed;
    ``later``: SQL selecting the ids of loads after ``%(load)s`` that changed an entity
    in ``rv_touched``; ``undo(conn, load_id, revert_id)``: take the rest of the load out."""

    tables: Sequence[VersionedTable] = ()
    touched: str | None = None
    later: str | None = None
    undo: Callable[[psycopg.Connection, int, int], tuple[int, int]] | None = None


@dataclass(frozen=True)
class Reverted:
    load_id: int
    revert_id: int
    source: str
    taken_out: int
    current_again: int
    cursor: str | None = None
    """For a followed batch: its source and the cursor put back."""


@dataclass
class Outcome:
    reverted: list[Reverted] = field(default_factory=list)
    dry_run: bool = False


@dataclass(frozen=True)
class _Load:
    id: int
    status: str
    register: str | None
    source: str
    reverts: int | None
    reverted_by: int | None
    kilde: str | None
    kilde_for: dict | None


def batch_lock_key(source: str) -> str:
    """The lock a followed source's batch and a revert of one take, in their transaction."""
    return f"grunndata.follow.batch.{source}"


def revert(
    database: Database,
    load_id: int,
    registers: Mapping[str, Revertible],
    *,
    cascade: bool = False,
    dry_run: bool = False,
    listed: Callable[[list[tuple[int, str]]], None] | None = None,
) -> Outcome:
    """Revert ``load_id`` (and, with ``cascade``, the later loads that changed the same
    entities, newest first; ``listed`` hears them first) in one transaction."""
    outcome = Outcome(dry_run=dry_run)
    with connect(database.app_url) as conn, conn.transaction() as transaction:
        load = _load(conn, load_id)
        register = registers.get(load.register or "") or Revertible()
        lock = register_lock_key(load.register or "")
        conn.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [lock])
        order = _order(conn, load, register)
        if len(order) > 1:
            later = [(entry.id, entry.source) for entry in order[:-1]]
            if not cascade:
                named = "; ".join(f"load {i} ({s})" for i, s in later)
                raise RevertRefused(
                    f"load {load_id} cannot be reverted alone: later loads changed the same "
                    f"entities: {named}. Nothing was changed",
                    hint=f"Revert them first (newest first), or run `grunndata loads revert "
                    f"{load_id} --cascade` to revert them too, newest first.",
                )
            if listed is not None:
                listed(later)
        for entry in order:
            outcome.reverted.append(_revert_one(conn, entry, register))
        if dry_run:
            raise psycopg.Rollback(transaction)
        reverts = [entry.revert_id for entry in outcome.reverted]
        publish.publish_reverts(conn, load.register or "", reverts)  # ``tilbakefoert``
    return outcome


def _load(conn: psycopg.Connection, load_id: int) -> _Load:
    row = conn.execute(
        "SELECT id, status, register, source, reverts, reverted_by, kilde, kilde_for "
        "FROM felles.load WHERE id = %s FOR UPDATE",
        [load_id],
    ).fetchone()
    if row is None:
        raise RevertRefused(f"there is no load {load_id} in the journal (`grunndata loads`)")
    load = _Load(*row)
    if load.reverts is not None:
        raise RevertRefused(
            f"load {load_id} is a revert (of load {load.reverts}); a revert cannot be "
            f"reverted: load the data of load {load.reverts} again instead"
        )
    if load.reverted_by is not None:
        raise RevertRefused(f"load {load_id} was already reverted, by load {load.reverted_by}")
    if load.status == "running":
        raise RevertRefused(
            f"load {load_id} is still running; wait for it to end (or, if its process died, "
            "run `grunndata loads repair`), then revert it"
        )
    if load.status not in ("loaded", "partial"):
        raise RevertRefused(
            f"load {load_id} ended {load.status}: it wrote nothing, so there is nothing to revert"
        )
    return load


def _order(conn: psycopg.Connection, load: _Load, register: Revertible) -> list[_Load]:
    """``load`` and every later load that (transitively) changed the same entities,
    newest first."""
    found: dict[int, _Load] = {load.id: load}
    todo = [load.id]
    while todo:
        current = todo.pop()
        for later in _later(conn, current, register):
            if later not in found:
                found[later] = _load(conn, later)
                todo.append(later)
    return [found[i] for i in sorted(found, reverse=True)]


def _later(conn: psycopg.Connection, load_id: int, register: Revertible) -> list[int]:
    """Loads after ``load_id``, not reverted and not reverts, that changed an entity it
    changed."""
    _touched(conn, load_id, register)
    selects = [
        sql.SQL(
            "SELECT t.load_id FROM {table} t WHERE t.load_id > %(load)s AND ({tabell}, "
            "{key}::text) IN (SELECT tabell, nokkel FROM rv_touched) UNION "
            "SELECT t.ersatt_av FROM {table} t WHERE t.ersatt_av > %(load)s AND ({tabell}, "
            "{key}::text) IN (SELECT tabell, nokkel FROM rv_touched)"
        ).format(**_names(table))
        for table in register.tables
    ]
    selects.append(
        sql.SQL(
            "SELECT e.load_id FROM felles.uttak_endret e JOIN felles.load l ON l.id = %(load)s "
            "WHERE e.register = l.register AND e.load_id > %(load)s AND ('felles.uttak', "
            "e.nokkel) IN (SELECT tabell, nokkel FROM rv_touched)"
        )
    )
    if register.later:
        selects.append(sql.SQL(register.later))  # type: ignore[arg-type]
    rows = conn.execute(
        sql.SQL(
            "SELECT l.id FROM felles.load l WHERE l.id IN ({}) AND l.reverted_by IS NULL "
            "AND l.reverts IS NULL AND l.status IN ('loaded', 'partial') ORDER BY l.id"
        ).format(sql.SQL(" UNION ").join(selects)),
        {"load": load_id},
    ).fetchall()
    return [row[0] for row in rows]


def _names(table: VersionedTable) -> dict[str, sql.Composable]:
    key = (
        sql.Identifier("t", table.key[0])
        if len(table.key) == 1
        else sql.SQL("ROW({})").format(
            sql.SQL(", ").join(sql.Identifier("t", k) for k in table.key)
        )
    )
    return {
        "table": sql.Identifier(*table.name.split(".")),
        "tabell": sql.Literal(table.name),
        "key": key,
    }


def _touched(conn: psycopg.Connection, load_id: int, register: Revertible) -> None:
    """Fill ``rv_touched`` with the entities ``load_id`` changed."""
    conn.execute(
        "CREATE TEMP TABLE IF NOT EXISTS rv_touched (tabell text, nokkel text) ON COMMIT DROP"
    )
    conn.execute("TRUNCATE rv_touched")
    params = {"load": load_id}
    for table in register.tables:
        conn.execute(
            sql.SQL(
                "INSERT INTO rv_touched SELECT DISTINCT {tabell}, {key}::text FROM {table} t "
                "WHERE t.load_id = %(load)s OR t.ersatt_av = %(load)s"
            ).format(**_names(table)),
            params,
        )
    conn.execute(
        "INSERT INTO rv_touched SELECT DISTINCT 'felles.uttak', nokkel "
        "FROM felles.uttak_endret WHERE load_id = %(load)s",
        params,
    )
    if register.touched:
        conn.execute(register.touched, params)  # type: ignore[arg-type]
    conn.execute("ANALYZE rv_touched")


def _revert_one(conn: psycopg.Connection, load: _Load, register: Revertible) -> Reverted:
    row = conn.execute(
        "INSERT INTO felles.load (source, format, register, status, reverts, os_user, "
        "backend_pid, locked_at) VALUES (%s, 'revert', %s, 'running', %s, %s, "
        "pg_backend_pid(), clock_timestamp()) RETURNING id",
        [f"revert of load {load.id} ({load.source})", load.register, load.id, journal.os_user()],
    ).fetchone()
    assert row is not None
    revert_id = row[0]
    params = {"load": load.id, "revert": revert_id}
    cursor = _rewind(conn, load)
    _touched(conn, load.id, register)
    conn.execute(
        "INSERT INTO felles.tilbakefort (revert_id, load_id, register, tabell, nokkel) "
        "SELECT %(revert)s, %(load)s, l.register, t.tabell, t.nokkel FROM rv_touched t "
        "JOIN felles.load l ON l.id = %(load)s",
        params,
    )
    taken_out = current_again = 0
    for table in register.tables:
        names = _names(table)
        taken_out += conn.execute(
            sql.SQL(
                "UPDATE {table} SET tilbakefort = registrert, registrert = 'empty', "
                "ersatt_av = %(revert)s WHERE load_id = %(load)s AND tilbakefort IS NULL"
            ).format(**names),
            params,
        ).rowcount
        current_again += conn.execute(
            sql.SQL(
                "UPDATE {table} SET registrert = tstzrange(lower(registrert), NULL), "
                "ersatt_av = NULL WHERE ersatt_av = %(load)s"
            ).format(**names),
            params,
        ).rowcount
    _restore_uttak(conn, params)
    if register.undo is not None:
        out, again = register.undo(conn, load.id, revert_id)
        taken_out, current_again = taken_out + out, current_again + again
    conn.execute(
        "UPDATE felles.load SET status = 'loaded', finished_at = clock_timestamp(), "
        "inserted = %s, superseded = %s WHERE id = %s",
        [current_again, taken_out, revert_id],
    )
    conn.execute("UPDATE felles.load SET reverted_by = %s WHERE id = %s", [revert_id, load.id])
    return Reverted(load.id, revert_id, load.source, taken_out, current_again, cursor)


def _restore_uttak(conn: psycopg.Connection, params: dict[str, int]) -> None:
    """Put back what the load overwrote in ``felles.uttak`` (where it is still the load's)."""
    was = (
        "(SELECT DISTINCT ON (register, nokkel) * FROM felles.uttak_endret "
        "WHERE load_id = %(load)s ORDER BY register, nokkel, uttatt NULLS FIRST) e"
    )
    conn.execute(
        f"DELETE FROM felles.uttak u USING {was} WHERE u.register = e.register "
        "AND u.nokkel = e.nokkel AND u.load_id = %(load)s AND e.uttatt IS NULL",
        params,
    )
    conn.execute(
        f"UPDATE felles.uttak u SET uttatt = e.uttatt, load_id = e.forrige_load_id FROM {was} "
        "WHERE u.register = e.register AND u.nokkel = e.nokkel AND u.load_id = %(load)s",
        params,
    )


def _rewind(conn: psycopg.Connection, load: _Load) -> str | None:
    """A followed batch: wait for its source's batch lock, then put the source's cursor
    back to where it was before the batch."""
    if load.kilde is None:
        return None
    if load.kilde_for is None:
        raise RevertRefused(
            f"load {load.id} is a followed batch of {load.kilde} from before grunndata "
            "recorded each batch's starting cursor; it cannot be reverted"
        )
    conn.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [batch_lock_key(load.kilde)])
    baseline = load.kilde_for.get("baseline")
    conn.execute(
        "UPDATE felles.kilde SET posisjon = %s, baseline = %s, endret = clock_timestamp() "
        "WHERE navn = %s",
        [load.kilde_for.get("posisjon"), Jsonb(baseline) if baseline is not None else None,
         load.kilde],
    )  # fmt: skip
    return f"{load.kilde} at {load.kilde_for.get('posisjon')}"


def touched(conn: psycopg.Connection, revert_id: int) -> list[tuple[str, str, str]]:
    """The entities a revert touched: (register, table, key), as ``felles.tilbakefort``
    records them. The change feed reads this."""
    rows = conn.execute(
        "SELECT register, tabell, nokkel FROM felles.tilbakefort WHERE revert_id = %s "
        "ORDER BY tabell, nokkel",
        [revert_id],
    ).fetchall()
    return [(r[0], r[1], r[2]) for r in rows]
