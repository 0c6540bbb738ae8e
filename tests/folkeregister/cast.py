"""The test cast (``tests/data/cast/cast.md``) as Freg person documents.

``python -m tests.folkeregister.cast`` writes ``tests/data/cast/folkeregister/personer.json``; a
test checks the committed file is what this makes. Addresses are real rows of
Kartverket's sample (adresseId, adressekode, adressenavn, nummer, bokstav, postnummer),
all in 4204 Kristiansand.
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any

from grunndata.fixtures.facts import Bosted, P
from grunndata.registers.folkeregister.persondokument import persondokument

FIXTURE = Path(__file__).parents[1] / "data" / "cast" / "folkeregister" / "personer.json"

# adresseId: (adressenavn, adressekode, nummer, bokstav, postnummer)
ADRESSER = {
    "219136687": ("Tyrihansveien", "18981", "38", None, "4638"),
    "219136683": ("Tyrihansveien", "18981", "30", None, "4638"),
    "219136680": ("Tyrihansveien", "18981", "24", None, "4638"),
    "219136678": ("Tyrihansveien", "18981", "20", None, "4638"),
    "219136674": ("Tyrihansveien", "18981", "12", None, "4638"),
    "219136672": ("Tyrihansveien", "18981", "8", None, "4638"),
    "219137292": ("Vardåsveien", "19210", "115", None, "4637"),
    "219137287": ("Vardåsveien", "19210", "110", "B", "4637"),
    "219137283": ("Vardåsveien", "19210", "108", "A", "4637"),
    "219137307": ("Vardåsveien", "19210", "144", None, "4637"),
    "219137305": ("Vardåsveien", "19210", "140", None, "4637"),
    "219137300": ("Vardåsveien", "19210", "130", None, "4637"),
    "219137297": ("Vardåsveien", "19210", "123", None, "4638"),
    "219137289": ("Vardåsveien", "19210", "112", None, "4637"),
}


def bosted(adresse_id: str) -> Bosted:
    navn, kode, nummer, bokstav, postnummer = ADRESSER[adresse_id]
    return Bosted(adresse_id, "4204", navn, kode, nummer, bokstav, postnummer, "KRISTIANSAND S")


def cast() -> list[P]:
    return [_placed(person) for person in _cast()]


def _placed(person: P) -> P:
    """Addresses by adresseId as Bosted; where born: Kristiansand (1001 until 2020, the
    code in force at birth), or abroad for those who came with a D-nummer."""
    moves = [(day, bosted(a) if a in ADRESSER else a) for day, a in person.moves]
    if person.dnummer:
        return replace(person, moves=moves, foedeland="POL" if person.fornavn == "Vera" else "NLD")
    return replace(person, moves=moves, foedekommune="1001" if person.born < "2020" else "4204")


def _cast() -> list[P]:
    arne, berit, camilla, david = "14834806046", "02915116372", "21867525758", "09817748772"
    emma, fredrik, guro, halvor = "30880376205", "05920683144", "17848244090", "28898448780"
    ingrid, jon, kari, lars = "11821555231", "04876045201", "19906311480", "23859045804"
    maja, nils, oda, petter = "03839228421", "24926921505", "06865829386", "31819940161"
    rune, sara, tone, ulrik = "08887128066", "11910193157", "27828739757", "01909539311"
    vera, wim = "12858938404", "03899412256"
    return [
        P(
            arne,
            "1948-03-14",
            "Arne",
            "Korsvik",
            "mann",
            moves=[("1974-05-01", "219136687")],
            sivilstand=[("1974-06-15", "gift", berit)],
            spouses=[(berit, "1974-06-15", None)],
            children=[(camilla, "1975-06-21", "far")],
        ),
        P(
            berit,
            "1951-11-02",
            "Berit",
            "Korsvik",
            "kvinne",
            moves=[("1974-05-01", "219136687")],
            sivilstand=[("1974-06-15", "gift", arne)],
            spouses=[(arne, "1974-06-15", None)],
            children=[(camilla, "1975-06-21", "mor")],
        ),
        P(
            camilla,
            "1975-06-21",
            "Camilla",
            "Korsvik",
            "kvinne",
            moves=[("1975-06-21", "219136687"), ("2001-04-01", "219137287")],
            names=[("2001-08-18", "Strand")],
            sivilstand=[("2001-08-18", "gift", david)],
            spouses=[(david, "2001-08-18", None)],
            parents=[("far", arne), ("mor", berit)],
            children=[(emma, "2003-08-30", "mor"), (fredrik, "2006-12-05", "mor")],
        ),
        P(
            david,
            "1977-01-09",
            "David",
            "Strand",
            "mann",
            moves=[("1999-09-01", "219137287")],
            sivilstand=[("2001-08-18", "gift", camilla)],
            spouses=[(camilla, "2001-08-18", None)],
            children=[(emma, "2003-08-30", "far"), (fredrik, "2006-12-05", "far")],
        ),
        P(
            emma,
            "2003-08-30",
            "Emma",
            "Strand",
            "kvinne",
            moves=[("2003-08-30", "219137287"), ("2022-08-15", "219136678")],
            parents=[("mor", camilla), ("far", david)],
        ),
        P(
            fredrik,
            "2006-12-05",
            "Fredrik",
            "Strand",
            "mann",
            moves=[("2006-12-05", "219137287")],
            parents=[("mor", camilla), ("far", david)],
        ),
        P(
            guro,
            "1982-04-17",
            "Guro",
            "Lunde",
            "kvinne",
            moves=[("2012-03-01", "219136680")],
            children=[(ingrid, "2015-02-11", "mor")],
        ),
        P(
            halvor,
            "1984-09-28",
            "Halvor",
            "Bakke",
            "mann",
            moves=[("2012-03-01", "219136680")],
            children=[(ingrid, "2015-02-11", "far")],
        ),
        P(
            ingrid,
            "2015-02-11",
            "Ingrid",
            "Bakke",
            "kvinne",
            moves=[("2015-02-11", "219136680")],
            parents=[("mor", guro), ("far", halvor)],
        ),
        P(
            jon,
            "1960-07-04",
            "Jon",
            "Vardås",
            "mann",
            moves=[("1986-05-01", "219137292")],
            sivilstand=[("1986-06-14", "gift", kari), ("2010-09-01", "skilt", kari)],
            spouses=[(kari, "1986-06-14", "2010-09-01")],
        ),
        P(
            kari,
            "1963-10-19",
            "Kari",
            "Nilsen",
            "kvinne",
            moves=[
                ("1986-05-01", "219137292"),
                ("2010-09-15", "219137289"),
                ("2011-03-01", "strengtFortrolig"),
            ],
            sivilstand=[("1986-06-14", "gift", jon), ("2010-09-01", "skilt", jon)],
            spouses=[(jon, "1986-06-14", "2010-09-01")],
            gradering=("2011-03-01", "strengtFortrolig"),
        ),
        P(
            lars,
            "1990-05-23",
            "Lars",
            "Eik",
            "mann",
            moves=[
                ("2010-08-01", "219136672"),
                ("2014-02-01", "219137289"),
                ("2021-10-01", "219137300"),
            ],
        ),
        P(
            maja,
            "1992-03-03",
            "Maja",
            "Eik",
            "kvinne",
            moves=[("2012-08-01", "219137300"), ("2019-05-01", "fortrolig")],
            gradering=("2019-05-01", "fortrolig"),
            postboks=("Postboks 512", "4665", "KRISTIANSAND S"),
        ),
        P(
            nils,
            "1969-12-24",
            "Nils",
            "Holm",
            "mann",
            moves=[("1995-04-01", "219137307")],
            sivilstand=[("1996-07-06", "gift", oda), ("2020-03-15", "enkeEllerEnkemann", oda)],
            spouses=[(oda, "1996-07-06", "2020-03-15")],
            children=[(petter, "1999-01-31", "far")],
        ),
        P(
            oda,
            "1958-06-06",
            "Oda",
            "Holm",
            "kvinne",
            moves=[("1995-04-01", "219137307")],
            sivilstand=[("1996-07-06", "gift", nils)],
            spouses=[(nils, "1996-07-06", None)],
            children=[(petter, "1999-01-31", "mor")],
            doed="2020-03-15",
        ),
        P(
            petter,
            "1999-01-31",
            "Petter",
            "Holm",
            "mann",
            moves=[("1999-01-31", "219137307"), ("2019-08-01", "219136674")],
            parents=[("far", nils), ("mor", oda)],
        ),
        P(
            rune,
            "1971-08-08",
            "Rune",
            "Dahl",
            "mann",
            moves=[("2000-03-01", "219137297")],
            children=[(sara, "2001-11-11", "far")],
            utflyttet=("2019-06-30", "SWE"),
        ),
        P(
            sara,
            "2001-11-11",
            "Sara",
            "Dahl",
            "kvinne",
            moves=[("2001-11-11", "219137297")],
            parents=[("far", rune)],
        ),
        P(
            tone,
            "1987-02-27",
            "Tone",
            "Aas",
            "kvinne",
            moves=[("2015-05-01", "219137283")],
            sivilstand=[("2016-06-18", "gift", ulrik)],
            spouses=[(ulrik, "2016-06-18", None)],
        ),
        P(
            ulrik,
            "1995-10-01",
            "Ulrik",
            "Aas",
            "mann",
            moves=[("2015-05-01", "219137283")],
            sivilstand=[("2016-06-18", "gift", tone)],
            spouses=[(tone, "2016-06-18", None)],
        ),
        P(
            vera,
            "1989-05-12",
            "Vera",
            "Kowalski",
            "kvinne",
            moves=[("2016-02-01", "219136683")],
            dnummer=("52858925126", "2012-09-01", "2016-02-01"),
            statsborgerskap=[("1989-05-12", "POL"), ("2019-11-20", "NOR")],
        ),
        P(
            wim,
            "1994-09-03",
            "Wim",
            "de Vries",
            "mann",
            moves=[("2021-04-06", "219137305")],
            dnummer=("43899422555", "2018-03-01", "2021-04-06"),
            statsborgerskap=[("1994-09-03", "NLD")],
        ),
    ]


def documents() -> list[dict[str, Any]]:
    return [persondokument(person) for person in cast()]


def render() -> str:
    return json.dumps(documents(), ensure_ascii=False, indent=1) + "\n"


if __name__ == "__main__":
    FIXTURE.parent.mkdir(parents=True, exist_ok=True)
    FIXTURE.write_text(render(), encoding="utf-8")
