"""What Folkeregisteret adds to the other registers' entities: ``Adresse.beboere``."""

from __future__ import annotations

from functools import partial

import strawberry
from strawberry.dataloader import DataLoader
from strawberry.types import Info

from grunndata.graphql.context import Context
from grunndata.graphql.lenker import link_tid
from grunndata.graphql.tid import Ajourholdstidspunkt, Gyldighetstidspunkt
from grunndata.registers.base import TypeExtension
from grunndata.registers.folkeregister import queries
from grunndata.registers.folkeregister.types import Person
from grunndata.registers.lenker import FolkeregisterNoekkel

#: The address's attributes ``beboere`` reads (the GraphQL names are their camel case).
REQUIRED = ("adresse_id", "kommunenummer", "adressekode", "nummer", "bokstav", "undernummer")


@strawberry.type
class AdresseBeboere:
    """``Adresse.beboere``: reads only the fields that name the address the way a Freg
    address does (``REQUIRED``; ``FolkeregisterNoekkel``). Not the key a reference carries:
    a Freg address's reference may lack the id the Matrikkel address has (the federation
    subgraph ``@requires`` these fields from Matrikkelen)."""

    @strawberry.field(
        description="The persons whose bostedsadresse is this address (its "
        "adresseIdentifikatorFraMatrikkelen, or without one its vegadresse's kode) at the "
        "asked instants (default: now), as of those instants."
    )
    async def beboere(
        self,
        info: Info[Context, None],
        gyldighetstidspunkt: Gyldighetstidspunkt = None,
        ajourholdstidspunkt: Ajourholdstidspunkt = None,
    ) -> list[Person] | None:
        tid = link_tid(info, gyldighetstidspunkt, ajourholdstidspunkt)
        adresse = FolkeregisterNoekkel.of_matrikkeladresse(
            *(getattr(self, name, None) for name in REQUIRED)
        )
        if adresse is None:
            return []
        loader = info.context.loader(
            ("folkeregister.beboere", tid),
            lambda: DataLoader(partial(queries.beboere, info.context.pool, tid)),
        )
        found = await loader.load(adresse)
        return [Person(person_id=pid, oppslag=nummer, tid=tid) for pid, nummer in found]


EXTENSIONS = (
    TypeExtension(
        "Adresse",
        AdresseBeboere,
        key="folkeregisternoekkel",
        requires="adresseId kommunenummer adressekode nummer bokstav undernummer",
    ),
)
