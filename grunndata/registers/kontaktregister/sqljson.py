"""KRR's entries in SQL (``grunndata.graphql.sql``): the same answers as ``types`` and
``query`` (``kontaktinformasjon``, ``kontaktinformasjoner``, ``Person.kontaktinformasjon``),
built by one statement per root field.

A row is a ``kontaktregister.kontakt`` version; ``{at}`` is the asked moment. Each
expression mirrors its resolver: a dated field known only once set (``_known``), the
reservation not yet in force before its time, a channel usable by the 18-month rule in
Norwegian calendar months (``varsling.usable``: PostgreSQL's month arithmetic clamps to the
month's end as ``last_usable_day`` does), varslingsstatus's first reason that holds
(``varsling.vurder``). The certificate's fields read from its DER (subject, issuer, serial,
validity) are left to the resolvers; its DER is answered here.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from grunndata.graphql.keylist import MAX_KEYS
from grunndata.graphql.sql.forms import Column, Link, Nested, RootPlan, Shape, SqlType
from grunndata.graphql.sql.scalars import datetime_sql
from grunndata.graphql.tid import Tidspunkt
from grunndata.identifiers import parse_person_id
from grunndata.registers.kontaktregister.varsling import MONTHS, OSLO, Grunn, Varslingsstatus

_SOURCE = "FROM kontaktregister.kontakt {r} WHERE {r}.personidentifikator = "
_NORWEGIAN = f"AT TIME ZONE '{OSLO.key}'"


def _known(column: str) -> str:
    """As ``Kontaktinformasjon._known``: the column's value when set by the asked moment."""
    stamp = f"{{t}}.{column}_oppdatert"
    return f"CASE WHEN {stamp} IS NULL OR {stamp} <= {{at}} THEN {{t}}.{column} END"


def usable_sql(column: str) -> str:
    """As ``varsling.usable`` for a channel: updated by the moment, and the moment's
    Norwegian date at most 18 months after the latest of updated and verified by then."""
    updated, verified = f"{{t}}.{column}_oppdatert", f"{{t}}.{column}_sist_verifisert"
    anchor = f"greatest({updated}, CASE WHEN {verified} <= {{at}} THEN {verified} END)"
    last = f"(({anchor} {_NORWEGIAN})::date + interval '{MONTHS} months')::date"
    return f"coalesce({updated} <= {{at}} AND ({{at}} {_NORWEGIAN})::date <= {last}, false)"


def _has(column: str) -> str:
    return f"({_known(column)}) IS NOT NULL"


def _kanal(column: str) -> Nested:
    """An ``epost`` or ``mobil``: its values as one object (``KANAL`` reads it)."""
    at = (
        f"json_build_object('verdi', {{t}}.{column}, 'oppdatert', "
        f"{datetime_sql(f'{{t}}.{column}_oppdatert')}, 'sistVerifisert', "
        f"{datetime_sql(f'{{t}}.{column}_sist_verifisert')}, 'brukbar', {usable_sql(column)})"
    )
    return Nested("Kanal", null_if=f"NOT ({_has(column)})", at=at)


_CHANNELS = ("epostadresse", "mobiltelefonnummer")
_RESERVED = "({t}.reservasjon = 'JA' AND NOT coalesce({t}.reservasjonstidspunkt > {at}, false))"
#: ``varsling.vurder``'s reason (null: the person can be notified), the row's value for
#: ``VARSLING``.
_GRUNN = (
    f"CASE WHEN {{t}}.status = 'SLETTET' THEN '{Grunn.SLETTET.value}' "
    f"WHEN {{t}}.status = 'IKKE_REGISTRERT' THEN '{Grunn.IKKE_REGISTRERT.value}' "
    f"WHEN {_RESERVED} THEN '{Grunn.RESERVERT.value}' "
    f"WHEN {' OR '.join(f'({_has(c)} AND {usable_sql(c)})' for c in _CHANNELS)} THEN NULL "
    f"WHEN {' OR '.join(_has(c) for c in _CHANNELS)} THEN '{Grunn.UTDATERT.value}' "
    f"ELSE '{Grunn.INGEN_KONTAKTINFORMASJON.value}' END"
)

