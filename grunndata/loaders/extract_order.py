"""Extract order: a record from an older extract than the one stored for its entity does
not overwrite newer facts.

A format whose source states its extract time (``context.extract_date``) calls
``reject_older`` on its staging table before merging, and ``remember`` after: the first
drops (and rejects, naming the entity, the stored and the file's extract times) every
staged row whose entity was last stored from a newer extract; the second records the
file's extract time for the entities it merged (``felles.uttak``). An extract as old as
the stored one (the same file again) is not older.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import psycopg
from psycopg import sql

from grunndata.loaders.formats import LoadContext

OSLO = ZoneInfo("Europe/Oslo")


def reject_older(
    conn: psycopg.Connection,
    context: LoadContext,
    *,
    register: str,
    staging: str,
    key: str,
    what: str,
    location: str = "line",
    number: str = "line",
) -> None:
    """Drop from ``staging`` (a table with ``key`` and the record's ``number`` in the
    file) the rows whose entity is stored from a newer extract than this file's, each a
    rejected record at ``location number``."""
    extract = context.extract_date
    if extract is None:
        return
    older = conn.execute(
        sql.SQL(
            "DELETE FROM {staging} s USING felles.uttak u WHERE u.register = %s "
            "AND u.nokkel = s.{key}::text AND u.uttatt > %s RETURNING s.{number}, s.{key}, u.uttatt"
        ).format(
            staging=sql.Identifier(staging), key=sql.Identifier(key), number=sql.Identifier(number)
        ),
        [register, extract],
    ).fetchall()
    for line, entity, stored in sorted(older):
        context.report.reject(
            f"{location} {line}",
            f"{what} {entity}: stored from an extract of {_shown(stored)}, newer than this "
            f"file's {_shown(extract)}: an older record does not overwrite newer facts",
        )


def remember(
    conn: psycopg.Connection, context: LoadContext, *, register: str, staging: str, key: str
) -> None:
    """Record this file's extract time for the entities in ``staging``."""
    if context.extract_date is None:
        return
    # What this overwrites is journalled first (``felles.uttak_endret``), so a revert of
    # the load can put it back.
    conn.execute(
        sql.SQL(
            "WITH keys AS (SELECT DISTINCT {key}::text AS nokkel FROM {staging}), "
            "was AS (INSERT INTO felles.uttak_endret (load_id, register, nokkel, uttatt, "
            "forrige_load_id) SELECT %(load)s, %(register)s, k.nokkel, u.uttatt, u.load_id "
            "FROM keys k LEFT JOIN felles.uttak u ON u.register = %(register)s "
            "AND u.nokkel = k.nokkel WHERE u.uttatt IS NULL OR u.uttatt < %(at)s) "
            "INSERT INTO felles.uttak (register, nokkel, uttatt, load_id) "
            "SELECT %(register)s, nokkel, %(at)s::timestamptz, %(load)s FROM keys "
            "ON CONFLICT (register, nokkel) DO UPDATE SET uttatt = excluded.uttatt, "
            "load_id = excluded.load_id WHERE felles.uttak.uttatt < excluded.uttatt"
        ).format(staging=sql.Identifier(staging), key=sql.Identifier(key)),
        {"register": register, "at": context.extract_date, "load": context.load_id},
    )


def _shown(time: datetime) -> str:
    """In Norwegian time, as the sources write their extract times."""
    return time.astimezone(OSLO).isoformat()
