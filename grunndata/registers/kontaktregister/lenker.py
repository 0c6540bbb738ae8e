"""What KRR adds to Folkeregisteret's persons: ``Person.kontaktinformasjon``."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from grunndata.graphql.context import Context
from grunndata.graphql.lenker import key_of, link_tid
from grunndata.graphql.tid import Ajourholdstidspunkt, Gyldighetstidspunkt
from grunndata.registers.base import TypeExtension
from grunndata.registers.kontaktregister.types import Kontaktinformasjon, load_kontakter


@strawberry.type
class PersonKontaktinformasjon:
    """``Person.kontaktinformasjon``: reads only ``identifikasjonsnummer`` from the person."""

    @strawberry.field(
        description="The person's entry in Kontakt- og reservasjonsregisteret (KRR), by "
        "their current identifier, at the asked instants (default: now); null when KRR has "
        "none."
    )
    async def kontaktinformasjon(
        self,
        info: Info[Context, None],
        gyldighetstidspunkt: Gyldighetstidspunkt = None,
        ajourholdstidspunkt: Ajourholdstidspunkt = None,
    ) -> Kontaktinformasjon | None:
        tid = link_tid(info, gyldighetstidspunkt, ajourholdstidspunkt)
        nummer = await key_of(self, "identifikasjonsnummer", info)
        if nummer is None:
            return None
        return (await load_kontakter(info, tid, [nummer]))[0]


EXTENSIONS = (TypeExtension("Person", PersonKontaktinformasjon, key="identifikasjonsnummer"),)
