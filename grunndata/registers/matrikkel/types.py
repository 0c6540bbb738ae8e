"""Matrikkelen's GraphQL types. Relations load through per-request DataLoaders: one SQL
statement per relation per level, whatever the number of units or addresses."""

from __future__ import annotations

import enum
import json
from collections import defaultdict
from collections.abc import Awaitable, Callable, Sequence
from datetime import date, datetime
from typing import Annotated, Any, NewType

import strawberry
from strawberry.dataloader import DataLoader
from strawberry.types import Info

from grunndata.errors import InvalidArgument
from grunndata.graphql.context import Context
from grunndata.graphql.tid import Tidspunkt
from grunndata.registers.lenker import FolkeregisterNoekkel
from grunndata.registers.matrikkel import geometri, queries
from grunndata.registers.matrikkel.queries import Row

#: Other rooms' entity types, reached lazily (never imported) and through Context.entity.
PersonRef = Annotated["Person", strawberry.lazy("grunndata.registers.folkeregister.types")]  # noqa: F821
EnhetRef = Annotated["Enhet", strawberry.lazy("grunndata.registers.enhetsregister.types")]  # noqa: F821


def _parse_geojson(value: Any) -> Any:
    """A GeoJSON geometry object, or text: GeoJSON or WKT."""
    if isinstance(value, dict):
        return json.dumps(value)
    if isinstance(value, str):
        return value
    raise InvalidArgument("GeoJSON: expected a GeoJSON geometry object or WKT text")


GeoJSON = NewType("GeoJSON", object)

#: The GeoJSON scalar's definition (``Register.scalars``).
GEOJSON_SCALAR = strawberry.scalar(
    name="GeoJSON",
    description=(
        "An RFC 7946 GeoJSON geometry object. Coordinates are x/east first, y/north second "
        "(for EPSG:4326 and 4258: longitude, latitude). As input, WKT text is accepted too."
    ),
    serialize=lambda value: value,
    parse_value=_parse_geojson,
)


@strawberry.enum(description="Matrikkelenhetstype (matrikkellova § 5).")
class Matrikkelenhetstype(enum.Enum):
    grunneiendom = "grunneiendom"
    festegrunn = "festegrunn"
    eierseksjon = "eierseksjon"
    jordsameie = "jordsameie"
    anleggseiendom = "anleggseiendom"


Loader = Callable[[Sequence[Any]], Awaitable[list[Any]]]


def _loader(info: Info[Context, None], key: tuple[Any, ...], batch: Loader) -> DataLoader[Any, Any]:
    return info.context.loader(("matrikkel", *key), lambda: DataLoader(batch))


def grouped(rows: list[Row], keys: Sequence[Any], column: str) -> list[list[Row]]:
    groups: dict[Any, list[Row]] = defaultdict(list)
    for row in rows:
        groups[row[column]].append(row)
    return [groups.get(key, []) for key in keys]


def by_key(rows: list[Row], keys: Sequence[Any], column: str) -> list[Row | None]:
    found = {row[column]: row for row in rows}
    return [found.get(key) for key in keys]


async def checked_epsg(info: Info[Context, None], epsg: int) -> None:
    """``InvalidArgument`` unless PostGIS knows ``epsg``."""
    async with info.context.pool.connection() as conn:
        await geometri.check_epsg(conn, epsg)


async def _point_in(info: Info[Context, None], x: float, y: float, epsg: int | None,
                    in_4326: Any) -> Any:  # fmt: skip
    epsg = epsg or 4326
    if epsg == 4326:
        return in_4326
    if epsg == 25833:
        return {"type": "Point", "coordinates": [x, y]}

    async def batch(points: Sequence[tuple[float, float]]) -> list[Any]:
        async with info.context.pool.connection() as conn:
            return await queries.punkter(conn, [p[0] for p in points], [p[1] for p in points], epsg)

    await checked_epsg(info, epsg)
    return await _loader(info, ("punkt", epsg), batch).load((x, y))


@strawberry.type(description="A share of ownership: teller/nevner.")
class Andel:
    teller: int
    nevner: int