KONTAKTINFORMASJON = SqlType(
    "Kontaktinformasjon",
    {
        "personidentifikator": Column("{t}.personidentifikator"),
        "status": Column("{t}.status"),
        "reservasjon": Column(
            "CASE WHEN {t}.reservasjon = 'JA' AND {t}.reservasjonstidspunkt > {at} THEN 'NEI' "
            "ELSE {t}.reservasjon END"
        ),
        "reservasjonstidspunkt": Column(datetime_sql("{t}.reservasjonstidspunkt")),
        "epost": _kanal("epostadresse"),
        "mobil": _kanal("mobiltelefonnummer"),
        "spraak": Column(_known("spraak")),
        "varslingsstatus": Nested("Varsling", at=f"({_GRUNN})"),
        "digitalPostkasse": Nested(
            "DigitalPostkasse", null_if="{t}.postkasseadresse IS NULL AND {t}.sertifikat IS NULL"
        ),
    },
    linked_person="{t}.personidentifikator",
    graded_matters=False,  # an entry is answered whatever the person's grading
)

KANAL = SqlType(
    "Kanal",
    {name: Column(f"({{t}}->'{name}')") for name in ("verdi", "oppdatert", "sistVerifisert",
                                                     "brukbar")},
)  # fmt: skip

VARSLING = SqlType(
    "Varsling",
    {
        "status": Column(
            f"CASE WHEN {{t}} IS NULL THEN '{Varslingsstatus.KAN_VARSLES.value}' "
            f"ELSE '{Varslingsstatus.KAN_IKKE_VARSLES.value}' END"
        ),
        "grunn": Column("{t}"),
    },
)

DIGITAL_POSTKASSE = SqlType(
    "DigitalPostkasse",
    {
        "postkasseadresse": Column("{t}.postkasseadresse"),
        "leverandoeradresse": Column("{t}.postkasseleverandoeradresse"),
        "sertifikat": Nested("Sertifikat", null_if="{t}.sertifikat IS NULL"),
    },
)

SERTIFIKAT = SqlType(
    "Sertifikat", {"der": Column("translate(encode({t}.sertifikat, 'base64'), chr(10), '')")}
)

#: ``Person.kontaktinformasjon`` (``lenker``), asked without time arguments: now.
LINKS = (
    SqlType(
        "Person",
        {"kontaktinformasjon": Link(
            "Kontaktinformasjon", "identifikasjonsnummer", _SOURCE + "{key} AND {as_of}",
            many=False,
        )},
    ),
)  # fmt: skip

SQL_TYPES = (KONTAKTINFORMASJON, KANAL, VARSLING, DIGITAL_POSTKASSE, SERTIFIKAT, *LINKS)


def _tid(arguments: Mapping[str, Any], now: dt.datetime) -> Tidspunkt:
    return Tidspunkt.fra_argumenter(
        arguments.get("gyldighetstidspunkt"), arguments.get("ajourholdstidspunkt"), naa=now
    )


def kontaktinformasjon(arguments: Mapping[str, Any], now: dt.datetime) -> RootPlan | None:
    """One person's entry (null when none); a malformed identifier: the resolver."""
    try:
        number = parse_person_id(str(arguments["identifikasjonsnummer"])).value
    except ValueError:
        return None
    source = _SOURCE + "%(nr)s AND {as_of}"
    return RootPlan("Kontaktinformasjon", _tid(arguments, now), source, {"nr": number})


def kontaktinformasjoner(arguments: Mapping[str, Any], now: dt.datetime) -> RootPlan | None:
    """Entries in input order, null for none; too many keys, or a malformed one (an
    error at its index): the resolver."""
    given = arguments["identifikasjonsnummer"]
    if len(given) > MAX_KEYS:
        return None
    try:
        numbers = [parse_person_id(str(value)).value for value in given]
    except ValueError:  # as ``keylist.in_input_order`` marks a malformed one
        return None
    source = _SOURCE + "{key} AND {as_of}"  # one version at an instant: one row a key
    return RootPlan(
        "Kontaktinformasjon", _tid(arguments, now), source, {"keys": numbers}, Shape.KEYS,
        key="{r}.personidentifikator",
    )  # fmt: skip


SQL_ROOTS = {"kontaktinformasjon": kontaktinformasjon, "kontaktinformasjoner": kontaktinformasjoner}
