"""Kartverket's address file, declared complete: ``--complete-for kommune=4204`` for the
per-kommune download, ``--complete`` for the whole country's. Stored addresses of that
scope that the file lacks stop being valid at the file's ``datauttaksdato``."""

from __future__ import annotations

import psycopg
from psycopg import sql

from grunndata.errors import SourceError
from grunndata.identifiers import InvalidIdentifier, parse_kommunenummer
from grunndata.loaders.complete import Completeness, end_missing, unsupported
from grunndata.loaders.formats import LoadContext
from grunndata.loaders.versioning import VersionedTable

FORMAT = "kartverket-adresse-csv"


def address_scope(declared: Completeness) -> sql.Composable:
    """The stored addresses a complete file speaks for: all, or one kommune's."""
    if not declared.scope:
        return sql.SQL("TRUE")
    if set(declared.scope) != {"kommune"}:
        raise unsupported(FORMAT, declared)
    try:
        kommune = parse_kommunenummer(declared.scope["kommune"]).value
    except InvalidIdentifier as exc:
        raise SourceError(f"--complete-for kommune: {exc.reason}") from None
    return sql.SQL("kommunenummer = {}").format(sql.Literal(kommune))


def end_addresses_not_in_file(
    conn: psycopg.Connection, table: VersionedTable, context: LoadContext
) -> int:
    """End the addresses of the scope that ``adresse_stage`` lacks (before the merge)."""
    assert context.complete is not None and context.load_id is not None
    at = conn.execute("SELECT clock_timestamp()").fetchone()[0]  # type: ignore[index]
    return end_missing(
        conn, table, "adresse_stage", address_scope(context.complete), context,
        recorded_at=at,
    )  # fmt: skip