@strawberry.type(description="A hjemmelshaver (owner of record) of a unit, with its share.")
class Hjemmelshaver:
    andel: Andel | None
    navn: str | None
    identifikasjonsnummer: str | None = strawberry.field(
        description="The owner's fødselsnummer or D-nummer, when a person."
    )
    organisasjonsnummer: str | None = strawberry.field(
        description="The owner's organisasjonsnummer, when an enhet."
    )

    def linked_person(self) -> str | None:
        """Access-control hook (``grunndata.graphql.access``): the owner, when a person."""
        return self.identifikasjonsnummer

    @strawberry.field(
        description="The owner in Folkeregisteret, as it is now; null when not a person or "
        "not in the register."
    )
    async def person(self, info: Info[Context, None]) -> PersonRef | None:
        if self.identifikasjonsnummer is None:
            return None
        return await info.context.entity("Person", self.identifikasjonsnummer)

    @strawberry.field(
        description="The owner in Enhetsregisteret, as it is now; null when not a unit or "
        "not in the register."
    )
    async def enhet(self, info: Info[Context, None]) -> EnhetRef | None:
        if self.organisasjonsnummer is None:
            return None
        return await info.context.entity("Enhet", self.organisasjonsnummer)


@strawberry.type(description="A teig: one contiguous parcel of a unit.")
class Teig:
    areal_m2: float = strawberry.field(description="True (ellipsoidal) area in square metres.")
    _eiendom: strawberry.Private[Eiendom]
    _index: strawberry.Private[int]
    _geometri_4326: strawberry.Private[Any]

    @strawberry.field(description="The teig's polygon(s) in the given EPSG code.")
    async def geometri(self, info: Info[Context, None], epsg: int | None = 4326) -> GeoJSON | None:  # type: ignore[valid-type]
        epsg = epsg or 4326
        if epsg == 4326:
            return self._geometri_4326
        await checked_epsg(info, epsg)
        rows = await self._eiendom._load(info, "teiger", queries.teiger, epsg)
        return rows[self._index]["geometri"] if self._index < len(rows) else None


@strawberry.type(description="A bygning with its representasjonspunkt.")
class Bygning:
    bygningsnummer: strawberry.ID
    bygningstype: str | None = strawberry.field(description="Bygningstype code (e.g. 111).")
    bygningsstatus: str | None
    matrikkelnumre: list[str] = strawberry.field(description="The units it stands on.")
    _x: strawberry.Private[float | None]
    _y: strawberry.Private[float | None]
    _punkt_4326: strawberry.Private[Any]

    @strawberry.field(description="The building's point in the given EPSG code.")
    async def representasjonspunkt(
        self, info: Info[Context, None], epsg: int | None = 4326
    ) -> GeoJSON | None:  # type: ignore[valid-type]  # fmt: skip
        if self._x is None or self._y is None:
            return None
        return await _point_in(info, self._x, self._y, epsg, self._punkt_4326)

    @classmethod
    def from_row(cls, row: Row) -> Bygning:
        return cls(
            bygningsnummer=strawberry.ID(str(row["bygningsnummer"])),
            bygningstype=row["bygningstype"],
            bygningsstatus=row["bygningsstatus"],
            matrikkelnumre=list(row["matrikkelnumre"]),
            _x=row["x"], _y=row["y"], _punkt_4326=row["punkt_4326"],
        )  # fmt: skip


