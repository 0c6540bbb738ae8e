"""Matrikkelen as OGC API feature collections and vector-tile layers (``grunndata.ogc``).

Owners appear only as names, as GraphQL answers them without ``matrikkel/hjemmel``; an owner
whose address is graded now is left out, whatever instant is asked (the rule of
``grunndata.graphql.gradering``).
"""

from __future__ import annotations

import re

from grunndata.graphql.gradering import graded_sql
from grunndata.identifiers import InvalidIdentifier, parse_matrikkelnummer
from grunndata.ogc.collection import Collection, Property, TileLayer

_MATRIKKELNUMMER = r"\d{4}-\d+/\d+(?:/\d+(?:/\d+)?)?"
#: A teig's id: its unit and ``nokkel``, the start of the md5 of its shape (teiger carry no
#: id); ``nokkel`` and the true area ``areal_m2`` are columns the table keeps.
_TEIG_HASH = "t.nokkel"


def _unit_id(given: str) -> str | None:
    """A unit's id in the register's full form (``0301-1/1`` is ``0301-1/1/0/0``)."""
    try:
        return str(parse_matrikkelnummer(given))
    except InvalidIdentifier:
        return None


def _teig_id(given: str) -> str | None:
    unit, _, digest = given.partition("~")
    full = _unit_id(unit)
    return f"{full}~{digest}" if full else None


def _text(sql: str, title: str = "") -> Property:
    return Property(sql, "string", title)


def _int(sql: str, title: str = "") -> Property:
    return Property(sql, "integer", title)


TEIGER = Collection(
    id="teiger",
    title="Teiger",
    description="Teiger (parcels): one contiguous area of a matrikkelenhet, with the unit's "
    "matrikkelnummer, type and status, and the teig's true area.",
    source="FROM matrikkel.teig t LEFT JOIN matrikkel.matrikkelenhet m "
    "ON m.matrikkelnummer = t.matrikkelnummer AND {as_of_m} WHERE {as_of_t}",
    versioned=("t", "m"),
    geometry="t.geometri",
    geometry_type="MultiPolygon",
    intersects="ST_Intersects(t.geometri, {shape})",
    key=("t.matrikkelnummer", _TEIG_HASH),
    feature_id=f"t.matrikkelnummer || '~' || {_TEIG_HASH}",
    by_id=f"t.matrikkelnummer = split_part(%(fid)s, '~', 1) "
    f"AND {_TEIG_HASH} = split_part(%(fid)s, '~', 2)",
    id_pattern=re.compile(rf"{_MATRIKKELNUMMER}~[0-9a-f]{{10}}"),
    canonical_id=_teig_id,
    properties={
        "matrikkelnummer": _text("t.matrikkelnummer", "Matrikkelnummer"),
        "kommunenummer": _text("m.kommunenummer", "Kommunenummer"),
        "gardsnummer": _int("m.gardsnummer", "Gardsnummer"),
        "bruksnummer": _int("m.bruksnummer", "Bruksnummer"),
        "matrikkelenhetstype": _text("m.matrikkelenhetstype", "Matrikkelenhetstype"),
        "status": _text("m.status", "Status"),
        "arealM2": Property("t.areal_m2", "number", "Areal (m²)"),
    },
    tiles=TileLayer(13, ("matrikkelnummer", "matrikkelenhetstype")),
    keywords=("matrikkel", "teig", "eiendom"),
)

_TEIGER_OF_UNIT = "FROM matrikkel.teig x WHERE x.matrikkelnummer = m.matrikkelnummer AND {as_of_x}"
_OWNER_NAMES = (
    "(SELECT coalesce(json_agg(e.navn ORDER BY e.navn), '[]'::json) "
    "FROM matrikkel.eierforhold e WHERE e.matrikkelnummer = m.matrikkelnummer AND {as_of_e} "
    f"AND e.navn IS NOT NULL AND NOT {graded_sql('e.identifikasjonsnummer')})"
)

