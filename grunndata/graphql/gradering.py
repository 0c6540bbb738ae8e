"""Whether a person's address is graded now: read from ``felles.adressebeskyttelse``.

The one source of the answer for every process (the single one and each subgraph) and both
paths (the resolvers and the SQL forms): the table holds every identifier a graded person
ever held, with the valid times of the grading (migration 0008), kept by Folkeregisteret's
loader in the load's transaction. Graded now is ``gradert @> now``, "now" the request's
instant. A person not in the table (unknown, or never graded) is not graded.

Asked by identifier (an owner, a role holder, a federation reference) or by Folkeregisteret's
person id, through per-request DataLoaders: one statement per level of the request.
"""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING, Any

from strawberry.dataloader import DataLoader

if TYPE_CHECKING:  # context imports access, which imports this
    from grunndata.graphql.context import Context

TABLE = "felles.adressebeskyttelse"


def _graded_at(at: str) -> str:
    """The rule, over a row ``ab`` of the table: graded at ``at`` (SQL, a timestamptz)."""
    return f"ab.gradert @> ({at})"


#: Graded at the statement's ``%(naa)s``.
GRADED_NOW = _graded_at("%(naa)s::timestamptz")


def graded_sql(key: str) -> str:
    """SQL: whether the person holding the identifier ``key`` (SQL) is graded at the
    statement's ``%(naa)s``: one probe of the table's primary key."""
    return (
        f"EXISTS (SELECT 1 FROM {TABLE} ab WHERE ab.identifikasjonsnummer = ({key}) "
        f"AND {GRADED_NOW})"
    )


def graded_among(identifiers: str, at: str) -> str:
    """SQL: whether any person holding one of ``identifiers`` (SQL, a ``text[]``) is graded
    at ``at`` (SQL, a timestamptz): the rule of ``graded_sql`` for many at once."""
    return (
        f"EXISTS (SELECT 1 FROM {TABLE} ab WHERE ab.identifikasjonsnummer = ANY({identifiers}) "
        f"AND {_graded_at(at)})"
    )


def any_graded_sql() -> str:
    """SQL: whether any person holding one of the identifiers ``%(identifikatorer)s`` (a
    ``text[]`` literal, ``oppslagslogg.text_array``) is graded at ``%(naa)s``, asked once
    for a whole answer's persons."""
    return "SELECT " + graded_among("%(identifikatorer)s::text[]", "%(naa)s::timestamptz")


async def graded(context: Context, identifier: str) -> bool:
    """Whether the person holding ``identifier`` is graded now."""
    return await _loader(context, "identifikasjonsnummer").load(identifier)


async def person_graded(context: Context, person_id: int) -> bool:
    """Whether Folkeregisteret's person ``person_id`` is graded now."""
    return await _loader(context, "person_id").load(person_id)


def _loader(context: Context, column: str) -> DataLoader[Any, bool]:
    return context.loader(("gradert", column), lambda: DataLoader(partial(_batch, context, column)))


async def _batch(context: Context, column: str, keys: list[Any]) -> list[bool]:
    cast = "bigint[]" if column == "person_id" else "text[]"
    async with context.pool.connection() as conn:
        cursor = await conn.execute(
            f"SELECT DISTINCT ab.{column} FROM {TABLE} ab "
            f"WHERE ab.{column} = ANY(%(keys)s::{cast}) AND {GRADED_NOW}",
            {"keys": keys, "naa": context.now},
        )
        found = {row[0] for row in await cursor.fetchall()}
    return [key in found for key in keys]
