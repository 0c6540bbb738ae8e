"""Root fields of Folkeregisteret: ``person``, ``personer`` and ``personsoek``."""

from __future__ import annotations

import asyncio
import datetime as dt

import strawberry
from strawberry.types import Info

from grunndata.errors import InvalidArgument, NotFound, NotUnique
from grunndata.graphql.context import Context
from grunndata.graphql.tid import Ajourholdstidspunkt, Gyldighetstidspunkt, tidspunkt
from grunndata.identifiers import InvalidIdentifier, parse_person_id
from grunndata.registers.folkeregister import queries
from grunndata.registers.folkeregister.types import Person

MAX_PERSONER = 1000


async def _failed(error: Exception) -> None:
    raise error


@strawberry.type
class FolkeregisterQuery:
    @strawberry.field(
        description="A person by any identifier they ever held (fødselsnummer, "
        "D-nummer); null when unknown."
    )
    async def person(
        self,
        info: Info[Context, None],
        identifikasjonsnummer: strawberry.ID,
        gyldighetstidspunkt: Gyldighetstidspunkt = None,
        ajourholdstidspunkt: Ajourholdstidspunkt = None,
    ) -> Person | None:
        number = parse_person_id(identifikasjonsnummer).value
        tid = tidspunkt(info, gyldighetstidspunkt, ajourholdstidspunkt)
        return await info.context.entity("Person", number, tid)

    @strawberry.field(
        description=f"Up to {MAX_PERSONER} persons by identifier, in input order; "
        "null for an unknown one, and null with an INVALID_IDENTIFIER error at its index "
        "for a malformed one."
    )
    async def personer(
        self,
        info: Info[Context, None],
        identifikasjonsnummer: list[strawberry.ID],
        gyldighetstidspunkt: Gyldighetstidspunkt = None,
        ajourholdstidspunkt: Ajourholdstidspunkt = None,
    ) -> list[Person | None] | None:
        if len(identifikasjonsnummer) > MAX_PERSONER:
            raise InvalidArgument(
                f"at most {MAX_PERSONER} identifiers per call, got {len(identifikasjonsnummer)}"
            )
        tid = tidspunkt(info, gyldighetstidspunkt, ajourholdstidspunkt)
        numbers: list[str | InvalidIdentifier] = []
        for value in identifikasjonsnummer:
            try:
                numbers.append(parse_person_id(value).value)
            except InvalidIdentifier as exc:
                numbers.append(exc)
        found = iter(
            await asyncio.gather(
                *(info.context.entity("Person", n, tid) for n in numbers if isinstance(n, str))
            )
        )
        # A malformed entry is null with its error at its index (graphql completes the
        # list's items one by one); the others are answered, fetched in one batch.
        return [next(found) if isinstance(n, str) else _failed(n) for n in numbers]

    @strawberry.field(
        description="Freg's unambiguous search: the one person with this name "
        "(current or historic) and birth date; otherwise null with error "
        "NOT_FOUND or NOT_UNIQUE."
    )
    async def personsoek(
        self, info: Info[Context, None], navn: str, foedselsdato: dt.date
    ) -> Person | None:
        if not navn.strip():
            raise InvalidArgument("navn is empty")
        found = await queries.personsoek(info.context.pool, navn, foedselsdato)
        if not found:
            raise NotFound(f"no person named {navn!r} born {foedselsdato.isoformat()}")
        if len(found) > 1:
            raise NotUnique(
                f"several persons named {navn!r} born {foedselsdato.isoformat()}: "
                "the search does not identify one person"
            )
        tid = tidspunkt(info, None, None)
        return Person(person_id=found[0], oppslag="", tid=tid)
