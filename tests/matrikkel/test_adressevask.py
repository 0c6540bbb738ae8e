"""adressevask through the real HTTP app, on the test cast (Kartverket's real rows around
Tyrihansveien, and the generated streets beside them)."""

from __future__ import annotations

import asyncio
import csv
import re
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from psycopg import AsyncConnection

from benchmarks.adressevask_stoy import STOY, merket
from grunndata.registers.matrikkel.vask import vask_mange
from grunndata.server import create_app
from tests.conftest import LiveServer
from tests.matrikkel.conftest import FIXTURES
from tests.matrikkel.test_graphql import data, gql

VASK = """query($tekst: String!, $kommunenummer: String, $postnummer: String) {
  adressevask(tekst: $tekst, kommunenummer: $kommunenummer, postnummer: $postnummer) {
    kategori
    begrunnelse { kode tekst }
    tolkning { gatenavn nummer bokstav postnummer sted postboks }
    kandidater { score korreksjoner { kode tekst }
                 adresse { adresseId adressetekst postnummer eiendom { matrikkelnummer } } }
  } }"""


def vask(server: str, tekst: str, **hints: Any) -> dict[str, Any]:
    return data(server, VASK, tekst=tekst, **hints)["adressevask"]


def best(result: dict[str, Any]) -> tuple[str, str, list[str]]:
    top = result["kandidater"][0]
    return (
        top["adresse"]["adressetekst"],
        result["kategori"],
        [k["kode"] for k in top["korreksjoner"]],
    )


def test_an_exact_address_is_category_a_with_its_unit(server):
    result = vask(server, "Tyrihansveien 38, 4638 KRISTIANSAND S")
    assert best(result) == ("Tyrihansveien 38", "A", [])
    assert result["kandidater"][0]["adresse"]["eiendom"]["matrikkelnummer"] == "4204-97/90/0/0"


@pytest.mark.parametrize(
    ("tekst", "adressetekst", "koder"),
    [
        ("Tyrihansveien 38 4638", "Tyrihansveien 38", []),
        ("Tyrihansveien 38 Kristiansand", "Tyrihansveien 38", []),
        ("tyrihansvn. 18", "Tyrihansveien 18", ["FORKORTELSE_SKREVET_UT"]),
        ("Tyrihnasveien 38, 4638", "Tyrihansveien 38", ["GATENAVN_STAVET_ANNERLEDES"]),
        ("Tyrihansveieen 38 Kristiansand S", "Tyrihansveien 38", ["GATENAVN_STAVET_ANNERLEDES"]),
        ("Vardaasveien 110 B, 4637", "Vardåsveien 110B", ["GATENAVN_SKRIVEMAATE"]),
        ("Ostre Korsvikveien 3", "Østre Korsvikvei 3", ["GATENAVN_SKRIVEMAATE"]),
        ("Tyrihansveien 38, 4637 Kristiansand S", "Tyrihansveien 38", ["POSTNUMMER_RETTET"]),
        ("Tyrihansveien 38 B, 4638", "Tyrihansveien 38", ["BOKSTAV_FJERNET"]),
    ],
)
def test_corrections_are_named(server, tekst, adressetekst, koder):
    text, kategori, found = best(vask(server, tekst))
    assert text == adressetekst
    assert found == koder
    assert kategori == ("A" if not koder else "B")


def test_a_postnummer_given_that_disagrees_is_a_correction_not_an_override(server):
    result = vask(server, "Tyrihansveien 38", postnummer="4637")
    text, kategori, koder = best(result)
    assert (text, koder) == ("Tyrihansveien 38", ["POSTNUMMER_RETTET"])
    assert result["kandidater"][0]["adresse"]["postnummer"] == "4638"
    assert kategori == "B"
    assert best(vask(server, "Tyrihansveien 38", kommunenummer="0301"))[2] == ["KOMMUNE_AVVIKER"]


def test_a_number_the_street_does_not_have_is_category_c(server):
    result = vask(server, "Tyrihansveien 39, 4638")
    assert result["kategori"] == "C"
    assert {k["adresse"]["adressetekst"] for k in result["kandidater"][:2]} == {
        "Tyrihansveien 38", "Tyrihansveien 40"
    }  # fmt: skip
    assert "HUSNUMMER_FINNES_IKKE" in best(result)[2]


