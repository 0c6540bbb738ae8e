"""Root fields of Folkeregisteret: ``person``, ``personer`` and ``personsoek``."""

from __future__ import annotations

import asyncio
import datetime as dt

import strawberry
from strawberry.types import Info

from grunndata.errors import InvalidArgument, NotFound, NotUnique
from grunndata.graphql.context import Context
from grunndata.graphql.keylist import MAX_KEYS, in_input_order
from grunndata.graphql.tid import Ajourholdstidspunkt, Gyldighetstidspunkt, tidspunkt
from grunndata.identifiers import parse_person_id
from grunndata.registers.folkeregister import queries
from grunndata.registers.folkeregister.types import Person


def _number(value: str) -> str:
    return parse_person_id(value).value


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
        description=f"Up to {MAX_KEYS} persons by identifier, in input order; "
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
        tid = tidspunkt(info, gyldighetstidspunkt, ajourholdstidspunkt)

        async def fetch(numbers: list[str]) -> list[Person | None]:
            return await asyncio.gather(*(info.context.entity("Person", n, tid) for n in numbers))

        return await in_input_order(identifikasjonsnummer, _number, fetch)  # type: ignore[return-value]

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
