"""The one ``REPEATABLE READ`` snapshot an export reads, and the stamp it carries.

The stamp's ``sekvensnummer`` is the last event of the change feed that the snapshot
contains (``grunndata.feed.store.last_sequence``): the export at N and every event after N
together give the database's state. GraphQL's resolvers are async; they read the same
snapshot on a second connection that imports it (``pg_export_snapshot``).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import psycopg
from psycopg import IsolationLevel, sql

from grunndata.db.database import open_connection
from grunndata.feed.store import last_sequence


@dataclass(frozen=True)
class Stamp:
    """What an export holds: the register, the feed's last sequence number in its
    snapshot, the snapshot's time, and what was asked."""

    register: str
    sekvensnummer: int
    tidspunkt: datetime
    format: str
    epsg: int | None = None
    kommuner: tuple[str, ...] = ()
    scopes: tuple[str, ...] = field(default=())

    def metadata(self) -> dict[str, str]:
        """The stamp as text (a GeoPackage's metadata, a header's members)."""
        meta = {
            "register": self.register,
            "sekvensnummer": str(self.sekvensnummer),
            "tidspunkt": self.tidspunkt.isoformat(),
            "format": self.format,
        }
        if self.epsg is not None:
            meta["epsg"] = str(self.epsg)
        if self.kommuner:
            meta["kommuner"] = ",".join(self.kommuner)
        if self.scopes:
            meta["scopes"] = " ".join(self.scopes)
        return meta


@dataclass
class Snapshot:
    """The export's open transaction: its connection, its id (for importing it), the
    feed's last sequence number in it, and its ``now()``."""

    conn: psycopg.Connection[Any]
    id: str
    sekvensnummer: int
    naa: datetime


@contextmanager
def snapshot(url: str) -> Iterator[Snapshot]:
    """A read-only ``REPEATABLE READ`` transaction, held open until the block ends."""
    with open_connection(url) as conn:
        conn.isolation_level = IsolationLevel.REPEATABLE_READ
        conn.read_only = True
        conn.execute("SET TIME ZONE 'Europe/Oslo'")
        row = conn.execute("SELECT pg_export_snapshot(), now()").fetchone()
        assert row is not None
        try:
            yield Snapshot(conn, row[0], last_sequence(conn), row[1])
        finally:
            conn.rollback()


class Imported:
    """The same snapshot on an async connection, offering the pools' ``connection()``
    interface (as ``grunndata.graphql.snapshot.Snapshot`` does) to GraphQL's context."""

    def __init__(self, conn: psycopg.AsyncConnection[Any]) -> None:
        self.conn = conn
        self._lock = asyncio.Lock()

    @asynccontextmanager
    async def connection(
        self, timeout: float | None = None
    ) -> AsyncIterator[psycopg.AsyncConnection[Any]]:
        async with self._lock:
            yield self.conn


@asynccontextmanager
async def imported(url: str, snapshot_id: str) -> AsyncIterator[Imported]:
    """``snapshot_id``'s snapshot on an async connection set up as the server's are."""
    from grunndata.server import _connection_setup  # the server imports the download route

    conn = await psycopg.AsyncConnection.connect(url, autocommit=True)
    try:
        await _connection_setup(0)(conn)
        await conn.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
        await conn.execute(sql.SQL("SET TRANSACTION SNAPSHOT {}").format(snapshot_id))
        yield Imported(conn)
        await conn.execute("ROLLBACK")
    finally:
        await conn.close()
