"""The load journal, ``felles.load``: one row per source file loaded.

The row is written on a connection of its own when a load begins, so a load that fails is
recorded too; every version the load writes carries its id. That connection holds a
session advisory lock keyed on the load's id until the load ends. A process that dies
(killed, out of memory, its machine gone) loses its connection and so the lock, wherever
it ran: a ``running`` row whose lock is free is a dead load, and ``repair`` marks it
``aborted``. A pid alone could not tell this across machines, nor after pid reuse.
"""

from __future__ import annotations

import getpass
import os
import socket
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime

import psycopg

from grunndata.db.database import Database, connect, open_connection
from grunndata.errors import DatabaseUnavailable
from grunndata.loaders.formats import SourceFormat, WriteCounts
from grunndata.loaders.sources import SourceFile

#: The first key of a running load's advisory lock; the second is its journal id. (The
#: two-key space of advisory locks does not overlap the one-key space the register locks use.)
RUNNING_LOCK = 1734633068


def insert(conn: psycopg.Connection, source: SourceFile, fmt: SourceFormat) -> int:
    row = conn.execute(
        "INSERT INTO felles.load (source, format, register, backend_pid, process, os_user) "
        "VALUES (%s, %s, %s, pg_backend_pid(), %s, %s) RETURNING id",
        [
            _absolute(source),
            fmt.name,
            fmt.register,
            f"{socket.gethostname()} pid {os.getpid()}",
            os_user(),
        ],
    ).fetchone()
    assert row is not None
    return int(row[0])


def os_user() -> str | None:
    """Who runs this process (the operating-system user), for the journal."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return None


def _absolute(source: SourceFile) -> str:
    path = str(source.path.absolute())
    return path if source.member is None else f"{path}!{source.member}"


@dataclass
class Running:
    """A load in progress: its journal id, and the connection holding its advisory lock
    (the lock goes when the process dies, which is how ``repair`` tells)."""

    id: int
    conn: psycopg.Connection | None


def begin(database: Database, source: SourceFile, fmt: SourceFormat) -> Running:
    """Journal a load as ``running`` and hold its lock until ``end``. Loads left
    ``running`` by processes that died are marked ``aborted`` first."""
    repair(database)
    conn = open_connection(database.app_url)
    try:
        with conn.transaction():  # the row is seen only once its lock is held
            load_id = insert(conn, source, fmt)
            conn.execute("SELECT pg_advisory_lock(%s, %s)", [RUNNING_LOCK, load_id])
    except BaseException:
        conn.close()
        raise
    conn.autocommit = True
    return Running(load_id, conn)


def repair(database: Database) -> list[int]:
    """Mark ``aborted`` every ``running`` load whose lock no session holds (its process
    died, or its connection to the database was lost); the ids marked, oldest first."""
    aborted: list[int] = []
    with connect(database.app_url, autocommit=True) as conn:
        running = conn.execute("SELECT id FROM felles.load WHERE status = 'running' ORDER BY id")
        for (load_id,) in running.fetchall():
            free = conn.execute(
                "SELECT pg_try_advisory_lock(%s, %s)", [RUNNING_LOCK, load_id]
            ).fetchone()
            if not (free and free[0]):
                continue  # alive: its loader holds the lock
            try:
                done = conn.execute(
                    "UPDATE felles.load SET status = 'aborted', finished_at = clock_timestamp(), "
                    "message = coalesce(message, %s) WHERE id = %s AND status = 'running' "
                    "RETURNING id",
                    [ABORTED, load_id],
                ).fetchone()
            finally:
                conn.execute("SELECT pg_advisory_unlock(%s, %s)", [RUNNING_LOCK, load_id])
            if done:
                aborted.append(load_id)
    return aborted


ABORTED = (
    "the loading process ended without finishing (killed, crashed or cut off from the "
    "database); its transaction was rolled back, so nothing from it was written"
)


@dataclass(frozen=True)
class Ending:
    """How a load ended, as the journal records it."""

    status: str  # loaded | partial | failed
    counts: WriteCounts
    rejected: int
    warnings: int
    message: str | None
    sha256: str | None
    extract_date: datetime | None
    extract_kind: str | None = None
    rejects: Sequence[tuple[str, str, int | None]] = ()
    """The reject list: (location, reason, sequence number) per rejected record."""


def end(database: Database, running: Running, ending: Ending) -> None:
    """Record how the load ended, then let go of its lock."""
    counts = ending.counts if ending.status != "failed" else WriteCounts()
    kind = ending.extract_kind or ("file" if ending.extract_date else None)
    try:
        with _journal_connection(database, running) as conn:
            conn.execute(
                "UPDATE felles.load SET finished_at = clock_timestamp(), status = %s, "
                "sha256 = %s, extract_date = %s, inserted = %s, superseded = %s, "
                "unchanged = %s, rejected = %s, warnings = %s, message = %s WHERE id = %s",
                [ending.status, ending.sha256, ending.extract_date, counts.inserted,
                 counts.superseded, counts.unchanged, ending.rejected, ending.warnings,
                 ending.message, running.id],
            )  # fmt: skip
            if counts.ended:  # what a complete extract ended
                conn.execute(
                    "UPDATE felles.load SET ended = %s WHERE id = %s", [counts.ended, running.id]
                )
            if ending.rejects and ending.status != "failed":  # nothing of a failed load kept
                _write_rejects(conn, running.id, ending.rejects)
            if kind is not None:  # where the extract time comes from
                conn.execute(
                    "UPDATE felles.load SET extract_time_kind = %s WHERE id = %s",
                    [kind, running.id],
                )
    except (DatabaseUnavailable, psycopg.OperationalError):
        pass  # the run's outcome says what went wrong; the row is repaired as 'aborted'


def _write_rejects(
    conn: psycopg.Connection, load_id: int, rejects: Sequence[tuple[str, str, int | None]]
) -> None:
    with conn.cursor().copy(
        "COPY felles.load_avvist (load_id, nr, location, reason, sekvensnummer) FROM STDIN"
    ) as copy:
        for nr, (location, reason, sequence) in enumerate(rejects, 1):
            copy.write_row((load_id, nr, location, reason, sequence))


def rejects(database: Database, load_id: int) -> list[tuple[str, str, int | None]]:
    """A load's reject list: (location, reason, sequence number), in the order found."""
    with connect(database.app_url) as conn:
        return conn.execute(
            "SELECT location, reason, sekvensnummer FROM felles.load_avvist WHERE load_id = %s "
            "ORDER BY nr",
            [load_id],
        ).fetchall()


