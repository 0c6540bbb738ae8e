"""The lookup log: every person a request returned, written once per request, append-only.

``write`` runs after the response is built and before it is sent: one INSERT for all the
persons of the request (``felles.oppslagslogg``, which the application role may only
INSERT into and SELECT from). Reading it: ``oppslagslogg`` (scope ``tilsyn``: any
person's log) and ``mineOppslag`` (a citizen's token with ``pid``: who looked me up).
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any

import strawberry
from psycopg.rows import dict_row
from psycopg_pool import AsyncConnectionPool
from strawberry.types import Info

from grunndata.errors import Forbidden, InvalidArgument, Unauthenticated
from grunndata.graphql.auth import Principal
from grunndata.graphql.context import Context
from grunndata.graphql.tid import aware
from grunndata.identifiers import parse_person_id

MAX_ROWS = 1000
OPERATION_NAME = re.compile(r"\b(query|mutation|subscription)\s+([_A-Za-z][_0-9A-Za-z]*)")
ENHET_TYPES = "grunndata.registers.enhetsregister.types"


async def write(context: Context, *, operation: str | None, behandlingsgrunnlag: str | None) -> int:
    """Log the persons ``context``'s request returned: one statement; how many rows."""
    if not context.lookups:
        return 0
    found = await context.lookups.identified(context)
    return await write_found(
        context.pool,
        found,
        principal=context.principal,
        now=context.now,
        request_id=context.request_id,
        operation=operation,
        behandlingsgrunnlag=behandlingsgrunnlag,
    )


async def write_found(
    pool: AsyncConnectionPool,
    found: list[tuple[str, list[str]]],
    *,
    principal: Principal,
    now: dt.datetime,
    request_id: str,
    operation: str | None,
    behandlingsgrunnlag: str | None,
) -> int:
    """Log ``found`` (identifier, sorted field groups): one statement, whichever path
    (resolvers or SQL forms) answered; how many rows."""
    if not found:
        return 0
    async with pool.connection() as conn:
        await conn.execute(
            """INSERT INTO felles.oppslagslogg (tidspunkt, konsument, scopes, pid,
                   identifikasjonsnummer, feltgrupper, operasjon, request_id,
                   behandlingsgrunnlag)
               SELECT %(tidspunkt)s, %(konsument)s, %(scopes)s, %(pid)s, nummer,
                   string_to_array(grupper, ','), %(operasjon)s, %(request_id)s,
                   %(behandlingsgrunnlag)s
               FROM unnest(%(numre)s::text[], %(grupper)s::text[]) AS p(nummer, grupper)""",
            {
                "tidspunkt": now,
                "konsument": principal.orgnr,
                "scopes": sorted(principal.scopes),
                "pid": principal.pid,
                "numre": [number for number, _ in found],
                "grupper": [",".join(groups) for _, groups in found],
                "operasjon": operation,
                "request_id": request_id,
                "behandlingsgrunnlag": behandlingsgrunnlag,
            },
        )
    return len(found)


def operation_name(given: Any, query: str | None) -> str | None:
    """The operation the log names: the request's ``operationName``, else the name of the
    (first) operation in ``query``."""
    if isinstance(given, str) and given:
        return given
    found = OPERATION_NAME.search(query or "")
    return found.group(2) if found else None


@strawberry.type(description="One lookup of a person: who, when, why and what they got.")
class Oppslag:
    tidspunkt: dt.datetime
    identifikasjonsnummer: strawberry.ID
    konsument: str | None = strawberry.field(
        description="The consumer's organisasjonsnummer (the token's consumer.ID)."
    )
    scopes: list[str]
    feltgrupper: list[str] = strawberry.field(
        description="Which field groups were returned: identitet, personopplysninger, adresse."
    )
    operasjon: str | None = strawberry.field(description="The GraphQL operation name.")
    request_id: str
    behandlingsgrunnlag: str | None = strawberry.field(
        description="The purpose the consumer gave (the Behandlingsgrunnlag header)."
    )

    @strawberry.field(description="The consumer's unit in Enhetsregisteret (its name).")
    async def enhet(
        self, info: Info[Context, None]
    ) -> Annotated["Enhet", strawberry.lazy(ENHET_TYPES)] | None:  # noqa: F821, UP037
        if self.konsument is None:
            return None
        return await info.context.entity("Enhet", self.konsument)


async def _read(
    context: Context, number: str, fra: dt.datetime | None, til: dt.datetime | None
) -> list[Oppslag]:
    if fra is not None and til is not None and aware(fra) > aware(til):
        raise InvalidArgument("fra is after til")
    async with context.pool.connection() as conn:
        cursor = await conn.cursor(row_factory=dict_row).execute(
            """SELECT tidspunkt, identifikasjonsnummer, konsument, scopes, feltgrupper,
                      operasjon, request_id, behandlingsgrunnlag
               FROM felles.oppslagslogg
               WHERE identifikasjonsnummer = %(number)s
                 AND (%(fra)s::timestamptz IS NULL OR tidspunkt >= %(fra)s)
                 AND (%(til)s::timestamptz IS NULL OR tidspunkt < %(til)s)
               ORDER BY tidspunkt DESC, id DESC LIMIT %(limit)s""",
            {
                "number": number,
                "fra": aware(fra) if fra else None,
                "til": aware(til) if til else None,
                "limit": MAX_ROWS,
            },
        )
        rows: list[dict[str, Any]] = await cursor.fetchall()
    return [Oppslag(**row) for row in rows]


@strawberry.type
class OppslagsloggQuery:
    @strawberry.field(
        description=f"Who looked up this person (newest first, at most {MAX_ROWS}); "
        "needs scope tilsyn."
    )
    async def oppslagslogg(
        self,
        info: Info[Context, None],
        identifikasjonsnummer: strawberry.ID,
        fra: dt.datetime | None = None,
        til: dt.datetime | None = None,
    ) -> list[Oppslag] | None:
        number = parse_person_id(identifikasjonsnummer).value
        return await _read(info.context, number, fra, til)

    @strawberry.field(
        description="Who looked me up (newest first): needs a citizen's token (with pid)."
    )
    async def mine_oppslag(
        self,
        info: Info[Context, None],
        fra: dt.datetime | None = None,
        til: dt.datetime | None = None,
    ) -> list[Oppslag] | None:
        principal = info.context.principal
        if not principal.authenticated:
            raise Unauthenticated("mineOppslag needs a citizen's bearer token (with pid).")
        if principal.pid is None:
            raise Forbidden("mineOppslag needs a citizen's token: this one has no pid.")
        return await _read(info.context, principal.pid, fra, til)
