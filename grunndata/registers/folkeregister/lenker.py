"""What Folkeregisteret adds to the other registers' entities: ``Adresse.beboere``."""

from __future__ import annotations

from functools import partial

import strawberry
from strawberry.dataloader import DataLoader
from strawberry.types import Info

from grunndata.graphql.context import Context
from grunndata.graphql.lenker import key_of, link_tid
from grunndata.graphql.tid import Ajourholdstidspunkt, Gyldighetstidspunkt
from grunndata.registers.base import TypeExtension
from grunndata.registers.folkeregister import queries
from grunndata.registers.folkeregister.types import Person


@strawberry.type
class AdresseBeboere:
    """``Adresse.beboere``: reads only ``adresse_id`` from the address."""

    @strawberry.field(
        description="The persons whose bostedsadresse is this address (its "
        "adresseIdentifikatorFraMatrikkelen) at the asked instants (default: now), as of "
        "those instants."
    )
    async def beboere(
        self,
        info: Info[Context, None],
        gyldighetstidspunkt: Gyldighetstidspunkt = None,
        ajourholdstidspunkt: Ajourholdstidspunkt = None,
    ) -> list[Person]:
        tid = link_tid(info, gyldighetstidspunkt, ajourholdstidspunkt)
        adresse_id = await key_of(self, "adresse_id", info)
        if adresse_id is None:
            return []
        loader = info.context.loader(
            ("folkeregister.beboere", tid),
            lambda: DataLoader(partial(queries.beboere, info.context.pool, tid)),
        )
        found = await loader.load(adresse_id)
        return [Person(person_id=pid, oppslag=nummer, tid=tid) for pid, nummer in found]


EXTENSIONS = (TypeExtension("Adresse", AdresseBeboere, key="adresseId"),)
