"""The register's root fields: ``kontaktinformasjon`` (one person) and
``kontaktinformasjoner`` (up to 1 000, in input order), at the asked moment."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from grunndata.graphql.context import Context
from grunndata.graphql.keylist import MAX_KEYS, in_input_order
from grunndata.graphql.tid import Ajourholdstidspunkt, Gyldighetstidspunkt, tidspunkt
from grunndata.identifiers import parse_person_id
from grunndata.registers.kontaktregister.types import Kontaktinformasjon, load_kontakter


def _number(value: str) -> str:
    return parse_person_id(value).value


@strawberry.type
class KontaktregisterQuery:
    @strawberry.field(
        description="A person's entry in KRR by fødselsnummer or D-nummer; null when KRR "
        "has none (at the asked moment)."
    )
    async def kontaktinformasjon(
        self,
        info: Info[Context, None],
        identifikasjonsnummer: strawberry.ID,
        gyldighetstidspunkt: Gyldighetstidspunkt = None,
        ajourholdstidspunkt: Ajourholdstidspunkt = None,
    ) -> Kontaktinformasjon | None:
        tid = tidspunkt(info, gyldighetstidspunkt, ajourholdstidspunkt)
        return (await load_kontakter(info, tid, [_number(identifikasjonsnummer)]))[0]

    @strawberry.field(
        description=f"Up to {MAX_KEYS} persons' entries by identifier, in input order; "
        "null for a person KRR has no entry for, and null with an INVALID_IDENTIFIER error "
        "at its index for a malformed identifier."
    )
    async def kontaktinformasjoner(
        self,
        info: Info[Context, None],
        identifikasjonsnummer: list[strawberry.ID],
        gyldighetstidspunkt: Gyldighetstidspunkt = None,
        ajourholdstidspunkt: Ajourholdstidspunkt = None,
    ) -> list[Kontaktinformasjon | None] | None:
        tid = tidspunkt(info, gyldighetstidspunkt, ajourholdstidspunkt)

        async def fetch(numbers: list[str]) -> list[Kontaktinformasjon | None]:
            return await load_kontakter(info, tid, numbers)

        return await in_input_order(identifikasjonsnummer, _number, fetch)  # type: ignore[return-value]
