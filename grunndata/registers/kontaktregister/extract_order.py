"""Extract order for KRR: its answers carry no extract time, so a person's entries are
ordered by their channels' own times.

KRR's times only grow: a later answer never has an older ``_oppdatert`` or
``_sist_verifisert`` for a channel than an earlier one. So an entry is older than the
stored one when any of its channel times is older than the stored version's: it comes from
an earlier answer, and is rejected, naming the person, the field and both times. Loaded
with ``--historical`` it becomes history instead: a version valid from the newest time it
states until the person's stored versions begin, a registration that is never current;
where the stored versions already cover that time, it adds nothing (a warning says so).

In one file, a person's entries are judged the same way: the newest is loaded, the
others are dropped with a warning naming the record that is loaded.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import psycopg
from psycopg import sql

from grunndata.loaders import extract_order
from grunndata.loaders.formats import LoadContext
from grunndata.registers.kontaktregister.tables import KONTAKT, TIMES

OSLO = ZoneInfo("Europe/Oslo")
_OLDER = sql.SQL(" OR ").join(
    sql.SQL("s.{c} < t.{c}").format(c=sql.Identifier(c)) for c in sorted(TIMES)
)
#: The first field that is older, with the stored and the entry's time.
_WHICH = sql.SQL("coalesce({})").format(
    sql.SQL(", ").join(
        sql.SQL("CASE WHEN s.{c} < t.{c} THEN jsonb_build_array({n}, t.{c}, s.{c}) END").format(
            c=sql.Identifier(c), n=sql.Literal(c)
        )
        for c in sorted(TIMES)
    )
)


def drop_repeated(conn: psycopg.Connection, context: LoadContext) -> None:
    """A person twice in one file: the entry with the newest times is loaded (the later
    one of equals), the others are dropped with a warning."""
    dropped = conn.execute(
        "DELETE FROM krr_staging s USING (SELECT DISTINCT ON (personidentifikator) "
        "personidentifikator, nr, sted FROM krr_staging "
        "ORDER BY personidentifikator, gyldig_fra DESC NULLS LAST, nr DESC) kept "
        "WHERE kept.personidentifikator = s.personidentifikator AND kept.nr <> s.nr "
        "RETURNING s.nr, s.sted, s.personidentifikator, kept.sted"
    ).fetchall()
    for _, where, number, kept in sorted(dropped):
        context.report.warn(
            where, f"person {number} comes again in the file ({kept}), which is newer: "
            "that entry is loaded", "a person twice in the file",
        )  # fmt: skip


def reject_older(conn: psycopg.Connection, context: LoadContext) -> int:
    """Drop the entries older than their person's stored version (rejected, or kept as
    history with ``--historical``); the number of history versions written."""
    older = conn.execute(
        sql.SQL(
            "DELETE FROM krr_staging s USING kontaktregister.kontakt t "
            "WHERE t.personidentifikator = s.personidentifikator AND upper_inf(t.registrert) "
            "AND upper_inf(t.gyldig) AND ({older}) "
            "RETURNING s.nr, s.sted, s.personidentifikator, {which}, s.*"
        ).format(older=_OLDER, which=_WHICH)
    ).fetchall()
    if not older:
        return 0
    if extract_order.historical(context):
        return _as_history(conn, context, [row[4:] for row in older])
    for _, where, number, (name, stored, own) in sorted((r[:4] for r in older), key=_first):
        context.report.reject(where, _reason(number, name, stored, own))
    return 0


def _first(row: tuple) -> int:
    return row[0]


def _reason(number: str, name: str, stored: str, own: str) -> str:
    shown = [datetime.fromisoformat(t).astimezone(OSLO).isoformat() for t in (stored, own)]
    return (
        f"person {number}: the stored {name} is {shown[0]}, newer than this entry's "
        f"{shown[1]}: "
        "an older entry does not overwrite newer facts (load the file with --historical "
        "to keep it as history)"
    )


def _as_history(conn: psycopg.Connection, context: LoadContext, rows: list[tuple]) -> int:
    """Each older entry as a version valid from its newest time until its person's stored
    versions begin; nothing (a warning) where they cover that time already."""
    columns = [d.name for d in conn.execute("SELECT * FROM krr_staging LIMIT 0").description]
    conn.execute("CREATE TEMP TABLE krr_older ON COMMIT DROP AS SELECT * FROM krr_staging LIMIT 0")
    with (
        conn.cursor() as cursor,
        cursor.copy(
            sql.SQL("COPY krr_older ({}) FROM STDIN").format(
                sql.SQL(", ").join(map(sql.Identifier, columns))
            )
        ) as copy,
    ):
        for row in rows:
            copy.write_row(row)
    names = sql.SQL(", ").join(map(sql.Identifier, KONTAKT.columns))
    o_names = sql.SQL(", ").join(sql.Identifier("o", c) for c in KONTAKT.columns)
    nothing = conn.execute(
        sql.SQL(
            "WITH f AS (SELECT personidentifikator, min(lower(gyldig)) AS start, "
            "bool_or(lower_inf(gyldig)) AS always FROM kontaktregister.kontakt "
            "WHERE upper_inf(registrert) AND personidentifikator IN "
            "(SELECT personidentifikator FROM krr_older) GROUP BY personidentifikator), "
            "ny AS (INSERT INTO kontaktregister.kontakt ({names}, gyldig, registrert, load_id) "
            "SELECT {o_names}, tstzrange(o.gyldig_fra, f.start), "
            "tstzrange(clock_timestamp(), NULL), %(load)s FROM krr_older o JOIN f USING "
            "(personidentifikator) WHERE NOT f.always AND f.start > o.gyldig_fra RETURNING 1) "
            "SELECT o.sted, o.personidentifikator FROM krr_older o JOIN f "
            "USING (personidentifikator) WHERE o.gyldig_fra IS NULL OR f.always "
            "OR f.start <= o.gyldig_fra ORDER BY o.nr"
        ).format(names=names, o_names=o_names),
        {"load": context.load_id},
    ).fetchall()
    for where, number in nothing:
        context.report.warn(
            where,
            f"person {number}: older than the stored entry, whose versions already cover the "
            "time it states, so it adds no history",
            "older record kept as history: nothing to add",
        )
    conn.execute("DROP TABLE krr_older")
    return len(rows) - len(nothing)


def settle_valid_from(conn: psycopg.Connection, at: datetime) -> None:
    """When each staged version begins in valid time. A person not stored yet: from the
    earliest time the entry states; a stored one: from the entry's newest time when that
    is after every time the stored version states and after it began (a dated change),
    else from now (a change KRR does not date, such as a status). Never after now."""
    conn.execute(
        sql.SQL(
            "UPDATE krr_staging s SET gyldig_fra = least(%(at)s, CASE "
            "WHEN x.start IS NULL THEN coalesce(s.foerst_gyldig_fra, %(at)s) "
            "WHEN s.gyldig_fra > greatest(x.start, x.newest) THEN s.gyldig_fra ELSE %(at)s END) "
            "FROM (SELECT s2.nr, lower(t.gyldig) AS start, greatest({stored}) AS newest "
            "FROM krr_staging s2 LEFT JOIN kontaktregister.kontakt t "
            "ON t.personidentifikator = s2.personidentifikator "
            "AND upper_inf(t.registrert) AND upper_inf(t.gyldig)) x WHERE x.nr = s.nr"
        ).format(stored=sql.SQL(", ").join(sql.Identifier("t", c) for c in sorted(TIMES))),
        {"at": at},
    )