MATRIKKELENHETER = Collection(
    id="matrikkelenheter",
    title="Matrikkelenheter",
    description="Matrikkelenheter (property units) with all their teiger as one "
    "MultiPolygon, their true area and their owners' names (open data).",
    source="FROM matrikkel.matrikkelenhet m WHERE {as_of_m}",
    versioned=("m", "x", "e"),
    geometry=f"(SELECT ST_Multi(ST_Union(x.geometri)) {_TEIGER_OF_UNIT})",
    geometry_type="MultiPolygon",
    intersects=f"EXISTS (SELECT 1 {_TEIGER_OF_UNIT} AND ST_Intersects(x.geometri, {{shape}}))",
    key=("m.matrikkelnummer",),
    feature_id="m.matrikkelnummer",
    by_id="m.matrikkelnummer = %(fid)s",
    id_pattern=re.compile(_MATRIKKELNUMMER),
    canonical_id=_unit_id,
    properties={
        "matrikkelnummer": _text("m.matrikkelnummer", "Matrikkelnummer"),
        "kommunenummer": _text("m.kommunenummer", "Kommunenummer"),
        "gardsnummer": _int("m.gardsnummer", "Gardsnummer"),
        "bruksnummer": _int("m.bruksnummer", "Bruksnummer"),
        "festenummer": _int("m.festenummer", "Festenummer"),
        "seksjonsnummer": _int("m.seksjonsnummer", "Seksjonsnummer"),
        "matrikkelenhetstype": _text("m.matrikkelenhetstype", "Matrikkelenhetstype"),
        "status": _text("m.status", "Status"),
        "bruksnavn": _text("m.bruksnavn", "Bruksnavn"),
        "arealM2": Property(
            f"(SELECT sum(x.areal_m2) {_TEIGER_OF_UNIT})",
            "number",
            "Areal (m²)",
            queryable=False,
        ),
        "hjemmelshavere": Property(_OWNER_NAMES, "array", "Hjemmelshavere", queryable=False),
    },
    keywords=("matrikkel", "eiendom"),
)

ADRESSER = Collection(
    id="adresser",
    title="Adresser",
    description="Vegadresser and matrikkeladresser at their representasjonspunkt.",
    source="FROM matrikkel.adresse a WHERE {as_of_a}",
    versioned=("a",),
    geometry="a.punkt",
    geometry_type="Point",
    intersects="ST_Intersects(a.punkt, {shape})",
    key=("a.adresse_id",),
    feature_id="a.adresse_id::text",
    by_id="a.adresse_id = %(fid)s::bigint",
    id_pattern=re.compile(r"\d{1,18}"),
    properties={
        "adresseId": _int("a.adresse_id", "AdresseId"),
        "adressetekst": _text("a.adressetekst", "Adressetekst"),
        "adressetype": _text("a.adressetype", "Adressetype"),
        "adressenavn": _text("a.adressenavn", "Adressenavn"),
        "nummer": _int("a.nummer", "Nummer"),
        "bokstav": _text("a.bokstav", "Bokstav"),
        "postnummer": _text("a.postnummer", "Postnummer"),
        "poststed": _text("a.poststed", "Poststed"),
        "kommunenummer": _text("a.kommunenummer", "Kommunenummer"),
        "matrikkelnummer": _text("a.matrikkelnummer", "Matrikkelnummer"),
    },
    tiles=TileLayer(15, ("adresseId", "adressetekst", "matrikkelnummer")),
    keywords=("matrikkel", "adresse"),
)

BYGNINGER = Collection(
    id="bygninger",
    title="Bygninger",
    description="Bygninger at their representasjonspunkt, with the units they stand on.",
    source="FROM matrikkel.bygning b WHERE {as_of_b}",
    versioned=("b",),
    geometry="b.punkt",
    geometry_type="Point",
    intersects="ST_Intersects(b.punkt, {shape})",
    key=("b.bygningsnummer",),
    feature_id="b.bygningsnummer::text",
    by_id="b.bygningsnummer = %(fid)s::bigint",
    id_pattern=re.compile(r"\d{1,18}"),
    properties={
        "bygningsnummer": _int("b.bygningsnummer", "Bygningsnummer"),
        "bygningstype": _text("b.bygningstype", "Bygningstype"),
        "bygningsstatus": _text("b.bygningsstatus", "Bygningsstatus"),
        "matrikkelnumre": Property(
            "array_to_json(b.matrikkelnumre)", "array", "Matrikkelnumre", queryable=False
        ),
    },
    tiles=TileLayer(15, ("bygningsnummer", "bygningstype")),
    keywords=("matrikkel", "bygning"),
)

COLLECTIONS = (TEIGER, MATRIKKELENHETER, ADRESSER, BYGNINGER)
