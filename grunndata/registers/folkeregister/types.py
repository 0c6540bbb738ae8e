"""GraphQL types of Folkeregisteret. Field names and enum codes mirror Freg's own.

Every relation (facts, foreldre, barn, ektefelle) goes through per-request DataLoaders:
one SQL statement per relation per level of the request, whatever the number of persons.
Fields a consumer's access may hide later are nullable.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from functools import partial
from typing import Any

import strawberry
from strawberry.dataloader import DataLoader
from strawberry.types import Info

from grunndata.graphql import gradering
from grunndata.graphql.context import Context
from grunndata.graphql.tid import Tidspunkt
from grunndata.registers.folkeregister import queries
from grunndata.registers.folkeregister.adresser import Bostedsadresse, Postadresse
from grunndata.registers.folkeregister.queries import Fakt, Fakta
from grunndata.registers.folkeregister.versjon import Versjon, date, meta, text


@strawberry.type
class Personnavn:
    fornavn: str | None
    mellomnavn: str | None
    etternavn: str | None

    @classmethod
    def of(cls, data: dict[str, Any] | None) -> Personnavn | None:
        if not data:
            return None
        return cls(
            fornavn=data.get("fornavn"),
            mellomnavn=data.get("mellomnavn"),
            etternavn=data.get("etternavn"),
        )


@strawberry.type
class Navn(Personnavn, Versjon):
    @classmethod
    def of_fakt(cls, fakt: Fakt) -> Navn:
        data = fakt.data
        return cls(
            fornavn=data.get("fornavn"),
            mellomnavn=data.get("mellomnavn"),
            etternavn=data.get("etternavn"),
            **meta(fakt),
        )


@strawberry.type
class Sivilstand(Versjon):
    sivilstand: str | None
    sivilstandsdato: dt.date | None
    relatert_ved_sivilstand: strawberry.ID | None
    tid: strawberry.Private[Tidspunkt]

    @strawberry.field(description="The spouse or partner, when in the register.")
    async def ektefelle_eller_partner(self, info: Info[Context, None]) -> Person | None:
        if self.relatert_ved_sivilstand is None:
            return None
        return await info.context.entity("Person", self.relatert_ved_sivilstand, self.tid)

    @classmethod
    def of_fakt(cls, fakt: Fakt, tid: Tidspunkt) -> Sivilstand:
        data = fakt.data
        relatert = data.get("relatertVedSivilstand")
        return cls(
            sivilstand=data.get("sivilstand"),
            sivilstandsdato=date(data.get("sivilstandsdato")),
            relatert_ved_sivilstand=strawberry.ID(relatert) if relatert else None,
            tid=tid,
            **meta(fakt),
        )


@strawberry.type
class Personstatus(Versjon):
    status: str | None


@strawberry.type(description="A related person that has no identifier (e.g. a stillborn child).")
class RelatertPersonUtenIdentifikator:
    navn: Personnavn | None
    foedselsdato: dt.date | None
    kjoenn: str | None
    statsborgerskap: str | None


@strawberry.type
class Familierelasjon(Versjon):
    relatert_persons_rolle: str | None
    min_rolle_for_person: str | None
    relatert_person: strawberry.ID | None
    relatert_person_uten_folkeregisteridentifikator: RelatertPersonUtenIdentifikator | None
    tid: strawberry.Private[Tidspunkt]

    @strawberry.field(description="The related person, when in the register.")
    async def person(self, info: Info[Context, None]) -> Person | None:
        if self.relatert_person is None:
            return None
        return await info.context.entity("Person", self.relatert_person, self.tid)

    @classmethod
    def of_fakt(cls, fakt: Fakt, tid: Tidspunkt) -> Familierelasjon:
        data = fakt.data
        uten = data.get("relatertPersonUtenFolkeregisteridentifikator")
        relatert = data.get("relatertPerson")
        return cls(
            relatert_persons_rolle=data.get("relatertPersonsRolle"),
            min_rolle_for_person=data.get("minRolleForPerson"),
            relatert_person=strawberry.ID(relatert) if relatert else None,
            relatert_person_uten_folkeregisteridentifikator=RelatertPersonUtenIdentifikator(
                navn=Personnavn.of(uten.get("navn")),
                foedselsdato=date(uten.get("foedselsdato")),
                kjoenn=uten.get("kjoenn"),
                statsborgerskap=text(uten.get("statsborgerskap")),
            )
            if isinstance(uten, dict)
            else None,
            tid=tid,
            **meta(fakt),
        )


@strawberry.type
class Foreldreansvar(Versjon):
    ansvar: str | None
    ansvarlig: strawberry.ID | None
    ansvarssubjekt: strawberry.ID | None


@strawberry.type
class Identifikator:
    identifikasjonsnummer: strawberry.ID
    identifikatortype: str | None
    status: str | None


@strawberry.type(
    description="Every version of a fact as the register knows it (at the asked "
    "ajourholdstidspunkt), whatever its valid time."
)
class Historikk:
    navn: list[Navn]
    bostedsadresse: list[Bostedsadresse] | None = strawberry.field(
        description="Null (FORBIDDEN) for a protected address without the scope for it."
    )
    sivilstand: list[Sivilstand]
    status: list[Personstatus]
    subject: strawberry.Private[Person]

    async def adressebeskyttet(self, info: Info[Context, None]) -> bool:
        """Access-control hook (``grunndata.graphql.access``): the subject's grading."""
        return await self.subject.adressebeskyttet(info)


