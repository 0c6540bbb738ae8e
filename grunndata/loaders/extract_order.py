"""Extract order: a record from an older extract than the one stored for its entity does
not overwrite newer facts.

A format whose source states its extract time (``context.extract_date``) calls
``reject_older`` on its staging table before merging, and ``remember`` after: the first
drops (and rejects, naming the entity, the stored and the file's extract times) every
staged row whose entity was last stored from a newer extract; the second records the
file's extract time for the entities it merged (``felles.uttak``). An extract as old as
the stored one (the same file again) is not older.

Loaded with ``--historical`` (``historical(context)``), an older record is not rejected:
its facts become history only. Given the versioned ``table``, ``reject_older`` records it
as a version valid from the file's extract time until the entity's stored versions begin,
a registration that is never current; where the stored versions already cover that time,
it adds nothing (a warning says so).
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import psycopg
from psycopg import sql

from grunndata.loaders.formats import LoadContext
from grunndata.loaders.versioning import VersionedTable

OSLO = ZoneInfo("Europe/Oslo")
#: ``context.given`` key set by ``grunndata load --historical``.
HISTORICAL = "historical"


def historical(context: LoadContext) -> bool:
    """Whether older records are loaded as history only (``--historical``)."""
    return context.given.get(HISTORICAL) == "yes"


def older_reason(what: str, stored: datetime, extract: datetime) -> str:
    """Why a record of ``what`` (the entity, named) older than the stored one is rejected."""
    return (
        f"{what}: stored from an extract of {_shown(stored)}, newer than this file's "
        f"{_shown(extract)}: an older record does not overwrite newer facts (load the file "
        "with --historical to keep its facts as history)"
    )


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
    table: VersionedTable | None = None,
) -> int:
    """Drop from ``staging`` (a table with ``key`` and the record's ``number`` in the
    file) the rows whose entity is stored from a newer extract than this file's, each a
    rejected record at ``location number``; with ``--historical`` and the versioned
    ``table``, kept as history instead. Returns the number of history versions written."""
    extract = context.extract_date
    if extract is None:
        return 0
    names = {
        "staging": sql.Identifier(staging),
        "older": sql.Identifier(f"{staging}_older"),
        "key": sql.Identifier(key),
        "number": sql.Identifier(number),
    }
    conn.execute(
        sql.SQL(
            "CREATE TEMP TABLE {older} ON COMMIT DROP AS SELECT s.*, u.uttatt AS uttak_lagret "
            "FROM {staging} s JOIN felles.uttak u ON u.register = %s "
            "AND u.nokkel = s.{key}::text AND u.uttatt > %s"
        ).format(**names),
        [register, extract],
    )
    older = conn.execute(
        sql.SQL(
            "DELETE FROM {staging} s USING {older} o WHERE s.{number} = o.{number} "
            "RETURNING o.{number}, o.{key}, o.uttak_lagret"
        ).format(**names)
    ).fetchall()
    kept = 0
    if older and historical(context) and table is not None:
        kept = _as_history(conn, context, table, f"{staging}_older", location, number, what)
    else:
        for line, entity, stored in sorted(older):
            context.report.reject(
                f"{location} {line}", older_reason(f"{what} {entity}", stored, extract)
            )
    conn.execute(sql.SQL("DROP TABLE {older}").format(**names))
    return kept


def _as_history(
    conn: psycopg.Connection,
    context: LoadContext,
    table: VersionedTable,
    older: str,
    location: str,
    number: str,
    what: str,
) -> int:
    """Each older record as a version valid from the file's extract time until the first
    of its entity's stored versions begins; nothing where they cover that time already."""
    key = sql.SQL(", ").join(map(sql.Identifier, table.key))
    names = {
        "target": sql.Identifier(*table.name.split(".")),
        "older": sql.Identifier(older),
        "key": key,
        "columns": sql.SQL(", ").join(sql.Identifier("o", c) for c in table.columns),
        "number": sql.Identifier("o", number),
        "same": sql.SQL(" AND ").join(
            sql.SQL("f.{k} = o.{k}").format(k=sql.Identifier(k)) for k in table.key
        ),
    }
    rows = conn.execute(
        sql.SQL(
            "WITH f AS (SELECT {key}, min(lower(gyldig)) AS start, bool_or(lower_inf(gyldig)) "
            "AS always FROM {target} WHERE upper_inf(registrert) "
            "AND ({key}) IN (SELECT {key} FROM {older}) GROUP BY {key}), "
            "ny AS (INSERT INTO {target} ({key_columns}, gyldig, registrert, load_id) "
            "SELECT {columns}, tstzrange(%(fra)s, f.start), tstzrange(clock_timestamp(), NULL), "
            "%(load)s FROM {older} o JOIN f ON {same} "
            "WHERE NOT f.always AND f.start > %(fra)s RETURNING 1) "
            "SELECT {number} FROM {older} o "
            "LEFT JOIN f ON {same} WHERE f.always IS NOT FALSE OR f.start <= %(fra)s"
        ).format(key_columns=sql.SQL(", ").join(map(sql.Identifier, table.columns)), **names),
        {"fra": context.extract_date, "load": context.load_id},
    ).fetchall()
    for (line,) in sorted(rows):
        context.report.warn(
            f"{location} {line}",
            f"{what}: older than the stored extract; its entity's stored versions already "
            "cover the time it was extracted, so it adds no history",
            "older record kept as history: nothing to add",
        )
    inserted = conn.execute(sql.SQL("SELECT count(*) FROM {older}").format(**names)).fetchone()
    return (inserted[0] if inserted else 0) - len(rows)


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
