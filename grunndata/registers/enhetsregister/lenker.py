"""What Enhetsregisteret adds to the other registers' entities (``Person.roller`` and
``Adresse.enheter``) and to the lookup log (``Oppslag.enhet``)."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from grunndata.graphql.context import Context
from grunndata.graphql.lenker import key_of, link_tid
from grunndata.graphql.tid import Ajourholdstidspunkt, Gyldighetstidspunkt
from grunndata.registers.base import TypeExtension
from grunndata.registers.enhetsregister import queries
from grunndata.registers.enhetsregister.types import Enhet, Rolle, _loader


@strawberry.type
class PersonRoller:
    """``Person.roller``: reads only ``identifikasjonsnummer`` from the person."""

    @strawberry.field(
        description="The roles the person holds in units (daglig leder, styre, ...) at the "
        "asked instants (default: now), resigned ones left out; matched by fødselsnummer, "
        "which only Brønnøysund's authorised role data carries."
    )
    async def roller(
        self,
        info: Info[Context, None],
        gyldighetstidspunkt: Gyldighetstidspunkt = None,
        ajourholdstidspunkt: Ajourholdstidspunkt = None,
    ) -> list[Rolle] | None:
        tid = link_tid(info, gyldighetstidspunkt, ajourholdstidspunkt)
        nummer = await key_of(self, "identifikasjonsnummer", info)
        if nummer is None:
            return []
        loader = _loader(info, "enhetsregister.personroller", tid, queries.roller_for_personer)
        return [Rolle.of(row, tid) for row in await loader.load(nummer)]


@strawberry.type
class AdresseEnheter:
    """``Adresse.enheter``: reads only ``normalisert_postadresse`` from the address."""

    @strawberry.field(
        description="The units whose forretningsadresse or beliggenhetsadresse is this "
        "address (by normalised postal form) at the asked instants (default: now)."
    )
    async def enheter(
        self,
        info: Info[Context, None],
        gyldighetstidspunkt: Gyldighetstidspunkt = None,
        ajourholdstidspunkt: Ajourholdstidspunkt = None,
    ) -> list[Enhet]:
        tid = link_tid(info, gyldighetstidspunkt, ajourholdstidspunkt)
        form = await key_of(self, "normalisert_postadresse", info)
        if form is None:
            return []
        loader = _loader(info, "enhetsregister.adresseenheter", tid, queries.enheter_ved_adresser)
        return [Enhet.of(row, tid) for row in await loader.load(form)]


@strawberry.type
class OppslagEnhet:
    """``Oppslag.enhet``: reads only ``konsument`` from the lookup log's entry."""

    @strawberry.field(description="The consumer's unit in Enhetsregisteret (its name).")
    async def enhet(self, info: Info[Context, None]) -> Enhet | None:
        konsument = getattr(self, "konsument", None)
        if konsument is None:
            return None
        return await info.context.entity("Enhet", konsument)


#: The lookup log's links (``Register.log_links``).
LOG_LINKS = (OppslagEnhet,)

EXTENSIONS = (
    TypeExtension("Person", PersonRoller, key="identifikasjonsnummer"),
    TypeExtension("Adresse", AdresseEnheter, key="normalisertPostadresse"),
)