PARENT_ROLES = ("far", "mor", "medmor")


@strawberry.type(description="A person in Folkeregisteret, as of the asked instants.")
class Person:
    person_id: strawberry.Private[int]
    oppslag: strawberry.Private[str]
    tid: strawberry.Private[Tidspunkt]

    async def _fakta(self, info: Info[Context, None]) -> Fakta:
        return await _fakta(info.context, self.tid, self.person_id)

    async def adressebeskyttet(self, info: Info[Context, None]) -> bool:
        """Access-control hook (``grunndata.graphql.access``): whether the person's address
        is graded *now* (fortrolig, strengtFortrolig, ...), whatever instant was asked: as
        every process and the SQL forms read it, from felles.adressebeskyttelse."""
        return await gradering.person_graded(info.context, self.person_id)

    async def person_identifier(self, context: Context) -> str:
        """Access-control hook: the identifier the lookup log records (the one in use)."""
        fakta = await _fakta(context, self.tid, self.person_id)
        current = _current([f.data for f in fakta.get("identifikasjonsnummer", [])])
        if current and current.get("foedselsEllerDNummer"):
            return str(current["foedselsEllerDNummer"])
        return self.oppslag or f"person:{self.person_id}"

    async def person_identifiers(self, context: Context) -> list[str]:
        """Lookup-log hook: every identifier the person has held (a D-nummer replaced by a
        fødselsnummer too), the one in use first."""
        fakta = await _fakta(context, self.tid, self.person_id)
        held = [str(f.data["foedselsEllerDNummer"]) for f in fakta.get("identifikasjonsnummer", [])
                if f.data.get("foedselsEllerDNummer")]  # fmt: skip
        return list(dict.fromkeys([await self.person_identifier(context), *held]))

    async def _one(self, info: Info[Context, None], element: str) -> Fakt | None:
        versions = (await self._fakta(info)).get(element, [])
        return versions[-1] if versions else None

    async def _data(self, info: Info[Context, None], element: str) -> dict[str, Any]:
        fakt = await self._one(info, element)
        return fakt.data if fakt else {}

    async def _identifikatorer(self, info: Info[Context, None]) -> list[dict[str, Any]]:
        return [f.data for f in (await self._fakta(info)).get("identifikasjonsnummer", [])]

    async def key_identifikasjonsnummer(self, info: Info[Context, None]) -> str:
        """The entity key other registers' links read (``graphql.lenker.key_of``)."""
        current = _current(await self._identifikatorer(info))
        return current.get("foedselsEllerDNummer", self.oppslag) if current else self.oppslag

    @strawberry.field(
        description="The identifier in use now (a D-nummer replaced by a "
        "fødselsnummer answers with the fødselsnummer)."
    )
    async def identifikasjonsnummer(self, info: Info[Context, None]) -> strawberry.ID:
        return strawberry.ID(await self.key_identifikasjonsnummer(info))

    @strawberry.field
    async def identifikatortype(self, info: Info[Context, None]) -> str | None:
        current = _current(await self._identifikatorer(info))
        return current.get("identifikatortype") if current else None

    @strawberry.field(description="Every identifier the person has held, with its status.")
    async def identifikatorer(self, info: Info[Context, None]) -> list[Identifikator] | None:
        return [
            Identifikator(
                identifikasjonsnummer=strawberry.ID(d.get("foedselsEllerDNummer", "")),
                identifikatortype=d.get("identifikatortype"),
                status=d.get("status"),
            )
            for d in await self._identifikatorer(info)
        ]

    @strawberry.field
    async def navn(self, info: Info[Context, None]) -> Navn | None:
        fakt = await self._one(info, "navn")
        return Navn.of_fakt(fakt) if fakt else None

    @strawberry.field
    async def foedselsdato(self, info: Info[Context, None]) -> dt.date | None:
        return date((await self._data(info, "foedsel")).get("foedselsdato"))

    @strawberry.field
    async def foedselsaar(self, info: Info[Context, None]) -> int | None:
        return (await self._data(info, "foedsel")).get("foedselsaar")

    @strawberry.field
    async def kjoenn(self, info: Info[Context, None]) -> str | None:
        return (await self._data(info, "kjoenn")).get("kjoenn")

    @strawberry.field(description="bosatt, utflyttet, doed, forsvunnet, opphoert, ...")
    async def status(self, info: Info[Context, None]) -> str | None:
        return (await self._data(info, "status")).get("status")

    @strawberry.field
    async def doedsdato(self, info: Info[Context, None]) -> dt.date | None:
        return date((await self._data(info, "doedsfall")).get("doedsdato"))

    @strawberry.field
    async def bostedsadresse(self, info: Info[Context, None]) -> Bostedsadresse | None:
        fakt = await self._one(info, "bostedsadresse")
        return Bostedsadresse.of_fakt(fakt) if fakt else None

    @strawberry.field
    async def oppholdsadresse(self, info: Info[Context, None]) -> Bostedsadresse | None:
        fakt = await self._one(info, "oppholdsadresse")
        return Bostedsadresse.of_fakt(fakt) if fakt else None

    @strawberry.field(
        description="Where post goes. For a person whose address is graded, without scope "
        "folkeregister/adressebeskyttelse only a cover address (aarsak Adressebeskyttelse) "
        "is answered."
    )
    async def postadresse(self, info: Info[Context, None]) -> Postadresse | None:
        fakt = await self._one(info, "postadresse")
        return Postadresse.of_fakt(fakt) if fakt else None

    @strawberry.field
    async def sivilstand(self, info: Info[Context, None]) -> Sivilstand | None:
        fakt = await self._one(info, "sivilstand")
        return Sivilstand.of_fakt(fakt, self.tid) if fakt else None

    @strawberry.field
    async def familierelasjoner(self, info: Info[Context, None]) -> list[Familierelasjon] | None:
        versions = (await self._fakta(info)).get("familierelasjon", [])
        return [Familierelasjon.of_fakt(fakt, self.tid) for fakt in versions]

    async def _related(self, info: Info[Context, None], roles: tuple[str, ...]) -> list[Person]:
        versions = (await self._fakta(info)).get("familierelasjon", [])
        numbers = [
            f.data["relatertPerson"]
            for f in versions
            if f.data.get("relatertPersonsRolle") in roles and f.data.get("relatertPerson")
        ]
        found = await asyncio.gather(
            *(info.context.entity("Person", number, self.tid) for number in numbers)
        )
        return [person for person in found if person is not None]

    @strawberry.field(description="Parents in the register (far, mor, medmor).")
    async def foreldre(self, info: Info[Context, None]) -> list[Person] | None:
        return await self._related(info, PARENT_ROLES)

    @strawberry.field(description="Children in the register.")
    async def barn(self, info: Info[Context, None]) -> list[Person] | None:
        return await self._related(info, ("barn",))

    @strawberry.field
    async def foreldreansvar(self, info: Info[Context, None]) -> list[Foreldreansvar] | None:
        return [
            Foreldreansvar(
                ansvar=f.data.get("ansvar"),
                ansvarlig=f.data.get("ansvarlig"),
                ansvarssubjekt=f.data.get("ansvarssubjekt"),
                **meta(f),
            )
            for f in (await self._fakta(info)).get("foreldreansvar", [])
        ]

    @strawberry.field(description="graderingsnivaa: ugradert, fortrolig, strengtFortrolig, ...")
    async def adressebeskyttelse(self, info: Info[Context, None]) -> str | None:
        return (await self._data(info, "adressebeskyttelse")).get("graderingsnivaa")

    @strawberry.field(description="Citizenships (ISO 3166 alpha-3).")
    async def statsborgerskap(self, info: Info[Context, None]) -> list[str] | None:
        versions = (await self._fakta(info)).get("statsborgerskap", [])
        return sorted(
            {str(f.data["statsborgerskap"]) for f in versions if f.data.get("statsborgerskap")}
        )

    @strawberry.field(description="Every version of navn, bostedsadresse, sivilstand and status.")
    async def historikk(self, info: Info[Context, None]) -> Historikk | None:
        registrert = self.tid.registrert
        loader = info.context.loader(
            ("folkeregister.historikk", registrert),
            lambda: DataLoader(partial(queries.historikk, info.context.pool, registrert)),
        )
        fakta = await loader.load(self.person_id)
        return Historikk(
            navn=[Navn.of_fakt(f) for f in fakta.get("navn", [])],
            bostedsadresse=[Bostedsadresse.of_fakt(f) for f in fakta.get("bostedsadresse", [])],
            sivilstand=[Sivilstand.of_fakt(f, self.tid) for f in fakta.get("sivilstand", [])],
            status=[
                Personstatus(status=f.data.get("status"), **meta(f))
                for f in fakta.get("status", [])
            ],
            subject=self,
        )


async def _fakta(context: Context, tid: Tidspunkt, person_id: int) -> Fakta:
    loader = context.loader(
        ("folkeregister.fakta", tid),
        lambda: DataLoader(partial(queries.fakta, context.pool, tid)),
    )
    return await loader.load(person_id)


def _current(identifiers: list[dict[str, Any]]) -> dict[str, Any] | None:
    in_use = [d for d in identifiers if d.get("status") == "iBruk"]
    in_use.sort(key=lambda d: d.get("identifikatortype") == "foedselsnummer")
    return in_use[-1] if in_use else None


async def person_batch(context: Context, tid: Tidspunkt, keys: list[str]) -> list[Person | None]:
    """The ``"Person"`` entity batch: persons by any identifier they held, in key order."""
    found = await queries.person_ids(context.pool, tid, keys)
    return [
        Person(person_id=found[key], oppslag=key, tid=tid) if key in found else None for key in keys
    ]