def test_matrikkeladresse_forms_find_the_unit(server):
    assert best(vask(server, "gnr 97 bnr 90, 4204"))[:2] == ("Tyrihansveien 38", "A")
    assert best(vask(server, "104/1-1"))[:2] == ("104/1-1", "A")


@pytest.mark.parametrize(
    ("tekst", "kode"),
    [
        ("", "TOM_TEKST"),
        ("   ", "TOM_TEKST"),
        ("4638", "GATENAVN_MANGLER"),
        ("0150 Oslo", "GATENAVN_MANGLER"),
        ("Postboks 44, 4638 Kristiansand S", "POSTBOKS"),
        ("c/o Arne Korsvik, Pb. 12, 4638 KRISTIANSAND S", "POSTBOKS"),
        ("Qqqqq 1", "INGEN_TREFF"),
    ],
)
def test_no_candidates_with_a_reason(server, tekst, kode):
    result = vask(server, tekst)
    if kode == "INGEN_TREFF" and result["kandidater"]:  # something remotely like it: C
        assert result["kategori"] == "C"
        return
    assert result["kandidater"] == [] and result["kategori"] is None
    assert result["begrunnelse"]["kode"] == kode and result["begrunnelse"]["tekst"]


@pytest.mark.parametrize(
    ("variables", "message"),
    [
        ({"tekst": "Tyrihansveien 38 " * 40}, "at most 500"),
        ({"tekst": "Tyrihansveien\x0038"}, "control character"),
        ({"tekst": "Tyrihansveien\x1b[31m 38"}, "control character"),
        ({"tekst": "Tyrihansveien 38", "postnummer": "46380"}, "four digits"),
    ],
)
def test_bad_input_is_invalid_argument(server, variables, message):
    (error,) = gql(server, VASK, **variables)["errors"]
    assert error["extensions"]["code"] == "INVALID_ARGUMENT", error
    assert message in error["message"]


def test_an_unknown_kommunenummer_is_refused(server):
    (error,) = gql(server, VASK, tekst="Tyrihansveien 38", kommunenummer="99")["errors"]
    assert error["extensions"]["code"] in {"INVALID_ARGUMENT", "INVALID_IDENTIFIER"}