@strawberry.type(description="A matrikkelenhet (property unit) as of the query's time.")
class Eiendom:
    matrikkelnummer: strawberry.ID = strawberry.field(description="knr-gnr/bnr/fnr/snr.")
    kommunenummer: str
    gardsnummer: int
    bruksnummer: int
    festenummer: int
    seksjonsnummer: int
    type: Matrikkelenhetstype | None = strawberry.field(
        description="Null when the unit is known from the map only (kunFraKart)."
    )
    status: str | None = strawberry.field(
        description="Null when the unit is known from the map only (kunFraKart)."
    )
    bruksnavn: str | None
    gyldig_fra: datetime | None
    kun_fra_kart: bool = strawberry.field(
        description="Known from a teig only: no unit file has named the unit yet, so its "
        "type and status are unknown."
    )
    _tid: strawberry.Private[Tidspunkt]

    @classmethod
    def from_row(cls, row: Row, tid: Tidspunkt) -> Eiendom:
        return cls(
            matrikkelnummer=strawberry.ID(row["matrikkelnummer"]),
            kommunenummer=row["kommunenummer"], gardsnummer=row["gardsnummer"],
            bruksnummer=row["bruksnummer"], festenummer=row["festenummer"],
            seksjonsnummer=row["seksjonsnummer"],
            type=row["matrikkelenhetstype"] and Matrikkelenhetstype(row["matrikkelenhetstype"]),
            status=row["status"], bruksnavn=row["bruksnavn"], gyldig_fra=row["gyldig_fra"],
            kun_fra_kart=row["kun_fra_kart"], _tid=tid,
        )  # fmt: skip

    def _load(self, info: Info[Context, None], name: str, fetch: Any, *extra: Any) -> Any:
        tid = self._tid

        async def batch(numre: Sequence[str]) -> list[Any]:
            async with info.context.pool.connection() as conn:
                rows = await fetch(conn, tid, list(numre), *extra)
            return grouped(rows, numre, "matrikkelnummer")

        return _loader(info, (name, tid, *extra), batch).load(str(self.matrikkelnummer))

    @strawberry.field(description="The teiger (parcels) of the unit.")
    async def teiger(self, info: Info[Context, None]) -> list[Teig]:
        rows = await self._load(info, "teiger", queries.teiger, 4326)
        return [
            Teig(areal_m2=r["areal"], _eiendom=self, _index=i, _geometri_4326=r["geometri"])
            for i, r in enumerate(rows)
        ]

    @strawberry.field(description="True (ellipsoidal) area of all its teiger, square metres.")
    async def areal_m2(self, info: Info[Context, None]) -> float | None:
        rows = await self._load(info, "teiger", queries.teiger, 4326)
        return sum(r["areal"] for r in rows) if rows else None

    @strawberry.field(description="All its teiger as one (Multi)Polygon in the given EPSG.")
    async def geometri(self, info: Info[Context, None], epsg: int | None = 4326) -> GeoJSON | None:  # type: ignore[valid-type]
        epsg = epsg or 4326
        if epsg != 4326:
            await checked_epsg(info, epsg)
        rows = await self._load(info, "geometri", queries.samlet_geometri, epsg)
        return rows[0]["geometri"] if rows else None

    @strawberry.field(description="Its addresses (vegadresser and matrikkeladresser).")
    async def adresser(self, info: Info[Context, None]) -> list[Adresse]:
        rows = await self._load(info, "adresser", queries.adresser_for_matrikkelenheter)
        return [Adresse.from_row(r, self._tid) for r in rows]

    @strawberry.field(description="The buildings standing on it.")
    async def bygninger(self, info: Info[Context, None]) -> list[Bygning]:
        rows = await self._load(info, "bygninger", queries.bygninger)
        return [Bygning.from_row(r) for r in rows]

    @strawberry.field(description="Its hjemmelshavere (owners of record) with their shares.")
    async def hjemmelshavere(self, info: Info[Context, None]) -> list[Hjemmelshaver]:
        rows = await self._load(info, "eiere", queries.eierforhold)
        return [
            Hjemmelshaver(
                andel=Andel(teller=r["andel_teller"], nevner=r["andel_nevner"])
                if r["andel_teller"] is not None else None,
                navn=r["navn"], identifikasjonsnummer=r["identifikasjonsnummer"],
                organisasjonsnummer=r["organisasjonsnummer"],
            )
            for r in rows
        ]  # fmt: skip

    @strawberry.field(description="Former matrikkelnummer recorded for it (e.g. before a merger).")
    async def tidligere_matrikkelnumre(self, info: Info[Context, None]) -> list[str]:
        rows = await self._load(info, "tidligere", queries.tidligere_numre)
        return [r["tidligere"] for r in rows]


