"""One organisasjonsnummer names one unit: a hovedenhet or an underenhet, never both.

Brønnøysund's files key every record by its organisasjonsnummer, so a file cannot give one
number to two units of its own kind (a number twice in one file is the same unit twice:
the last record wins, with a warning). What a source can do is claim a stored
hovedenhet's number for an underenhet, or the other way round: merged, that would turn one
unit into another. Such a record is rejected, naming both.
"""

from __future__ import annotations

import psycopg
from psycopg import sql

from grunndata.loaders.formats import LoadContext


def reject_other_kind(
    conn: psycopg.Connection, context: LoadContext, staging: str, numbering: str
) -> None:
    """Reject (and drop from ``staging``) the records whose number is stored as a unit of
    the other kind."""
    clashes = conn.execute(
        sql.SQL(
            "DELETE FROM {staging} s USING enhetsregister.enhet e "
            "WHERE e.organisasjonsnummer = s.organisasjonsnummer AND upper_inf(e.registrert) "
            "AND upper_inf(e.gyldig) AND e.er_underenhet <> s.er_underenhet "
            "RETURNING s.nr, s.organisasjonsnummer, s.navn, s.er_underenhet, e.navn"
        ).format(staging=sql.Identifier(staging))
    ).fetchall()
    kinds = {True: "an underenhet", False: "a hovedenhet"}
    for number, orgnr, name, underenhet, stored_name in sorted(clashes):
        context.report.reject(
            f"{numbering} {number}",
            f"{orgnr} is stored as {kinds[not underenhet]} ({stored_name!r}); this file gives "
            f"it as {kinds[underenhet]} ({name!r}): one organisasjonsnummer names one unit",
        )
