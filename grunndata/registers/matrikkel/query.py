"""Matrikkelen's root GraphQL fields, and the entities it serves other registers."""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import re
from collections.abc import Sequence
from typing import Any

import strawberry
from strawberry.types import Info

from grunndata.errors import GrunndataError, InvalidArgument
from grunndata.graphql.connection import Connection, connection, page
from grunndata.graphql.context import Context
from grunndata.graphql.tid import Ajourholdstidspunkt, Gyldighetstidspunkt, Tidspunkt, tidspunkt
from grunndata.identifiers import (
    InvalidIdentifier,
    kommuneendringer,
    parse_kommunenummer,
    parse_matrikkelnummer,
)
from grunndata.identifiers import (
    Kommune as KommuneId,
)
from grunndata.registers.matrikkel import geometri, queries, sok, vask_types
from grunndata.registers.matrikkel.types import (
    Adresse,
    AdresseTreff,
    Eiendom,
    Fylke,
    GeoJSON,
    Kommune,
    Matrikkelenhetstype,
    by_key,
)

MAX_NEAREST = 1000


class Moved(GrunndataError):
    """An old kommunenummer whose unit no recorded history maps to today's numbering."""

    code = "MOVED"
    http_status = 404


@functools.cache
def _only_renumbered(old: str) -> str | None:
    """Today's code of kommune ``old`` when every step from it to today was a renumbering
    alone (one successor, of the same name, that no other kommune ever went into): gnr/bnr
    did not change then. 0602 Drammen became 3005 Drammen in a merger (2020), then 3301 by
    renumbering alone (2024): not only renumbered, so None."""
    code = old
    while not parse_kommunenummer(code).er_gjeldende:
        steps = [e for e in kommuneendringer() if e.gammelt == code]
        if len(steps) != 1 or steps[0].nytt_navn != steps[0].gammelt_navn:
            return None
        step = steps[0]
        merged = [e for e in kommuneendringer() if e.nytt == step.nytt]
        if len(merged) != 1:
            return None
        code = step.nytt
    return code if code != old else None


async def finn_eiendom(context: Context, tid: Tidspunkt, text: str) -> Eiendom | None:
    nummer = parse_matrikkelnummer(text)
    async with context.pool.connection() as conn:
        rows = await queries.matrikkelenheter(conn, tid, [str(nummer)])
        if not rows:
            successors = await queries.etterfolgere(conn, tid, str(nummer))
            if len(successors) > 1:  # a unit that was split: which one is not ours to guess
                raise Moved(
                    f"matrikkelnummer {nummer.short} is recorded as the former number of "
                    f"several units: {', '.join(successors)}"
                )
            if successors:  # history knows the unit: it is that one, if valid at the time
                rows = await queries.matrikkelenheter(conn, tid, successors)
                return Eiendom.from_row(rows[0], tid) if rows else None
        kommune = parse_kommunenummer(nummer.kommunenummer)
        if not rows and not kommune.er_gjeldende:
            renumbered = _only_renumbered(kommune.value)
            if renumbered is None:
                names = ", ".join(f"{k.value} {k.navn}" for k in kommune.erstattet_av)
                raise Moved(
                    f"matrikkelnummer {nummer.short}: kommune {kommune.value} is no longer in "
                    f"use; it became {names or 'a kommune grunndata does not know'}, and no "
                    "former matrikkelnummer recorded there maps it to today's number"
                )
            today = dataclasses.replace(nummer, kommunenummer=renumbered, warnings=())
            rows = await queries.matrikkelenheter(conn, tid, [str(today)])
    return Eiendom.from_row(rows[0], tid) if rows else None


async def eiendom_batch(context: Context, tid: Tidspunkt, keys: list[str]) -> list[Any]:
    """The ``"Eiendom"`` entity by matrikkelnummer, for other registers."""
    canonical = []
    for key in keys:
        try:
            canonical.append(str(parse_matrikkelnummer(key)))
        except InvalidIdentifier:
            canonical.append(key)
    async with context.pool.connection() as conn:
        rows = await queries.matrikkelenheter(conn, tid, canonical)
    return [
        Eiendom.from_row(r, tid) if r else None for r in by_key(rows, canonical, "matrikkelnummer")
    ]


def _is_adresse_id(key: object) -> bool:
    """ASCII digits only: ``str.isdigit`` also takes ``²`` and other digits int() refuses."""
    return re.fullmatch(r"[0-9]+", str(key)) is not None


async def adresse_batch(context: Context, tid: Tidspunkt, keys: list[str]) -> list[Any]:
    """The ``"Adresse"`` entity by adresseId, for other registers."""
    ids = [int(k) if _is_adresse_id(k) else -1 for k in keys]
    async with context.pool.connection() as conn:
        rows = await queries.adresser_by_id(conn, tid, ids)
    return [Adresse.from_row(r, tid) if r else None for r in by_key(rows, ids, "adresse_id")]


