"""Folkeregisteret's persons in SQL (``grunndata.graphql.sql``): the same answers as
``types.Person`` for the fields below, built in the statement that asks for them.

A person's row is its ``identifikator`` row (the identifier it was found by, and its
``person_id``). A fact is the newest version of its element valid at the query's instant,
as ``Person._one`` picks it (the reverse of ``queries.fakta``'s order, first row); the JSON
of a fact's parts (``vegadresse``, ``poststed``, ...) is the row of the types below it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from grunndata.graphql.gradering import graded_sql
from grunndata.graphql.sql.forms import Column, Nested, PersonForm, Related, RootPlan, SqlType
from grunndata.graphql.tid import Tidspunkt
from grunndata.identifiers import InvalidIdentifier, parse_person_id

_NEWEST = "lower({r}.gyldig) DESC NULLS LAST, {r}.relasjon DESC, {r}v.id DESC"


def _facts(element: str, alias: str = "{r}") -> str:
    """``FROM … WHERE …``: the versions of ``element`` of the person ``{t}``, as of."""
    return (
        f"FROM folkeregister.fakta {alias} JOIN folkeregister.versjon {alias}v "
        f"ON {alias}v.id = {alias}.versjon_id WHERE {alias}.person_id = {{t}}.person_id "
        f"AND {alias}.element = '{element}' AND {{as_of}}"
    )


def _fact(type_name: str, element: str) -> Related:
    return Related(type_name, _facts(element), _NEWEST, many=False)


def _value(element: str, key: str, *, date: bool = False) -> Column:
    """``key`` of the person's current ``element`` (a date only when it is a string)."""
    value = f"{{x}}v.data->'{key}'"
    if date:
        value = f"CASE WHEN jsonb_typeof({value}) = 'string' THEN {value} END"
    newest = _NEWEST.replace("{r}", "{x}")
    return Column(f"(SELECT {value} {_facts(element, '{x}')} ORDER BY {newest} LIMIT 1)")


def _json(*keys: str) -> dict[str, Column]:
    """Fields read as they are from the row's JSON object (``data.get(key)``)."""
    return {key: Column(f"{{t}}->'{key}'") for key in keys}


def _part(type_name: str, path: str) -> Nested:
    """The JSON object at ``path`` (SQL over ``{t}``); null when missing or empty, as
    ``if not data: return None``."""
    present = f"jsonb_typeof({path}) = 'object' AND {path} <> jsonb_build_object()"
    return Nested(type_name, null_if=f"NOT coalesce({present}, false)", at=path)


CURRENT_IDENTIFIER = (
    "coalesce((SELECT {x}v.data->>'foedselsEllerDNummer' "
    + _facts("identifikasjonsnummer", "{x}")
    + " AND {x}v.data->>'status' = 'iBruk' ORDER BY "
    "coalesce({x}v.data->>'identifikatortype' = 'foedselsnummer', false) DESC, "
    + _NEWEST.replace("{r}", "{x}")
    + " LIMIT 1), {t}.identifikasjonsnummer)"
)

#: As ``Person.adressebeskyttet``: the person (by the row's identifier) is graded now, read
#: from felles.adressebeskyttelse (``grunndata.graphql.gradering``).
GRADED = graded_sql("{t}.identifikasjonsnummer")

PERSON = SqlType(
    "Person",
    {
        "identifikasjonsnummer": Column(CURRENT_IDENTIFIER),
        "navn": _fact("Navn", "navn"),
        "foedselsdato": _value("foedsel", "foedselsdato", date=True),
        "foedselsaar": _value("foedsel", "foedselsaar"),
        "kjoenn": _value("kjoenn", "kjoenn"),
        "status": _value("status", "status"),
        "bostedsadresse": _fact("Bostedsadresse", "bostedsadresse"),
        "oppholdsadresse": _fact("Bostedsadresse", "oppholdsadresse"),
    },
    by_key="FROM folkeregister.identifikator {r} WHERE {r}.identifikasjonsnummer = {key}",
    person=PersonForm(identifier=CURRENT_IDENTIFIER, graded=GRADED),
)

NAVN = SqlType(
    "Navn", {key: Column(f"{{t}}v.data->'{key}'") for key in ("fornavn", "mellomnavn", "etternavn")}
)

BOSTEDSADRESSE = SqlType(
    "Bostedsadresse",
    {
        "adresseIdentifikatorFraMatrikkelen": Column(
            "{t}v.data->>'adresseIdentifikatorFraMatrikkelen'"
        ),
        "adressegradering": Column("{t}v.data->'adressegradering'"),
        "vegadresse": _part("Vegadresse", "{t}v.data->'vegadresse'"),
    },
)

VEGADRESSE = SqlType(
    "Vegadresse",
    {
        **_json("adressenavn", "kommunenummer", "bruksenhetsnummer", "adressetilleggsnavn"),
        "adressekode": Column("{t}->>'adressekode'"),
        "coAdressenavn": Column("{t}->'coAdressenavn'"),
        "adressenummer": _part("Adressenummer", "{t}->'adressenummer'"),
        "poststed": _part("Poststed", "{t}->'poststed'"),
    },
)

ADRESSENUMMER = SqlType(
    "Adressenummer",
    {"husnummer": Column("{t}->>'husnummer'"), "husbokstav": Column("{t}->'husbokstav'")},
)

POSTSTED = SqlType("Poststed", _json("postnummer", "poststedsnavn"))

SQL_TYPES = (PERSON, NAVN, BOSTEDSADRESSE, VEGADRESSE, ADRESSENUMMER, POSTSTED)


def person(arguments: Mapping[str, Any], now: dt.datetime) -> RootPlan | None:
    """A person by any identifier held; a recorded-time question (which identifiers the
    register knew then), a malformed identifier or a miss: the resolver."""
    if arguments.get("ajourholdstidspunkt") is not None:
        return None
    try:
        number = parse_person_id(arguments["identifikasjonsnummer"]).value
    except InvalidIdentifier:
        return None
    tid = Tidspunkt.fra_argumenter(arguments.get("gyldighetstidspunkt"), None, naa=now)
    return RootPlan(
        "Person", tid, "FROM folkeregister.identifikator {r} "
        "WHERE {r}.identifikasjonsnummer = %(identifikasjonsnummer)s",
        {"identifikasjonsnummer": number}, fall_back_on_null=True,
    )  # fmt: skip


SQL_ROOTS = {"person": person}