@strawberry.type(description="A vegadresse or matrikkeladresse.")
class Adresse:
    adresse_id: strawberry.ID = strawberry.field(description="Kartverket's adresseId (lokalid).")
    adressetype: str
    adressekode: int | None
    adressenavn: str | None
    nummer: int | None
    bokstav: str | None
    undernummer: int | None
    adressetekst: str
    adressetilleggsnavn: str | None
    postnummer: str | None
    poststed: str | None
    kommunenummer: str
    matrikkelnummer: str | None = strawberry.field(
        description="The unit the address belongs to (kommune + gnr/bnr/fnr)."
    )
    normalisert_postadresse: str | None = strawberry.field(
        description="The vegadresse in normalised postal form (postnummer, folded street "
        "name, number and letter): the key Enhetsregisteret's addresses are matched by."
    )
    folkeregisternoekkel: strawberry.ID = strawberry.field(
        description="The key Folkeregisteret's addresses name this address by: "
        "adresseId|kommunenummer|adressekode|nummer|bokstav (the kode parts empty for an "
        "address a Freg vegadresse cannot name). A reference by it matches by adresseId, "
        "else by the kode parts."
    )
    _x: strawberry.Private[float]
    _y: strawberry.Private[float]
    _punkt_4326: strawberry.Private[Any]
    _tid: strawberry.Private[Tidspunkt | None] = None

    @classmethod
    def from_row(cls, row: Row, tid: Tidspunkt | None = None) -> Adresse:
        """The address of ``row``; its links answer as of ``tid`` (None: now)."""
        return cls(
            adresse_id=strawberry.ID(str(row["adresse_id"])), adressetype=row["adressetype"],
            adressekode=row["adressekode"], adressenavn=row["adressenavn"],
            nummer=row["nummer"], bokstav=row["bokstav"], undernummer=row["undernummer"],
            adressetekst=row["adressetekst"], adressetilleggsnavn=row["adressetilleggsnavn"],
            postnummer=row["postnummer"], poststed=row["poststed"],
            kommunenummer=row["kommunenummer"], matrikkelnummer=row["matrikkelnummer"],
            normalisert_postadresse=row["postadresse_form"],
            folkeregisternoekkel=_folkeregisternoekkel(row),
            _x=row["x"], _y=row["y"], _punkt_4326=row["punkt_4326"], _tid=tid,
        )  # fmt: skip

    @strawberry.field(description="The address point in the given EPSG code.")
    async def representasjonspunkt(
        self, info: Info[Context, None], epsg: int | None = 4326
    ) -> GeoJSON | None:  # type: ignore[valid-type]
        return await _point_in(info, self._x, self._y, epsg, self._punkt_4326)

    @strawberry.field(description="The matrikkelenhet the address belongs to.")
    async def eiendom(self, info: Info[Context, None]) -> Eiendom | None:
        if self.matrikkelnummer is None:
            return None
        return await info.context.entity("Eiendom", self.matrikkelnummer, self._tid)


@strawberry.type(description="An address found near a point, with its true distance.")
class AdresseTreff:
    adresse: Adresse
    avstand_meter: float


@strawberry.type(description="A fylke (county).")
class Fylke:
    fylkesnummer: str
    navn: str


def _folkeregisternoekkel(row: Row) -> strawberry.ID:
    key = FolkeregisterNoekkel.of_matrikkeladresse(
        row["adresse_id"], row["kommunenummer"], row["adressekode"], row["nummer"],
        row["bokstav"], row["undernummer"],
    )  # fmt: skip
    return strawberry.ID(key.text if key else "")


@strawberry.type(description="A kommune over its lifetime (SSB Klass 131).")
class Kommune:
    kommunenummer: str
    navn: str | None
    fylke: Fylke | None
    gyldig_fra: date | None
    gyldig_til: date | None
    erstattet_av: list[Kommune] = strawberry.field(
        description="Today's kommuner this code became; empty while it is current."
    )