def test_the_labelled_set_recall_and_a_never_wrong(cast_database):
    """The labelled set (benchmarks/adressevask_stoy.py) from the cast's rows, each noise
    type: recall@1 at least 97 %, and no category A answer wrong."""
    with (FIXTURES / "adresser.csv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle, delimiter=";"))
    cases = merket(rows, 30)

    async def run() -> list[Any]:
        async with await AsyncConnection.connect(cast_database.app_url) as conn:
            return await vask_mange(conn, [c.tekst for c in cases])

    results = asyncio.run(run())
    right: Counter[str] = Counter()
    wrong_a = []
    for case, result in zip(cases, results, strict=True):
        top = str(result.kandidater[0].rad["adresse_id"]) if result.kandidater else None
        right[case.stoy] += top == case.adresse_id
        if result.kategori == "A" and top != case.adresse_id:
            wrong_a.append(case.tekst)
    assert wrong_a == []
    assert sum(right.values()) / len(cases) >= 0.97, right
    assert set(right) == set(STOY)


def test_the_documented_query_answers_as_the_doc_says(demo_database):
    doc = (Path(__file__).parent.parent.parent / "docs" / "adressevask.md").read_text()
    (query,) = re.findall(r"```graphql\n(.*?)```", doc, re.S)
    with LiveServer(create_app(demo_database.app_url)) as base:
        result = data(base, query)["adressevask"]
    top = result["kandidater"][0]
    assert (top["adresse"]["adressetekst"], result["kategori"]) == ("Bjørbjørveien 1", "B")
    assert [k["kode"] for k in top["korreksjoner"]] == [
        "GATENAVN_SKRIVEMAATE", "FORKORTELSE_SKREVET_UT", "POSTNUMMER_RETTET"
    ]  # fmt: skip


def _kandidat(tekst: str, navn: str, postnummer: str, korreksjoner: list[str], score: float):
    from grunndata.registers.matrikkel.vask import Kandidat

    rad = {"adressenavn": navn, "adressetekst": tekst, "eksakt": True, "bokstav": None,
           "postnummer": postnummer}  # fmt: skip
    return Kandidat(rad, score, korreksjoner, 0)


def test_twin_streets_spelled_alike_are_never_category_a():
    """Xveien and Xvegen both exist: a text naming one exactly, with nothing else to tell
    them apart, is not proof (the labelled set at 100 000 addresses found this)."""
    from grunndata.registers.matrikkel.vask import _kategori, _sporring

    s = _sporring(0, "Bjørkorsveien 12, Kristiansand S", None, None)
    veien = _kandidat("Bjørkorsveien 12", "Bjørkorsveien", "4701", [], 0.99)
    vegen = _kandidat("Bjørkorsvegen 12", "Bjørkorsvegen", "4733", ["GATENAVN_SKRIVEMAATE"], 0.97)
    assert _kategori(s, [veien, vegen]) == "C"
    s = _sporring(0, "Bjørkorsveien 12, 4701", None, None)
    vegen.korreksjoner.append("POSTNUMMER_RETTET")
    assert _kategori(s, [veien, vegen]) == "B"  # the place tells them apart


def test_a_twin_street_is_category_c_unless_the_place_tells_them_apart(clones, tmp_path):
    """Bjørkorsveien 2 and Bjørkorsvegen 2 in the same poststed (postnummer 4701 and 4702),
    loaded from Kartverket's format: a text that cannot tell them apart is C with both
    among the candidates; the postnummer or the spelling with it decides, never a wrong A/B."""
    from grunndata.loaders.run import run
    from grunndata.registers.matrikkel import REGISTER

    with (FIXTURES / "adresser.csv").open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle, delimiter=";")
        template, header = next(reader), list(reader.fieldnames or [])
    path = tmp_path / "adresser.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, header, delimiter=";", lineterminator="\n")
        writer.writeheader()
        for s, (navn, post) in enumerate((("Bjørkorsveien", "4701"), ("Bjørkorsvegen", "4702"))):
            for nummer in (1, 2, 3):
                ident = str(990000000 + 10 * s + nummer)
                writer.writerow(template | {
                    "lokalid": ident, "adresseId": ident, "uuidAdresse": "",
                    "adressekode": str(29001 + s), "adressenavn": navn, "nummer": str(nummer),
                    "bokstav": "", "adresseTekst": f"{navn} {nummer}",
                    "adresseTekstUtenAdressetilleggsnavn": f"{navn} {nummer}",
                    "postnummer": post, "poststed": "KRISTIANSAND S", "kommunenummer": "4204",
                    "Nord": f"{6466000 + 20 * nummer + 500 * s:.2f}", "Øst": "92000.00",
                })  # fmt: skip
    database = clones.make()
    outcome = run([path], formats=REGISTER.formats, database=database)
    assert outcome.exit_code == 0, outcome
    veien, vegen = "990000002", "990000012"
    texts = {
        "bjorkorsvn. 2 Kristiansand S": (None, "C"),
        "Bjørkorsv. 2, Kristiansand": (None, "C"),
        "bjørkorsveein 2 kristiansand s": (None, "C"),  # a typo in the ending says neither
        "Bjørkorsveien 2, 4701 Kristiansand S": (veien, "B"),
        "bjorkorsvn. 2, 4702": (vegen, "B"),
        "Bjørkorsvegen 2 4702 Kristiansand S": (vegen, "B"),
    }

    async def wash() -> list[Any]:
        async with await AsyncConnection.connect(database.app_url) as conn:
            return await vask_mange(conn, list(texts))

    for (tekst, (right, kategori)), result in zip(texts.items(), asyncio.run(wash()), strict=True):
        found = [str(k.rad["adresse_id"]) for k in result.kandidater]
        assert result.kategori == kategori, (tekst, result.kategori, found)
        if right is None:
            assert {veien, vegen} <= set(found), (tekst, found)
        else:
            assert found[0] == right, (tekst, found)
