"""``adressevask`` in GraphQL: its types, and the checks on what it is given."""

from __future__ import annotations

import enum
import re

import strawberry

from grunndata.errors import InvalidArgument
from grunndata.graphql.context import Context
from grunndata.identifiers import parse_kommunenummer
from grunndata.registers.matrikkel.adresseparser import Tolkning
from grunndata.registers.matrikkel.types import Adresse
from grunndata.registers.matrikkel.vask import CONTROL, KODER, MAX_LENGTH, Vask, vask_mange


@strawberry.enum(description="How certain the best candidate is.")
class Adressevaskkategori(enum.Enum):
    A = strawberry.enum_value("A", description="Exact: the text names this address as written.")
    B = strawberry.enum_value("B", description="Certain after the corrections listed.")
    C = strawberry.enum_value("C", description="Uncertain: a person should look.")


@strawberry.type(description="A correction made (or a reason), as a code and in Norwegian.")
class Korreksjon:
    kode: str
    tekst: str

    @classmethod
    def of(cls, kode: str) -> Korreksjon:
        return cls(kode=kode, tekst=KODER[kode])


@strawberry.type(description="What the text was read as.")
class Adressetolkning:
    gatenavn: str | None
    nummer: int | None
    bokstav: str | None
    bruksenhetsnummer: str | None
    postnummer: str | None
    sted: str | None = strawberry.field(description="The words naming poststed or kommune.")
    gardsnummer: int | None
    bruksnummer: int | None
    postboks: str | None
    co: str | None

    @classmethod
    def of(cls, t: Tolkning) -> Adressetolkning:
        return cls(
            gatenavn=t.gatenavn, nummer=t.nummer, bokstav=t.bokstav,
            bruksenhetsnummer=t.bruksenhetsnummer, postnummer=t.postnummer, sted=t.sted,
            gardsnummer=t.gardsnummer, bruksnummer=t.bruksnummer, postboks=t.postboks, co=t.co,
        )  # fmt: skip


@strawberry.type(description="A candidate address, with its score (0–1) and corrections.")
class AdressevaskKandidat:
    adresse: Adresse
    score: float
    korreksjoner: list[Korreksjon]


@strawberry.type(description="The official address(es) a typed address may be.")
class Adressevask:
    kategori: Adressevaskkategori | None = strawberry.field(
        description="The best candidate's category; null when there are no candidates."
    )
    kandidater: list[AdressevaskKandidat]
    begrunnelse: Korreksjon | None = strawberry.field(
        description="Why there are no candidates (an empty text, a post-office box, …)."
    )
    tolkning: Adressetolkning

    @classmethod
    def of(cls, vask: Vask) -> Adressevask:
        return cls(
            kategori=Adressevaskkategori(vask.kategori) if vask.kategori else None,
            kandidater=[
                AdressevaskKandidat(
                    adresse=Adresse.from_row(k.rad),
                    score=k.score,
                    korreksjoner=[Korreksjon.of(c) for c in k.korreksjoner],
                )
                for k in vask.kandidater
            ],
            begrunnelse=Korreksjon.of(vask.begrunnelse) if vask.begrunnelse else None,
            tolkning=Adressetolkning.of(vask.tolkning),
        )


def checked(tekst: str, name: str = "tekst") -> str:
    """``tekst`` if it can be washed; else ``INVALID_ARGUMENT`` saying why."""
    if len(tekst) > MAX_LENGTH:
        raise InvalidArgument(f"{name}: {len(tekst)} characters, at most {MAX_LENGTH}")
    if CONTROL.search(tekst):
        raise InvalidArgument(f"{name}: holds a control character")
    return tekst


def hints(kommunenummer: str | None, postnummer: str | None) -> tuple[str | None, str | None]:
    """The kommunenummer (today's, for an old one with a single successor) and postnummer
    given beside the text, checked."""
    if postnummer is not None and not re.fullmatch(r"\d{4}", postnummer):
        raise InvalidArgument(f"postnummer: {postnummer!r} is not four digits")
    if kommunenummer is None:
        return None, postnummer
    kommune = parse_kommunenummer(kommunenummer)
    if not kommune.er_gjeldende and len(kommune.erstattet_av) == 1:
        return kommune.erstattet_av[0].value, postnummer
    return kommune.value, postnummer


async def adressevask(
    context: Context, tekst: str, kommunenummer: str | None, postnummer: str | None
) -> Adressevask:
    kommune, post = hints(kommunenummer, postnummer)
    async with context.pool.connection() as conn:
        (vask,) = await vask_mange(conn, [checked(tekst)], kommune, post)
    return Adressevask.of(vask)
