"""A Freg person document (format ``freg-person``) written from a person's life events.

``persondokument(p)`` writes the story a ``P`` holds (moves, name changes, marriages,
children, D-nummer, death, emigration, ...) as Skatteetaten's Freg API gives it: every
fact as versions with ``gyldighetstidspunkt``/``ajourholdstidspunkt``, ``erGjeldende`` and
``kilde`` (``tidsstempel``). Folkeregisteret's part of the generator (``fixtures``), the
stand-in Freg API and the hand-written demo cast (``tests/folkeregister/cast.py``) write
with it; ``document`` reads what it writes.
"""

from __future__ import annotations

from typing import Any

from grunndata.fixtures.facts import Bosted, P
from grunndata.registers.folkeregister.tidsstempel import meta


def persondokument(p: P) -> dict[str, Any]:
    """``p``'s Freg person document, its elements in Freg's order, empty ones left out."""
    doc: dict[str, Any] = {"identifikasjonsnummer": _identifiers(p)}
    doc["status"] = _status(p)
    doc["kjoenn"] = [{"erGjeldende": True, "kilde": "KILDE_DSF", "kjoenn": p.kjoenn}]
    foedsel = {"foedselsdato": p.born, "foedselsaar": p.born[:4], "foedeland": p.foedeland}
    doc["foedsel"] = [{**meta(p.born), **foedsel}]
    if p.foedekommune:
        doc["foedsel"][0]["foedekommuneINorge"] = p.foedekommune
    doc["navn"] = _names(p)
    doc["bostedsadresse"] = _addresses(p)
    doc["sivilstand"] = _sivilstand(p)
    doc["familierelasjon"] = _relations(p)
    doc["foreldreansvar"] = [
        {**meta(p.born), "ansvar": ansvar, "ansvarlig": nr, "ansvarssubjekt": p.nummer}
        for nr, ansvar in p.foreldreansvar
    ]
    doc["statsborgerskap"] = [
        {**meta(day, aarsak="Erverv"), "statsborgerskap": land, "ervervsdato": day}
        for day, land in p.statsborgerskap or [(p.born, "NOR")]
    ]
    if p.gradering:
        day, level = p.gradering
        doc["adressebeskyttelse"] = [
            {**meta(day, aarsak="Adressebeskyttelse"), "graderingsnivaa": level}
        ]
    if p.doed:
        doc["doedsfall"] = {**meta(p.doed), "doedsdato": p.doed}
    if p.utflyttet:
        day, land = p.utflyttet
        doc["utflytting"] = [{**meta(day), "tilflyttingsland": land, "utflyttingsdato": day}]
    if p.postboks:
        doc["postadresse"] = _postboks(p, *p.postboks)
    return {key: value for key, value in doc.items() if value}


def vegadresse(bosted: Bosted) -> dict[str, Any]:
    """A bostedsadresse's ``vegadresse`` (a home in a house: bruksenhet H0101)."""
    b = bosted
    adressenummer = {"husnummer": b.nummer} | ({"husbokstav": b.bokstav} if b.bokstav else {})
    return {
        "kommunenummer": b.kommunenummer,
        "bruksenhetsnummer": "H0101",
        "bruksenhetstype": "bolig",
        "adressenavn": b.adressenavn,
        "adressenummer": adressenummer,
        "adressekode": b.adressekode,
        "poststed": {"poststedsnavn": b.poststed, "postnummer": b.postnummer},
    }


def _status(p: P) -> list[dict[str, Any]]:
    last = p.doed or (p.utflyttet[0] if p.utflyttet else None)
    status = [{**meta(p.born, current=not last, aarsak="Fødsel"), "status": "bosatt"}]
    if p.dnummer:
        status = [
            {**meta(p.dnummer[1], current=False), "status": "ikkeBosatt"},
            {**meta(p.dnummer[2], current=not last), "status": "bosatt"},
        ]
    if p.doed:
        status.append({**meta(p.doed, aarsak="Dødsfall"), "status": "doed"})
    if p.utflyttet:
        status.append({**meta(p.utflyttet[0], aarsak="Utflytting"), "status": "utflyttet"})
    return status


