"""The load journal, ``felles.load``: one row per source file loaded.

The row is written on a connection of its own when a load begins, so a load that fails is
recorded too; every version the load writes carries its id.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import psycopg

from grunndata.db.database import Database, connect
from grunndata.errors import DatabaseUnavailable
from grunndata.loaders.formats import SourceFormat, WriteCounts
from grunndata.loaders.sources import SourceFile


def insert(conn: psycopg.Connection, source: SourceFile, fmt: SourceFormat) -> int:
    row = conn.execute(
        "INSERT INTO felles.load (source, format, register) VALUES (%s, %s, %s) RETURNING id",
        [source.name, fmt.name, fmt.register],
    ).fetchone()
    assert row is not None
    return int(row[0])


def begin(database: Database, source: SourceFile, fmt: SourceFormat) -> int:
    with connect(database.app_url, autocommit=True) as conn:
        return insert(conn, source, fmt)


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


def end(database: Database, journal_id: int, ending: Ending) -> None:
    counts = ending.counts if ending.status != "failed" else WriteCounts()
    kind = ending.extract_kind or ("file" if ending.extract_date else None)
    try:
        with connect(database.app_url, autocommit=True) as conn:
            conn.execute(
                "UPDATE felles.load SET finished_at = clock_timestamp(), status = %s, "
                "sha256 = %s, extract_date = %s, inserted = %s, superseded = %s, "
                "unchanged = %s, rejected = %s, warnings = %s, message = %s WHERE id = %s",
                [ending.status, ending.sha256, ending.extract_date, counts.inserted,
                 counts.superseded, counts.unchanged, ending.rejected, ending.warnings,
                 ending.message, journal_id],
            )  # fmt: skip
            if kind is not None:  # where the extract time comes from (migration 0011)
                conn.execute(
                    "UPDATE felles.load SET extract_time_kind = %s WHERE id = %s",
                    [kind, journal_id],
                )
    except DatabaseUnavailable:
        pass  # the run's outcome already says what went wrong; the row stays 'running'


@dataclass(frozen=True)
class JournalEntry:
    id: int
    started_at: datetime
    locked_at: datetime | None
    finished_at: datetime | None
    status: str
    source: str
    format: str | None
    extract_date: datetime | None
    inserted: int
    superseded: int
    unchanged: int
    rejected: int
    warnings: int
    message: str | None


def journal(database: Database, limit: int = 50) -> list[JournalEntry]:
    """The newest loads first."""
    with connect(database.app_url) as conn:
        rows = conn.execute(
            "SELECT id, started_at, locked_at, finished_at, status, source, format, "
            "extract_date, inserted, superseded, unchanged, rejected, warnings, message "
            "FROM felles.load ORDER BY id DESC LIMIT %s",
            [limit],
        ).fetchall()
    return [JournalEntry(*row) for row in rows]
