"""Brønnøysund's ``lastned`` totalbestand, declared complete (``--complete``): units of
the file's kind (enheter, or underenheter) that are stored, not deleted and not in the
file stop being valid at the file's extract time. A deleted unit is not in this scope: it
keeps answering with its ``slettedato``, as Brønnøysund publishes it.

``roller/totalbestand`` declared complete likewise ends the role groups of every unit it
does not name (the roles of a unit stored as deleted are not in its scope)."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

import psycopg
from psycopg import sql

from grunndata.loaders.complete import Completeness, end_missing, unsupported
from grunndata.loaders.formats import LoadContext
from grunndata.registers.enhetsregister.tables import ENHET, ROLLE


class _Kind(Protocol):
    name: str
    underenhet: bool


def complete_scope(fmt: _Kind, declared: Completeness) -> sql.Composable:
    """The stored units a complete file of this kind speaks for."""
    if declared.scope:
        raise unsupported(fmt.name, declared)
    return sql.SQL("er_underenhet = {} AND slettedato IS NULL").format(sql.Literal(fmt.underenhet))


def end_units_not_in_file(
    conn: psycopg.Connection, fmt: _Kind, context: LoadContext, at: datetime
) -> int:
    """End the units of the scope that ``enhet_staging`` lacks (before the file's merge)."""
    assert context.complete is not None and context.load_id is not None
    return end_missing(
        conn, ENHET, "enhet_staging", complete_scope(fmt, context.complete), context,
        recorded_at=at,
    )  # fmt: skip


#: The role groups a complete ``roller/totalbestand`` speaks for: those of every unit not
#: stored as deleted.
ROLLER_SCOPE = sql.SQL(
    "NOT EXISTS (SELECT 1 FROM enhetsregister.enhet e WHERE e.organisasjonsnummer = "
    "rolle.organisasjonsnummer AND upper_inf(e.registrert) AND upper_inf(e.gyldig) "
    "AND e.slettedato IS NOT NULL)"
)


def roller_scope(name: str, declared: Completeness) -> sql.Composable:
    if declared.scope:
        raise unsupported(name, declared)
    return ROLLER_SCOPE


def end_roles_not_in_file(conn: psycopg.Connection, context: LoadContext, at: datetime) -> int:
    """End the role groups of the scope that ``rolle_staging`` lacks (before the merge)."""
    assert context.complete is not None
    scope = roller_scope("brreg-roller-json", context.complete)
    return end_missing(conn, ROLLE, "rolle_staging", scope, context, recorded_at=at)
