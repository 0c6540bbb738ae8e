"""Matrikkelen's types and root fields in SQL (``grunndata.graphql.sql``): the same
answers as the resolvers in ``types`` and ``query``, built by one statement per root field.

Each expression mirrors its resolver and ``queries``: same columns, same order, the same
GeoJSON (``geometri.geojson_sql``), areas summed in the teiger's order.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from grunndata.errors import GrunndataError
from grunndata.graphql.connection import page
from grunndata.graphql.sql.forms import (
    ByKey,
    Column,
    Nested,
    Related,
    RootPlan,
    Shape,
    SqlType,
    one_at,
)
from grunndata.graphql.sql.scalars import datetime_sql
from grunndata.graphql.tid import Tidspunkt
from grunndata.identifiers import InvalidIdentifier, parse_matrikkelnummer
from grunndata.registers.lenker import ADRESSE_BY_POSTFORM
from grunndata.registers.matrikkel.geometri import geojson_sql
from grunndata.registers.matrikkel.query import _kommunenumre

_TEIG_ORDER = "ST_XMin({r}.geometri), ST_YMin({r}.geometri), ST_XMax({r}.geometri), " \
    "ST_YMax({r}.geometri)"  # fmt: skip
_OF_UNIT = "WHERE {r}.matrikkelnummer = {t}.matrikkelnummer AND {as_of}"
_TEIGER_OF_UNIT = "FROM matrikkel.teig {x} WHERE {x}.matrikkelnummer = {t}.matrikkelnummer " \
    "AND {as_of}"  # fmt: skip


def _columns(*names: str) -> dict[str, Column]:
    return {name: Column(f"{{t}}.{name}") for name in names}


EIENDOM = SqlType(
    "Eiendom",
    {
        **_columns(
            "matrikkelnummer",
            "kommunenummer",
            "gardsnummer",
            "bruksnummer",
            "festenummer",
            "seksjonsnummer",
            "status",
            "bruksnavn",
        ),
        "type": Column("{t}.matrikkelenhetstype"),
        "gyldigFra": Column(datetime_sql("lower({t}.gyldig)")),
        "kunFraKart": Column("{t}.kun_fra_kart"),
        "arealM2": Column(
            "(SELECT sum(ST_Area(ST_Transform({x}.geometri, 4326)::geography) ORDER BY "
            + _TEIG_ORDER.replace("{r}", "{x}")
            + ") "
            + _TEIGER_OF_UNIT
            + ")"
        ),
        "geometri": Column(
            f"(SELECT {geojson_sql('ST_Multi(ST_Union({x}.geometri))', '4326')} "
            + _TEIGER_OF_UNIT
            + ")"
        ),
        "tidligereMatrikkelnumre": Column(
            "(SELECT coalesce(json_agg({x}.tidligere ORDER BY {x}.tidligere), '[]'::json) "
            "FROM matrikkel.tidligere_matrikkelnummer {x} "
            "WHERE {x}.matrikkelnummer = {t}.matrikkelnummer AND {as_of})"
        ),
        "teiger": Related("Teig", "FROM matrikkel.teig {r} " + _OF_UNIT, _TEIG_ORDER),
        "adresser": Related(
            "Adresse",
            "FROM matrikkel.adresse {r} " + _OF_UNIT,
            "{r}.adressenavn, {r}.nummer, {r}.bokstav NULLS FIRST, {r}.adresse_id",
        ),
        "hjemmelshavere": Related(
            "Hjemmelshaver",
            "FROM matrikkel.eierforhold {r} " + _OF_UNIT,
            "{r}.identifikasjonsnummer, {r}.organisasjonsnummer, {r}.navn",
        ),
    },
)

TEIG = SqlType(
    "Teig",
    {
        "arealM2": Column("ST_Area(ST_Transform({t}.geometri, 4326)::geography)"),
        "geometri": Column(geojson_sql("{t}.geometri", "4326")),
    },
)

ADRESSE = SqlType(
    "Adresse",
    {
        **_columns(
            "adressetype",
            "adressekode",
            "adressenavn",
            "nummer",
            "bokstav",
            "undernummer",
            "adressetekst",
            "adressetilleggsnavn",
            "postnummer",
            "poststed",
            "kommunenummer",
            "matrikkelnummer",
        ),
        "adresseId": Column("{t}.adresse_id::text"),
        "normalisertPostadresse": Column("{t}.postadresse_form"),
        "representasjonspunkt": Column(geojson_sql("{t}.punkt", "4326")),
        "eiendom": Related("Eiendom", "FROM matrikkel.matrikkelenhet {r} " + _OF_UNIT, many=False),
    },
    by_keys={
        # as ``lenker.adresse_by_postform_batch``: the one address with the form, else none
        ADRESSE_BY_POSTFORM: "FROM (SELECT {r}.*, count(*) OVER () AS n__ FROM matrikkel.adresse "
        "{r} WHERE {r}.postadresse_form = {key} AND {as_of}) {r} WHERE {r}.n__ = 1",
    },
)

HJEMMELSHAVER = SqlType(
    "Hjemmelshaver",
    {
        **_columns("navn", "identifikasjonsnummer", "organisasjonsnummer"),
        "andel": Nested("Andel", null_if="{t}.andel_teller IS NULL"),
        "person": ByKey("Person", "{t}.identifikasjonsnummer"),
    },
    linked_person="{t}.identifikasjonsnummer",
)

ANDEL = SqlType(
    "Andel", {"teller": Column("{t}.andel_teller"), "nevner": Column("{t}.andel_nevner")}
)

SQL_TYPES = (EIENDOM, TEIG, ADRESSE, HJEMMELSHAVER, ANDEL)

_UNIT_ORDER = "{r}.kommunenummer, {r}.gardsnummer, {r}.bruksnummer, {r}.festenummer, " \
    "{r}.seksjonsnummer"  # fmt: skip


def eiendom(arguments: Mapping[str, Any], now: dt.datetime) -> RootPlan | None:
    """A unit by its current matrikkelnummer; a miss (a former number, an old kommune,
    or none) goes to the resolver, which knows what to say."""
    try:
        nummer = parse_matrikkelnummer(arguments["matrikkelnummer"])
    except InvalidIdentifier:
        return None
    return one_at(
        "Eiendom", "FROM matrikkel.matrikkelenhet {r} "
        "WHERE {r}.matrikkelnummer = %(matrikkelnummer)s AND {as_of}",
        {"matrikkelnummer": str(nummer)}, arguments, now,
    )  # fmt: skip


def eiendommer(arguments: Mapping[str, Any], now: dt.datetime) -> RootPlan | None:
    """A page of units by kommune, gnr, bnr and type (a shape filter: the resolver)."""
    given = arguments.get("filter") or {}
    if given.get("geometri") is not None:
        return None
    try:
        wanted = page(arguments.get("first"), arguments.get("after"))
        conditions, params = [], {}
        if given.get("kommunenummer") is not None:
            conditions.append("{r}.kommunenummer = ANY(%(f_kommune)s)")
            params["f_kommune"] = _kommunenumre(given["kommunenummer"])
    except (GrunndataError, InvalidIdentifier):
        return None
    for name in ("gardsnummer", "bruksnummer"):
        if given.get(name) is not None:
            conditions.append(f"{{r}}.{name} = %(f_{name})s")
            params[f"f_{name}"] = given[name]
    if given.get("type") is not None:
        conditions.append("{r}.matrikkelenhetstype = %(f_type)s")
        params["f_type"] = getattr(given["type"], "value", given["type"])
    return RootPlan(
        "Eiendom", Tidspunkt(gyldig=now),
        "FROM matrikkel.matrikkelenhet {r} WHERE " + " AND ".join(["{as_of}", *conditions]),
        params, Shape.CONNECTION, _UNIT_ORDER, wanted.limit, wanted.offset,
    )  # fmt: skip


SQL_ROOTS = {"eiendom": eiendom, "eiendommer": eiendommer}
