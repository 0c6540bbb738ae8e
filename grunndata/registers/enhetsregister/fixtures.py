"""Enhetsregisteret's part of ``grunndata fixtures generate``: each generated business,
branch and its roles as Brønnøysund's ``lastned`` JSON (``enhetsregister/enheter.json``,
``underenheter.json``, ``roller_totalbestand.json``)."""

from __future__ import annotations

from typing import Any

from grunndata.fixtures.facts import ROLE_NAMES, Branch, Business, Person, Roles
from grunndata.fixtures.hooks import FixtureFiles, JsonArray

ORGANISASJONSFORMER = {
    "AS": "Aksjeselskap",
    "ENK": "Enkeltpersonforetak",
    "ANS": "Ansvarlig selskap",
    "DA": "Selskap med delt ansvar",
    "FLI": "Forening/lag/innretning",
    "STI": "Stiftelse",
}
#: A role's group: its code and name.
ROLLEGRUPPER = {
    "DAGL": ("DAGL", "Daglig leder/ adm.direktør"),
    "LEDE": ("STYR", "Styre"),
    "MEDL": ("STYR", "Styre"),
    "INNH": ("INNH", "Innehaver"),
    "DTSO": ("DTSO", "Deltakere med solidarisk ansvar"),
    "DTPR": ("DTPR", "Deltakere med delt ansvar"),
    "REVI": ("REVI", "Revisor"),
}
API = "https://data.brreg.no/enhetsregisteret/api"


def forretningsadresse(business: Business) -> dict[str, Any]:
    return {
        "land": "Norge", "landkode": "NO", "postnummer": business.postnummer,
        "poststed": business.poststed, "adresse": [business.linje],
        "kommune": business.kommunenavn, "kommunenummer": business.kommunenummer,
    }  # fmt: skip


def enhet(b: Business) -> dict[str, Any]:
    return {
        "organisasjonsnummer": b.orgnr,
        "navn": b.navn,
        "organisasjonsform": {"kode": b.form, "beskrivelse": ORGANISASJONSFORMER[b.form]},
        "registreringsdatoEnhetsregisteret": b.founded,
        "registrertIMvaregisteret": b.form not in ("FLI", "STI"),
        "naeringskode1": {"kode": b.naering[0], "beskrivelse": b.naering[1]},
        "antallAnsatte": b.ansatte,
        "harRegistrertAntallAnsatte": b.ansatte > 0,
        "forretningsadresse": forretningsadresse(b),
        "stiftelsesdato": b.founded,
        "registrertIForetaksregisteret": b.form in ("AS", "ANS", "DA"),
        "registrertIStiftelsesregisteret": b.form == "STI",
        "registrertIFrivillighetsregisteret": b.form == "FLI",
        "konkurs": b.konkurs,
        "underAvvikling": False,
        "underTvangsavviklingEllerTvangsopplosning": False,
        "maalform": "Bokmål",
        "_links": {"self": {"href": f"{API}/enheter/{b.orgnr}"}},
    }


def underenhet(branch: Branch) -> dict[str, Any]:
    parent, at = branch.parent, branch.adresse
    adresse = dict(forretningsadresse(parent), adresse=[at.brreg_linje])
    adresse |= {"postnummer": at.postnummer, "poststed": at.poststed}
    return {
        "organisasjonsnummer": branch.orgnr,
        "navn": f"{parent.navn} AVD {at.adressenavn.upper()}",
        "organisasjonsform": {"kode": "BEDR", "beskrivelse":
                              "Underenhet til næringsdrivende og offentlig forvaltning"},
        "registreringsdatoEnhetsregisteret": parent.founded,
        "naeringskode1": {"kode": parent.naering[0], "beskrivelse": parent.naering[1]},
        "antallAnsatte": parent.ansatte // 2,
        "harRegistrertAntallAnsatte": True,
        "overordnetEnhet": parent.orgnr,
        "oppstartsdato": parent.founded,
        "beliggenhetsadresse": adresse,
        "_links": {"self": {"href": f"{API}/underenheter/{branch.orgnr}"}},
    }  # fmt: skip


def roller(roles: Roles) -> dict[str, Any]:
    groups: dict[str, dict[str, Any]] = {}
    for kode, holder in roles.roles:
        group_kode, group_navn = ROLLEGRUPPER[kode]
        group = groups.setdefault(
            group_kode,
            {"type": {"kode": group_kode, "beskrivelse": group_navn},
             "sistEndret": roles.founded, "roller": []},
        )  # fmt: skip
        role: dict[str, Any] = {"type": {"kode": kode, "beskrivelse": ROLE_NAMES[kode]}}
        if isinstance(holder, Person):
            fornavn, etternavn = holder.navn
            role["person"] = {
                "fodselsnummer": holder.p.nummer,
                "fodselsdato": holder.p.born,
                "navn": {"fornavn": fornavn, "etternavn": etternavn},
                "erDoed": False,
            }
        else:
            role["enhet"] = {
                "organisasjonsnummer": holder[0],
                "organisasjonsform": {"kode": "AS", "beskrivelse": "Aksjeselskap"},
                "navn": [holder[1]],
                "erSlettet": False,
            }
        role |= {"fratraadt": False, "rekkefolge": len(group["roller"])}
        group["roller"].append(role)
    return {"organisasjonsnummer": roles.orgnr, "rollegrupper": list(groups.values())}


class EnhetsregisterFixtures:
    def __init__(self, files: FixtureFiles) -> None:
        self.enheter = JsonArray(files.open("enhetsregister/enheter.json"))
        self.underenheter = JsonArray(files.open("enhetsregister/underenheter.json"))
        self.roller = JsonArray(files.open("enhetsregister/roller_totalbestand.json"))

    def business(self, business: Business) -> None:
        self.enheter.add(enhet(business))

    def branch(self, branch: Branch) -> None:
        self.underenheter.add(underenhet(branch))

    def roles(self, roles: Roles) -> None:
        self.roller.add(roller(roles))

    def close(self) -> str:
        for values in (self.enheter, self.underenheter, self.roller):
            values.close()
        return ""


def fixtures(files: FixtureFiles) -> EnhetsregisterFixtures:
    """``Register.fixtures``: the factory the generator calls."""
    return EnhetsregisterFixtures(files)