def _identifiers(p: P) -> list[dict[str, Any]]:
    kind = "dNummer" if p.nummer[0] in "4567" else "foedselsnummer"
    fnr = {"foedselsEllerDNummer": p.nummer, "identifikatortype": kind}
    if not p.dnummer:
        return [{**meta(None), "status": "iBruk", **fnr}]
    dnr, start, replaced = p.dnummer
    d = {"foedselsEllerDNummer": dnr, "identifikatortype": "dNummer"}
    return [
        {**meta(replaced, aarsak="Nytt identifikasjonsnummer"), "status": "iBruk", **fnr},
        {**meta(start, current=False, aarsak="Tildeling"), "status": "iBruk", **d},
        {**meta(replaced, aarsak="Nytt identifikasjonsnummer"), "status": "opphoert", **d},
    ]


def _names(p: P) -> list[dict[str, Any]]:
    start = p.dnummer[1] if p.dnummer else p.born
    versions = [(start, p.etternavn), *p.names]
    return [
        {
            **meta(day, current=i == len(versions) - 1, aarsak="Navn"),
            "fornavn": p.fornavn.upper(),
            "etternavn": etternavn.upper(),
        }
        for i, (day, etternavn) in enumerate(versions)
    ]


def _addresses(p: P) -> list[dict[str, Any]]:
    out = []
    for i, (day, adresse) in enumerate(p.moves):
        last = i == len(p.moves) - 1
        ended = p.utflyttet[0] if last and p.utflyttet else None
        version = {
            **meta(day, current=last and not ended, aarsak="Flytting innenlands", ended=ended),
            "flyttedato": day,
        }
        if isinstance(adresse, str):
            version["adressegradering"] = adresse
        else:
            version |= {
                "vegadresse": vegadresse(adresse),
                "adresseIdentifikatorFraMatrikkelen": adresse.adresse_id,
                "adressegradering": "ugradert",
            }
        out.append(version)
    return out


def _postboks(p: P, postboks: str, postnummer: str, poststed: str) -> list[dict[str, Any]]:
    return [
        {
            **meta(p.gradering[0] if p.gradering else p.born),
            "adressegradering": "ugradert",
            "postboksadresse": {
                "postbokseier": p.fornavn,
                "postboks": postboks,
                "poststed": {"poststedsnavn": poststed, "postnummer": postnummer},
            },
        }
    ]


def _sivilstand(p: P) -> list[dict[str, Any]]:
    start = p.dnummer[1] if p.dnummer else p.born
    versions: list[tuple[str, str, str | None]] = [(start, "ugift", None), *p.sivilstand]
    out = []
    for i, (day, kode, relatert) in enumerate(versions):
        version = {
            **meta(day, current=i == len(versions) - 1),
            "sivilstand": kode,
            "sivilstandsdato": day,
        }
        if relatert:
            version["relatertVedSivilstand"] = relatert
        out.append(version)
    return out


def _relations(p: P) -> list[dict[str, Any]]:
    out = []
    for role, nummer in p.parents:
        out.append(
            {
                **meta(p.born, aarsak="Fødsel"),
                "relatertPerson": nummer,
                "relatertPersonsRolle": role,
                "minRolleForPerson": "barn",
            }
        )
    for nummer, born, my_role in p.children:
        out.append(
            {
                **meta(born, aarsak="Fødsel"),
                "relatertPerson": nummer,
                "relatertPersonsRolle": "barn",
                "minRolleForPerson": my_role,
            }
        )
    for nummer, start, end in p.spouses:
        out.append(
            {
                **meta(start, current=end is None, aarsak="Vigsel", ended=end),
                "relatertPerson": nummer,
                "relatertPersonsRolle": "ektefelleEllerPartner",
                "minRolleForPerson": "ektefelleEllerPartner",
            }
        )
    return out
