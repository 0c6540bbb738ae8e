"""Enhetsregisteret's units and roles in SQL (``grunndata.graphql.sql``): the same answers
as ``types.Enhet`` and ``types.Rolle`` for the fields below, built by one statement per
root field.

A unit's row is its ``enhetsregister.enhet`` version, a role's its ``enhetsregister.rolle``
row; a code (``EnhetKode``) is built as a JSON object from its two columns, an address
(``EnhetAdresse``) is read from its jsonb column. Each expression mirrors its resolver and
``queries``: the same rows, in the same order, a withdrawn unit never shown.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from typing import Any

from grunndata.errors import GrunndataError
from grunndata.graphql.connection import page
from grunndata.graphql.sql.forms import (
    ByKey,
    Column,
    Field,
    Link,
    Nested,
    Paged,
    Related,
    RootPlan,
    Shape,
    SqlType,
    one_at,
)
from grunndata.graphql.sql.scalars import datetime_sql
from grunndata.graphql.tid import Tidspunkt
from grunndata.identifiers import parse_orgnr
from grunndata.registers.enhetsregister.fields import FIELDS, Kind, column
from grunndata.registers.enhetsregister.queries import shown
from grunndata.registers.enhetsregister.query import EnhetFilter, _search
from grunndata.registers.lenker import ADRESSE_BY_POSTFORM

_SHOWN = shown("{r}")
_ROLE_ORDER = "{r}.rollegruppe_kode, {r}.rekkefolge, {r}.rolletype_kode, " \
    "{r}.person_etternavn, {r}.person_fornavn, {r}.enhet_organisasjonsnummer"  # fmt: skip


def _unit(key: str) -> Related:
    """The unit whose organisasjonsnummer is ``key`` (SQL over ``{t}``), as of the query."""
    return Related(
        "Enhet", "FROM enhetsregister.enhet {r} WHERE {r}.organisasjonsnummer = " + key
        + " AND {as_of} AND " + _SHOWN, many=False,
    )  # fmt: skip


def _code(kode: str, beskrivelse: str) -> Nested:
    """An ``EnhetKode`` from two columns of the row: null when both are (``_kode``)."""
    return Nested(
        "EnhetKode",
        null_if=f"{{t}}.{kode} IS NULL AND {{t}}.{beskrivelse} IS NULL",
        at=f"json_build_object('kode', {{t}}.{kode}, 'beskrivelse', {{t}}.{beskrivelse})",
    )


#: The key an ``EnhetAdresse``'s object carries its normalised postal form under (the
#: column's generated ``<column>_form``): no key of Brønnøysund's (``fields.ADDRESS_PARTS``).
_FORM = "postform__"
#: The address columns with a generated postal form (the ones ``adresseIMatrikkelen`` reads).
_WITH_FORM = ("forretningsadresse", "beliggenhetsadresse")


def _address(column: str) -> Nested:
    """An ``EnhetAdresse`` from a jsonb column: null when missing or empty (``_adresse``);
    its postal form added when the column has one."""
    path = f"{{t}}.{column}"
    present = f"jsonb_typeof({path}) = 'object' AND {path} <> jsonb_build_object()"
    at = f"({path} || jsonb_build_object('{_FORM}', {path}_form))" if column in _WITH_FORM else path
    return Nested("EnhetAdresse", null_if=f"NOT coalesce({present}, false)", at=at)


def _plain(kind: Kind, columns: tuple[str, ...]) -> Field:
    if kind is Kind.CODE:
        return _code(*columns)
    if kind is Kind.ADDRESS:
        return _address(columns[0])
    if kind is Kind.LIST:
        return Column(f"coalesce(to_json({{t}}.{columns[0]}), '[]'::json)")
    return Column(f"{{t}}.{columns[0]}")


_NAERINGSKODER = " || ".join(
    f"CASE WHEN {{t}}.naeringskode{i}_kode IS NULL AND {{t}}.naeringskode{i}_beskrivelse "
    f"IS NULL THEN '[]'::jsonb ELSE jsonb_build_array(jsonb_build_object('kode', "
    f"{{t}}.naeringskode{i}_kode, 'beskrivelse', {{t}}.naeringskode{i}_beskrivelse)) END"
    for i in (1, 2, 3)
)

ENHET = SqlType(
    "Enhet",
    {
        **{f.name: _plain(f.kind, f.columns) for f in FIELDS if f.name != "overordnetEnhet"},
        "organisasjonsnummer": Column("{t}.organisasjonsnummer"),
        "erUnderenhet": Column("{t}.er_underenhet"),
        "mvaNummer": Column(
            "CASE WHEN {t}.registrert_i_mvaregisteret THEN "
            "'NO' || {t}.organisasjonsnummer || 'MVA' END"
        ),
        # the codes held, in order: each element of the array is the row {r} (as a value)
        "naeringskoder": Related("EnhetKode", f"FROM jsonb_array_elements({_NAERINGSKODER}) {{r}}"),
        "erSlettet": Column("{t}.slettedato IS NOT NULL"),
        "gyldigFra": Column(datetime_sql("lower({t}.gyldig)")),
        "gyldigTil": Column(datetime_sql("upper({t}.gyldig)")),
        "registrertFra": Column(datetime_sql("lower({t}.registrert)")),
        "registrertTil": Column(datetime_sql("upper({t}.registrert)")),
        # every version in valid time, as registered at the query's instant (``historikk``)
        "historikk": Related(
            "Enhet",
            "FROM enhetsregister.enhet {r} WHERE {r}.organisasjonsnummer = "
            "{t}.organisasjonsnummer AND {recorded} AND " + _SHOWN,
            "lower({r}.gyldig) NULLS FIRST",
        ),
        "overordnetEnhet": _unit("{t}.overordnet_enhet"),
        "underenheter": Paged(
            "Enhet",
            "FROM enhetsregister.enhet {r} WHERE {r}.overordnet_enhet = {t}.organisasjonsnummer "
            "AND {r}.er_underenhet AND {as_of} AND " + _SHOWN,
            "{r}.organisasjonsnummer",
        ),
        "roller": Related(
            "Rolle",
            "FROM enhetsregister.rolle {r} WHERE {r}.organisasjonsnummer = "
            "{t}.organisasjonsnummer AND {as_of} AND " + _SHOWN,
            _ROLE_ORDER,
        ),
    },
)

ENHET_KODE = SqlType(
    "EnhetKode", {"kode": Column("({t}->'kode')"), "beskrivelse": Column("({t}->'beskrivelse')")}
)

ENHET_ADRESSE = SqlType(
    "EnhetAdresse",
    {
        "adresse": Column(
            "CASE WHEN jsonb_typeof({t}->'adresse') = 'array' THEN {t}->'adresse' "
            "ELSE '[]'::jsonb END"
        ),
        **{
            name: Column(f"({{t}}->'{name}')")
            for name in ("postnummer", "poststed", "kommune", "kommunenummer", "land", "landkode")
        },
        # Matrikkelen's address by postal form, now, when exactly one has it (its room's SQL)
        "adresseIMatrikkelen": ByKey("Adresse", f"({{t}}->>'{_FORM}')", ADRESSE_BY_POSTFORM),
    },
)

_HOLDER = "{t}.person_fodselsnummer"

ROLLE = SqlType(
    "Rolle",
    {
        "type": _code("rolletype_kode", "rolletype_beskrivelse"),
        "rollegruppe": _code("rollegruppe_kode", "rollegruppe_beskrivelse"),
        "fratraadt": Column("{t}.fratraadt"),
        "rekkefolge": Column("{t}.rekkefolge"),
        "ansvarsandel": Column("{t}.ansvarsandel"),
        "valgtAv": _code("valgt_av_kode", "valgt_av_beskrivelse"),
        "sistEndret": Column("{t}.sist_endret"),
        "innehaver": Nested("Rolleinnehaver"),
        "enhet": _unit("{t}.organisasjonsnummer"),
    },
    linked_person=_HOLDER,
)

_FULL_NAME = (
    "coalesce(nullif(concat_ws(' ', nullif({t}.person_fornavn, ''), "
    "nullif({t}.person_mellomnavn, ''), nullif({t}.person_etternavn, '')), ''), "
    "nullif({t}.enhet_navn, ''), '')"
)

ROLLEINNEHAVER = SqlType(
    "Rolleinnehaver",
    {
        "navn": Column(_FULL_NAME),
        "fornavn": Column("{t}.person_fornavn"),
        "mellomnavn": Column("{t}.person_mellomnavn"),
        "etternavn": Column("{t}.person_etternavn"),
        "foedselsdato": Column("{t}.person_fodselsdato"),
        "erDoed": Column("{t}.person_er_doed"),
        "foedselsnummer": Column(_HOLDER),
        "organisasjonsnummer": Column("{t}.enhet_organisasjonsnummer"),
        "enhet": _unit("{t}.enhet_organisasjonsnummer"),
        "person": ByKey("Person", _HOLDER),
    },
    linked_person=_HOLDER,
)

#: What this room adds to the others' types (``lenker``): a person's roles, resigned ones
#: left out, and the units at an address, found by the key each link reads.
LINKS = (
    SqlType("Person", {"roller": Link(
        "Rolle", "identifikasjonsnummer", "FROM enhetsregister.rolle {r} WHERE "
        "{r}.person_fodselsnummer = {key} AND {r}.fratraadt IS NOT TRUE AND {as_of} AND "
        + _SHOWN, "{r}.organisasjonsnummer, {r}.rollegruppe_kode, {r}.rekkefolge, "
        "{r}.rolletype_kode")}),
    SqlType("Adresse", {"enheter": Link(
        "Enhet", "normalisertPostadresse", "FROM enhetsregister.enhet {r} WHERE "
        "({r}.forretningsadresse_form = {key} OR {r}.beliggenhetsadresse_form = {key}) AND "
        "{as_of} AND " + _SHOWN, "{r}.organisasjonsnummer")}),
)  # fmt: skip

SQL_TYPES = (ENHET, ENHET_KODE, ENHET_ADRESSE, ROLLE, ROLLEINNEHAVER, *LINKS)


def enhet(arguments: Mapping[str, Any], now: dt.datetime) -> RootPlan | None:
    """A unit by organisasjonsnummer (a malformed one, or a miss: the resolver)."""
    try:
        orgnr = parse_orgnr(str(arguments["organisasjonsnummer"])).value
    except ValueError:
        return None
    return one_at(
        "Enhet", "FROM enhetsregister.enhet {r} WHERE {r}.organisasjonsnummer = "
        "%(organisasjonsnummer)s AND {as_of} AND " + _SHOWN,
        {"organisasjonsnummer": orgnr}, arguments, now,
    )  # fmt: skip


def enheter(arguments: Mapping[str, Any], now: dt.datetime) -> RootPlan | None:
    """A page of units by the filter's conditions (``queries.Search.where``), in
    organisasjonsnummer order; a name search (ranked) or a filter the resolver refuses:
    the resolver."""
    given = arguments.get("filter")
    try:
        wanted = page(arguments.get("first"), arguments.get("after"))
        search = _search(
            None if given is None else EnhetFilter(**{column(k): v for k, v in given.items()})
        )
    except (GrunndataError, ValueError):
        return None
    if search.navn is not None:
        return None
    conditions, params = search.where()
    where = re.sub(r"\be\.", "{r}.", " AND ".join(conditions))
    return RootPlan(
        "Enhet", Tidspunkt(gyldig=now), "FROM enhetsregister.enhet {r} WHERE " + where,
        params, Shape.CONNECTION, "{r}.organisasjonsnummer", wanted.limit, wanted.offset,
    )  # fmt: skip


SQL_ROOTS = {"enhet": enhet, "enheter": enheter}
