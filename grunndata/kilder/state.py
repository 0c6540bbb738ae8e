"""``felles.kilde``: each followed source's cursor and status, and the lock per source.

The cursor is moved by ``advance`` inside the transaction that writes the data it covers,
so it is never ahead of the data nor behind it. Successes and errors outside a batch are
recorded on a connection of their own (autocommit).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import psycopg
from psycopg.types.json import Jsonb

from grunndata.db.database import Database, connect
from grunndata.errors import DatabaseUnavailable, GrunndataError


class FollowerBusy(GrunndataError):
    """Another follower of the source holds its lock."""


def lock_key(source: str) -> str:
    return f"grunndata.follow.{source}"


@contextmanager
def source_lock(database: Database, source: str) -> Iterator[None]:
    """Held for as long as the follower runs; a second follower fails at once."""
    with connect(database.app_url, autocommit=True) as conn:
        row = conn.execute(
            "SELECT pg_try_advisory_lock(hashtext(%s))", [lock_key(source)]
        ).fetchone()
        if not row or not row[0]:
            raise FollowerBusy(
                f"another follower of {source} is running (it holds the source's lock); "
                "this one exits without reading anything",
                hint="See `grunndata follow --status`; stop the other follower first.",
            )
        try:
            yield
        finally:
            conn.execute("SELECT pg_advisory_unlock(hashtext(%s))", [lock_key(source)])


@dataclass(frozen=True)
class Kilde:
    navn: str
    posisjon: str | None = None
    baseline: dict[str, Any] | None = None
    sist_ok: datetime | None = None
    sist_feil: datetime | None = None
    feil: str | None = None
    etterslep: int | None = None
    avvist: int = 0


_COLUMNS = "navn, posisjon, baseline, sist_ok, sist_feil, feil, etterslep, avvist"


def read(conn: psycopg.Connection, source: str) -> Kilde:
    row = conn.execute(f"SELECT {_COLUMNS} FROM felles.kilde WHERE navn = %s", [source]).fetchone()
    return Kilde(*row) if row else Kilde(source)


def advance(
    conn: psycopg.Connection,
    source: str,
    posisjon: str | None,
    *,
    rejected: int = 0,
    baseline: dict[str, Any] | None = None,
) -> None:
    """Move the cursor (and the baseline's progress), in the caller's transaction."""
    conn.execute(
        "INSERT INTO felles.kilde AS k (navn, posisjon, baseline, sist_ok, avvist) "
        "VALUES (%(navn)s, %(posisjon)s, %(baseline)s, clock_timestamp(), %(avvist)s) "
        "ON CONFLICT (navn) DO UPDATE SET posisjon = excluded.posisjon, "
        "baseline = excluded.baseline, sist_ok = excluded.sist_ok, "
        "avvist = k.avvist + excluded.avvist, endret = clock_timestamp()",
        {
            "navn": source,
            "posisjon": posisjon,
            "baseline": Jsonb(baseline) if baseline is not None else None,
            "avvist": rejected,
        },
    )


def note(
    database: Database, source: str, *, error: str | None = None, lag: int | None = None
) -> None:
    """A success (caught up, ``lag`` behind) or an error, outside any batch."""
    columns = (
        "sist_feil = clock_timestamp(), feil = %(feil)s"
        if error is not None
        else "sist_ok = clock_timestamp(), etterslep = %(lag)s"
    )
    try:
        with connect(database.app_url, autocommit=True) as conn:
            conn.execute(
                "INSERT INTO felles.kilde (navn) VALUES (%s) ON CONFLICT DO NOTHING", [source]
            )
            conn.execute(
                f"UPDATE felles.kilde SET {columns} WHERE navn = %(navn)s",
                {"navn": source, "feil": error, "lag": lag},
            )
    except DatabaseUnavailable:
        pass  # the follower's own message says what went wrong


def all_sources(conn: psycopg.Connection) -> list[Kilde]:
    return [
        Kilde(*row)
        for row in conn.execute(f"SELECT {_COLUMNS} FROM felles.kilde ORDER BY navn").fetchall()
    ]