def _kommunenumre(text: str) -> list[str]:
    """Today's code(s) for a kommunenummer: itself when current, else its successors."""
    kommune = parse_kommunenummer(text)
    if kommune.er_gjeldende:
        return [kommune.value]
    return [k.value for k in kommune.erstattet_av] or [kommune.value]


def _kommune(kommune: KommuneId, dato: dt.date | None) -> Kommune:
    fylke = kommune.fylke
    navn = kommune.navn_paa(dato) if dato else kommune.navn
    fylkesnavn = fylke and ((fylke.navn_paa(dato) if dato else None) or fylke.navn)
    return Kommune(
        kommunenummer=kommune.value,
        navn=navn,
        fylke=Fylke(fylkesnummer=fylke.value, navn=fylkesnavn) if fylke and fylkesnavn else None,
        gyldig_fra=kommune.gyldig_fra,
        gyldig_til=kommune.gyldig_til,
        erstattet_av=[_kommune(k, None) for k in kommune.erstattet_av],
    )


@strawberry.input(description="A shape to filter by: GeoJSON geometry or WKT, in `epsg`.")
class GeometriFilter:
    intersects: GeoJSON | None = None  # type: ignore[valid-type]
    within: GeoJSON | None = None  # type: ignore[valid-type]
    epsg: int | None = 4326


@strawberry.input(description="Filter for `eiendommer`. Old kommunenummer mean today's.")
class EiendomFilter:
    kommunenummer: str | None = None
    gardsnummer: int | None = None
    bruksnummer: int | None = None
    type: Matrikkelenhetstype | None = None
    geometri: GeometriFilter | None = None


async def _conditions(
    info: Info[Context, None], f: EiendomFilter | None
) -> tuple[list[str], dict[str, Any]]:
    conditions: list[str] = []
    params: dict[str, Any] = {}
    if f is None:
        return conditions, params
    if f.kommunenummer is not None:
        conditions.append("m.kommunenummer = ANY(%(f_kommune)s)")
        params["f_kommune"] = _kommunenumre(f.kommunenummer)
    for name in ("gardsnummer", "bruksnummer"):
        if getattr(f, name) is not None:
            conditions.append(f"m.{name} = %(f_{name})s")
            params[f"f_{name}"] = getattr(f, name)
    if f.type is not None:
        conditions.append("m.matrikkelenhetstype = %(f_type)s")
        params["f_type"] = f.type.value
    g = f.geometri
    if g is not None:
        if (g.intersects is None) == (g.within is None):
            raise InvalidArgument("filter.geometri: give exactly one of intersects and within")
        given, name = (
            (g.intersects, "intersects") if g.intersects is not None else (g.within, "within")
        )
        argument = f"filter.geometri.{name}"
        wkb = geometri.parse_shape(given, argument=argument)
        async with info.context.pool.connection() as conn:
            params["shape"] = await geometri.to_storage(
                conn, wkb, g.epsg or 4326, argument=argument
            )
        shape = "ST_SetSRID(ST_GeomFromWKB(%(shape)s), 25833)"
        # Driven by the teiger's GiST index: the units whose teiger meet the shape.
        hits = (
            "m.matrikkelnummer IN (SELECT t.matrikkelnummer FROM matrikkel.teig t "
            "WHERE {teig_as_of} AND "
        )
        if g.intersects is not None:
            conditions.append(f"{hits}ST_Intersects(t.geometri, {shape}))")
        else:
            conditions.append(
                f"{hits}ST_Within(t.geometri, {shape})) AND NOT EXISTS (SELECT 1 "
                "FROM matrikkel.teig t WHERE t.matrikkelnummer = m.matrikkelnummer "
                f"AND {{teig_as_of}} AND NOT ST_Within(t.geometri, {shape}))"
            )
    return conditions, params


def _kommunefilter(kommunenummer: str | None) -> list[str] | None:
    return _kommunenumre(kommunenummer) if kommunenummer is not None else None


