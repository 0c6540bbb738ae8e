"""The transaction's events, collected as it goes (temporary tables, dropped at commit).

``merge_snapshot`` notes, per entity key of the table it merges, what happened
(``note_versions``: from the differences it computes anyway, before it writes, so it
costs one statement per merge). At the end of the load ``stage_load`` turns those notes
into events by the register's declaration (``grunndata.feed.declare``) and runs the
register's own statements; a revert's events come from ``felles.tilbakefort``
(``stage_revert``). ``grunndata.feed.publish`` then numbers them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import psycopg
from psycopg import sql

from grunndata.feed.declare import Hendelser

if TYPE_CHECKING:
    from grunndata.loaders.versioning import VersionedTable

NOTES = "fh_versjoner"
STAGED = "fh_staged"

_CREATE = (
    "CREATE TEMP TABLE IF NOT EXISTS fh_versjoner (nr bigint GENERATED ALWAYS AS IDENTITY, "
    "tabell text, k text[], hendelsestype text) ON COMMIT DROP",
    "CREATE TEMP TABLE IF NOT EXISTS fh_staged (nr bigint GENERATED ALWAYS AS IDENTITY, "
    "last_id bigint, entitet text, noekkel text, hendelsestype text, feltgruppe text) "
    "ON COMMIT DROP",
)

#: A key as ``felles.tilbakefort`` records it (``key::text``; a composite key as a row).
_REVERTED_KEY = (
    "CASE WHEN left(nokkel, 1) = '(' THEN string_to_array(btrim(nokkel, '()'), ',') "
    "ELSE ARRAY[nokkel] END"
)


def ensure(conn: psycopg.Connection) -> None:
    """Create the transaction's staging tables (once)."""
    for statement in _CREATE:
        conn.execute(statement)


def note_versions(
    conn: psycopg.Connection,
    table: VersionedTable,
    new: sql.Composable,
    gone: sql.Composable,
    *,
    valid_time: bool,
) -> None:
    """Note each entity whose versions ``new`` (to be inserted) and ``gone`` (to be
    closed) change: ``opprettet`` when it has no present version yet, else, when every
    present version goes and none comes, ``opphoert`` (a table with valid time: it ended)
    or ``slettet``, else ``endret``. With valid time, the present versions are the
    current ones whose valid time is open-ended (as ``merge_snapshot`` compares them)."""
    ensure(conn)
    present = sql.SQL(" AND upper_inf(t.gyldig)" if valid_time else "")
    ended = "opphoert" if valid_time else "slettet"
    key = sql.SQL(", ").join(map(sql.Identifier, table.key))
    match = sql.SQL(" AND ").join(
        sql.SQL("t.{0} = x.{0}").format(sql.Identifier(k)) for k in table.key
    )
    as_text = sql.SQL(", ").join(sql.SQL("x.{}::text").format(sql.Identifier(k)) for k in table.key)
    conn.execute(
        sql.SQL(
            "INSERT INTO fh_versjoner (tabell, k, hendelsestype) "
            "SELECT %(tabell)s, ARRAY[{as_text}], CASE WHEN f.foer = 0 THEN 'opprettet' "
            "WHEN NOT x.ny AND x.borte >= f.foer THEN %(ended)s ELSE 'endret' END "
            "FROM (SELECT {key}, bool_or(ny) AS ny, count(*) FILTER (WHERE NOT ny) AS borte "
            "FROM (SELECT {key}, true AS ny FROM {new} UNION ALL "
            "SELECT {key}, false FROM {gone}) u GROUP BY {key}) x "
            "CROSS JOIN LATERAL (SELECT count(*) AS foer FROM {target} t "
            "WHERE {match} AND upper_inf(t.registrert){present}) f"
        ).format(
            as_text=as_text,
            key=key,
            new=new,
            gone=gone,
            match=match,
            present=present,
            target=sql.Identifier(*table.name.split(".")),
        ),
        {"tabell": table.name, "ended": ended},
    )


def stage_load(conn: psycopg.Connection, hendelser: Hendelser, load_id: int) -> None:
    """The events of load ``load_id``, from the notes and the register's statements."""
    ensure(conn)
    params = {"load": load_id}
    for table in hendelser.tables:
        kind = sql.SQL("hendelsestype" if table.main else "'endret'")
        conn.execute(
            sql.SQL(
                "INSERT INTO fh_staged (last_id, entitet, noekkel, hendelsestype, feltgruppe) "
                "SELECT %(load)s, {}, {}, {}, {} FROM fh_versjoner WHERE tabell = %(tabell)s "
                "ORDER BY nr"
            ).format(
                sql.SQL(table.entitet),  # type: ignore[arg-type]
                sql.SQL(table.noekkel),  # type: ignore[arg-type]
                kind,
                sql.SQL(table.feltgruppe or "NULL"),  # type: ignore[arg-type]
            ),
            {**params, "tabell": table.table},
        )
    for statement in hendelser.load:
        conn.execute(statement, params)  # type: ignore[arg-type]
    conn.execute("TRUNCATE fh_versjoner")


def stage_revert(conn: psycopg.Connection, hendelser: Hendelser, revert_id: int) -> None:
    """A ``tilbakefoert`` event for every entity revert ``revert_id`` touched."""
    ensure(conn)
    params = {"revert": revert_id}
    for table in hendelser.tables:
        conn.execute(
            sql.SQL(
                "INSERT INTO fh_staged (last_id, entitet, noekkel, hendelsestype) "
                "SELECT %(revert)s, {}, {}, 'tilbakefoert' FROM (SELECT {} AS k "
                "FROM felles.tilbakefort WHERE revert_id = %(revert)s AND tabell = %(tabell)s) s"
            ).format(
                sql.SQL(table.entitet),  # type: ignore[arg-type]
                sql.SQL(table.noekkel),  # type: ignore[arg-type]
                sql.SQL(_REVERTED_KEY),
            ),
            {**params, "tabell": table.table},
        )
    for statement in hendelser.reverted:
        conn.execute(statement, params)  # type: ignore[arg-type]