@contextmanager
def _journal_connection(database: Database, running: Running) -> Iterator[psycopg.Connection]:
    """The connection holding the load's lock (closed after, which frees the lock), or a
    new one when that was lost."""
    held, running.conn = running.conn, None
    if held is not None and not held.closed:
        with held:
            yield held
        return
    with connect(database.app_url, autocommit=True) as conn:
        yield conn


@dataclass(frozen=True)
class JournalEntry:
    id: int
    started_at: datetime
    locked_at: datetime | None
    finished_at: datetime | None
    status: str
    source: str
    register: str | None
    format: str | None
    extract_date: datetime | None
    inserted: int
    superseded: int
    unchanged: int
    rejected: int
    warnings: int
    message: str | None
    reverts: int | None = None
    reverted_by: int | None = None
    reverted_at: datetime | None = None
    reverted_by_user: str | None = None
    ended: int = 0


@dataclass(frozen=True)
class Filter:
    """Which loads to list: the newest ``limit``, started at or after ``since``, of one
    ``register``."""

    limit: int = 50
    since: datetime | None = None
    register: str | None = None

    def where(self) -> tuple[str, list[object]]:
        clauses, params = ["TRUE"], []
        if self.since is not None:
            clauses.append("l.started_at >= %s")
            params.append(self.since)
        if self.register is not None:
            clauses.append("l.register = %s")
            params.append(self.register)
        return " AND ".join(clauses), params


#: The revert that reverted a load, if any (when and by whom).
_REVERT = "LEFT JOIN felles.load r ON r.id = l.reverted_by"


def journal(
    database: Database, limit: int = 50, *, only: Filter | None = None
) -> list[JournalEntry]:
    """The newest loads first."""
    only = only or Filter(limit)
    where, params = only.where()
    with connect(database.app_url) as conn:
        rows = conn.execute(
            "SELECT l.id, l.started_at, l.locked_at, l.finished_at, l.status, l.source, "
            "l.register, l.format, l.extract_date, l.inserted, l.superseded, l.unchanged, "
            "l.rejected, l.warnings, l.message, l.reverts, l.reverted_by, r.finished_at, "
            f"r.os_user, l.ended FROM felles.load l {_REVERT} WHERE {where} "
            "ORDER BY l.id DESC LIMIT %s",
            [*params, only.limit],
        ).fetchall()
    return [JournalEntry(*row) for row in rows]


def journal_rows(database: Database, only: Filter) -> list[dict[str, object]]:
    """Every column of each journal row, newest first, as JSON values: whatever the
    journal records (columns later migrations add included), nothing cut."""
    where, params = only.where()
    with connect(database.app_url) as conn:
        rows = conn.execute(
            "SELECT to_jsonb(l) || jsonb_build_object('reverted_at', r.finished_at, "
            f"'reverted_by_user', r.os_user) FROM felles.load l {_REVERT} WHERE {where} "
            "ORDER BY l.id DESC LIMIT %s",
            [*params, only.limit],
        ).fetchall()
    return [row[0] for row in rows]