@strawberry.type
class MatrikkelQuery:
    @strawberry.field(
        description="A matrikkelenhet by matrikkelnummer (`0301-42/1` or `0301-42/1/0/0`). "
        "A former number recorded for a unit finds it; an old kommunenummer with no recorded "
        "successor gives null and the error MOVED naming today's kommune(s)."
    )
    async def eiendom(
        self,
        info: Info[Context, None],
        matrikkelnummer: str,
        gyldighetstidspunkt: Gyldighetstidspunkt = None,
        ajourholdstidspunkt: Ajourholdstidspunkt = None,
    ) -> Eiendom | None:
        tid = tidspunkt(info, gyldighetstidspunkt, ajourholdstidspunkt)
        return await finn_eiendom(info.context, tid, matrikkelnummer)

    @strawberry.field(
        description="The units whose teig covers the point (x east, y north in `epsg`); a "
        "point on a shared border (within a few millimetres) finds both."
    )
    async def eiendommer_ved_punkt(
        self, info: Info[Context, None], x: float, y: float, epsg: int | None = 4326
    ) -> list[Eiendom]:
        tid = Tidspunkt(gyldig=info.context.now)
        async with info.context.pool.connection() as conn:
            punkt = await geometri.point_to_storage(conn, x, y, epsg or 4326)
            rows = await queries.matrikkelenheter_ved_punkt(conn, tid, punkt)
        return [Eiendom.from_row(r, tid) for r in rows]

    @strawberry.field(description="Units by kommune, gnr, bnr, type and shape; a connection.")
    async def eiendommer(
        self,
        info: Info[Context, None],
        filter: EiendomFilter | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[Eiendom]:
        wanted = page(first, after)
        tid = Tidspunkt(gyldig=info.context.now)
        conditions, params = await _conditions(info, filter)
        async with info.context.pool.connection() as conn:
            rows, total = await queries.finn_matrikkelenheter(
                conn, tid, conditions, params, wanted.limit, wanted.offset
            )
        return connection([Eiendom.from_row(r, tid) for r in rows], wanted, total)

    @strawberry.field(description="An address by its adresseId (lokalid).")
    async def adresse(self, info: Info[Context, None], adresse_id: strawberry.ID) -> Adresse | None:
        if not _is_adresse_id(adresse_id):
            raise InvalidArgument(f"adresseId: {adresse_id!r} is not a number")
        return await info.context.entity("Adresse", str(int(adresse_id)))

    @strawberry.field(
        description="Ranked address search, typo-tolerant: `Ostre` finds `Østre`, vei/veg and "
        "gate/gata are one, a prefix autocompletes, `*` is a wildcard."
    )
    async def adresser(
        self,
        info: Info[Context, None],
        sok: str | None = None,
        kommunenummer: str | None = None,
        postnummer: str | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[Adresse]:
        wanted = page(first, after)
        for name, text in (("sok", sok), ("postnummer", postnummer)):
            if text is not None and "\x00" in text:
                raise InvalidArgument(f"{name}: holds a NUL character")
        kommuner = _kommunefilter(kommunenummer)
        async with info.context.pool.connection() as conn:
            rows, total = await _search(
                conn, sok, kommuner, postnummer, wanted.limit, wanted.offset
            )
        return connection([Adresse.from_row(r) for r in rows], wanted, total)

    @strawberry.field(
        description="Address washing: the official address(es) a typed address may be, best "
        "first, with a category (A exact, B certain after corrections, C uncertain) and the "
        "corrections made. A postnummer or kommunenummer given that disagrees is a correction."
    )
    async def adressevask(
        self,
        info: Info[Context, None],
        tekst: str,
        kommunenummer: str | None = None,
        postnummer: str | None = None,
    ) -> vask_types.Adressevask:
        return await vask_types.adressevask(info.context, tekst, kommunenummer, postnummer)

    @strawberry.field(
        description="Addresses within `radiusMeter` true metres of the point, nearest first."
    )
    async def naermeste_adresser(
        self,
        info: Info[Context, None],
        x: float,
        y: float,
        epsg: int | None = 4326,
        radius_meter: float | None = 1000,
        first: int | None = 10,
    ) -> list[AdresseTreff]:
        epsg, radius_meter = epsg or 4326, 1000 if radius_meter is None else radius_meter
        first = 10 if first is None else first
        if not 0 <= first <= MAX_NEAREST:
            raise InvalidArgument(f"first: must be between 0 and {MAX_NEAREST}, was {first}")
        if not 0 <= radius_meter <= 100_000:
            raise InvalidArgument("radiusMeter: must be between 0 and 100000")
        async with info.context.pool.connection() as conn:
            punkt = await geometri.point_to_storage(conn, x, y, epsg)
            rows = await queries.naermeste(conn, punkt, radius_meter, first)
        return [AdresseTreff(adresse=Adresse.from_row(r), avstand_meter=r["avstand"]) for r in rows]

    @strawberry.field(description="A kommune by kommunenummer, with its history and successors.")
    def kommune(
        self, kommunenummer: str, gyldighetstidspunkt: dt.date | None = None
    ) -> Kommune | None:
        kommune = parse_kommunenummer(kommunenummer)
        if gyldighetstidspunkt is not None and not kommune.gyldig_paa(gyldighetstidspunkt):
            return None
        return _kommune(kommune, gyldighetstidspunkt)


async def _search(conn: Any, text: str | None, kommuner: Sequence[str] | None,
                  postnummer: str | None, limit: int, offset: int) -> tuple[list, int]:  # fmt: skip
    rows, total = await sok.sok(conn, text, list(kommuner) if kommuner else None, postnummer,
                                limit, offset)  # fmt: skip
    if not rows and offset:
        _, total = await sok.sok(conn, text, list(kommuner) if kommuner else None, postnummer,
                                 1, 0)  # fmt: skip
    return rows, total
