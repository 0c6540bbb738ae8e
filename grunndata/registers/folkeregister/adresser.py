"""GraphQL types of Freg's addresses: bostedsadresse, oppholdsadresse and postadresse."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

import strawberry
from strawberry.types import Info

from grunndata.graphql.context import Context
from grunndata.registers.folkeregister.queries import Fakt
from grunndata.registers.folkeregister.versjon import Versjon, date, meta, text
from grunndata.registers.lenker import ADRESSE_BY_FOLKEREGISTERNOEKKEL, FolkeregisterNoekkel

#: Matrikkelen's address type, reached lazily (never imported) and through Context.entity.
AdresseRef = Annotated["Adresse", strawberry.lazy("grunndata.registers.matrikkel.types")]  # noqa: F821


@strawberry.type
class Adressenummer:
    husnummer: str | None
    husbokstav: str | None


@strawberry.type
class Poststed:
    postnummer: str | None
    poststedsnavn: str | None


def _poststed(data: dict[str, Any] | None) -> Poststed | None:
    if not data:
        return None
    return Poststed(postnummer=data.get("postnummer"), poststedsnavn=data.get("poststedsnavn"))


@strawberry.type
class Vegadresse:
    adressenavn: str | None
    adressenummer: Adressenummer | None
    adressekode: str | None
    kommunenummer: str | None
    bruksenhetsnummer: str | None
    adressetilleggsnavn: str | None
    co_adressenavn: str | None
    poststed: Poststed | None

    @classmethod
    def of(cls, data: dict[str, Any] | None) -> Vegadresse | None:
        if not data:
            return None
        nummer = data.get("adressenummer") or {}
        return cls(
            adressenavn=data.get("adressenavn"),
            adressenummer=Adressenummer(
                husnummer=text(nummer.get("husnummer")), husbokstav=nummer.get("husbokstav")
            )
            if nummer
            else None,
            adressekode=text(data.get("adressekode")),
            kommunenummer=data.get("kommunenummer"),
            bruksenhetsnummer=data.get("bruksenhetsnummer"),
            adressetilleggsnavn=data.get("adressetilleggsnavn"),
            co_adressenavn=data.get("coAdressenavn"),
            poststed=_poststed(data.get("poststed")),
        )


@strawberry.type
class Matrikkelnummer:
    kommunenummer: str | None
    gaardsnummer: int | None
    bruksnummer: int | None
    festenummer: int | None


@strawberry.type
class Matrikkeladresse:
    matrikkelnummer: Matrikkelnummer | None
    undernummer: int | None
    bruksenhetsnummer: str | None
    adressetilleggsnavn: str | None
    poststed: Poststed | None

    @classmethod
    def of(cls, data: dict[str, Any] | None) -> Matrikkeladresse | None:
        if not data:
            return None
        nummer = data.get("matrikkelnummer") or {}
        return cls(
            matrikkelnummer=Matrikkelnummer(
                kommunenummer=nummer.get("kommunenummer"),
                gaardsnummer=nummer.get("gaardsnummer"),
                bruksnummer=nummer.get("bruksnummer"),
                festenummer=nummer.get("festenummer"),
            )
            if nummer
            else None,
            undernummer=data.get("undernummer"),
            bruksenhetsnummer=data.get("bruksenhetsnummer"),
            adressetilleggsnavn=data.get("adressetilleggsnavn"),
            poststed=_poststed(data.get("poststed")),
        )


@strawberry.type
class UkjentBosted:
    bostedskommune: str | None


@strawberry.type(description="Where the person lives (bostedsadresse) or stays (oppholdsadresse).")
class Bostedsadresse(Versjon):
    vegadresse: Vegadresse | None
    matrikkeladresse: Matrikkeladresse | None
    ukjent_bosted: UkjentBosted | None
    adresse_identifikator_fra_matrikkelen: str | None = strawberry.field(
        description="The address's adresseId in Matrikkelen."
    )
    adressegradering: str | None
    flyttedato: dt.date | None

    @strawberry.field(
        description="This address in Matrikkelen, as it is now: by "
        "adresseIdentifikatorFraMatrikkelen, else a vegadresse's kommunenummer, adressekode, "
        "husnummer and husbokstav. Null when no (single) address matches."
    )
    async def adresse_i_matrikkelen(self, info: Info[Context, None]) -> AdresseRef | None:
        key = self.folkeregisternoekkel()
        if key is None:
            return None
        return await info.context.entity(ADRESSE_BY_FOLKEREGISTERNOEKKEL, key.text)

    def folkeregisternoekkel(self) -> FolkeregisterNoekkel | None:
        """How this address names its Matrikkel address (None: it cannot)."""
        vei = self.vegadresse
        nummer = vei and vei.adressenummer
        return FolkeregisterNoekkel.of(
            self.adresse_identifikator_fra_matrikkelen,
            vei and vei.kommunenummer,
            vei and vei.adressekode,
            nummer and nummer.husnummer,
            nummer and nummer.husbokstav,
        )

    @classmethod
    def of_fakt(cls, fakt: Fakt) -> Bostedsadresse:
        data = fakt.data
        ukjent = data.get("ukjentBosted")
        return cls(
            vegadresse=Vegadresse.of(data.get("vegadresse")),
            matrikkeladresse=Matrikkeladresse.of(data.get("matrikkeladresse")),
            ukjent_bosted=UkjentBosted(bostedskommune=ukjent.get("bostedskommune"))
            if isinstance(ukjent, dict)
            else None,
            adresse_identifikator_fra_matrikkelen=text(
                data.get("adresseIdentifikatorFraMatrikkelen")
            ),
            adressegradering=data.get("adressegradering"),
            flyttedato=date(data.get("flyttedato") or data.get("oppholdsadressedato")),
            **meta(fakt),
        )


@strawberry.type
class Postboksadresse:
    postbokseier: str | None
    postboks: str | None
    poststed: Poststed | None


@strawberry.type
class PostadresseIFrittFormat:
    adresselinje: list[str]
    poststed: Poststed | None


#: The aarsak of a cover address (``Postadresse.is_cover_address``).
COVER_AARSAK = "Adressebeskyttelse"


@strawberry.type(description="Where post goes: a vegadresse, a postboks or free format.")
class Postadresse(Versjon):
    vegadresse: Vegadresse | None
    postboksadresse: Postboksadresse | None
    postadresse_i_fritt_format: PostadresseIFrittFormat | None
    adressegradering: str | None

    def is_cover_address(self) -> bool:
        """Whether this is a cover address: the postadresse Folkeregisteret records for a
        person *because of* their adressebeskyttelse (aarsak ``Adressebeskyttelse``, itself
        ``ugradert``), e.g. "SOT 6, Postboks 2094 Vika, 0125 Oslo" for strengt fortrolig.
        Post reaches the person through it, and it names no place of theirs, so it is
        answered even when their own addresses are hidden (``graphql.access``)."""
        return self.aarsak == COVER_AARSAK and self.adressegradering == "ugradert"

    @classmethod
    def of_fakt(cls, fakt: Fakt) -> Postadresse:
        data = fakt.data
        boks, fri = data.get("postboksadresse"), data.get("postadresseIFrittFormat")
        return cls(
            vegadresse=Vegadresse.of(data.get("vegadresse")),
            postboksadresse=Postboksadresse(
                postbokseier=boks.get("postbokseier"),
                postboks=boks.get("postboks"),
                poststed=_poststed(boks.get("poststed")),
            )
            if isinstance(boks, dict)
            else None,
            postadresse_i_fritt_format=PostadresseIFrittFormat(
                adresselinje=[str(x) for x in fri.get("adresselinje") or []],
                poststed=_poststed(fri.get("poststed")),
            )
            if isinstance(fri, dict)
            else None,
            adressegradering=data.get("adressegradering"),
            **meta(fakt),
        )
