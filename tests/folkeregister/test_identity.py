"""Identity is never merged silently: a document that would join two persons, or move an
identifier from one person to another, is rejected with both persons named; a document
that records the change itself (the old D-nummer ``opphoert`` beside the new number) is
taken. Inside one file, across files and across concurrent loads."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from grunndata.db.database import Database, connect
from grunndata.loaders.run import RunOutcome
from tests.folkeregister.helpers import DATA, ask, load, write_json
from tests.identifiers.strategies import complete_person_id

FIXTURES = Path(__file__).parents[2] / "fixtures" / "folkeregister" / "personer.json"
#: The documents of ``fixtures generate --persons 50000 --seed 7`` that share a D-nummer
#: with a person of the demo (seed 1): each names a new fødselsnummer beside it.
SEED7_SHARED_DNUMMER = DATA / "seed7_shared_dnummer.json"

PERSONER = """query ($ids: [ID!]!) { personer(identifikasjonsnummer: $ids) {
    identifikasjonsnummer navn { fornavn etternavn }
    identifikatorer { identifikasjonsnummer status } } }"""


def answers(database: Database, numbers: list[str]) -> list[Any]:
    result = ask(database, PERSONER, ids=numbers)
    assert not result["errors"], result
    return result["data"]["personer"]


def reasons(outcome: RunOutcome) -> list[str]:
    return [finding.reason for file in outcome.files for finding in file.findings]


def _pool(first: int, count: int) -> list[str]:
    """Valid synthetic numbers (month +80): fødselsnummer for ``first`` < 4, D-nummer from
    ``first`` 4 (day +40)."""
    numbers: list[str] = []
    serial = 100
    while len(numbers) < count:
        serial += 1
        number = complete_person_id(f"{first}1859{serial:03d}"[:6] + f"{serial:03d}")
        if number and number not in numbers:
            numbers.append(number)
    return numbers


FNR = _pool(1, 10)
DNR = _pool(5, 10)


def person(fnr: str, name: str, dnr: str | None = None, year: int = 2000) -> dict[str, Any]:
    """A minimal Freg document: its fødselsnummer (in use since ``year``), perhaps a
    D-nummer it held before (opphoert then), and a name."""
    since = f"{year}-01-01T00:00:00Z"
    ids = [{"foedselsEllerDNummer": fnr, "identifikatortype": "foedselsnummer",
            "status": "iBruk", "erGjeldende": True, "gyldighetstidspunkt": since,
            "ajourholdstidspunkt": since}]  # fmt: skip
    if dnr:
        before = f"{year - 5}-01-01T00:00:00Z"
        ids += [
            {"foedselsEllerDNummer": dnr, "identifikatortype": "dNummer", "status": "iBruk",
             "erGjeldende": False, "gyldighetstidspunkt": before, "ajourholdstidspunkt": before},
            {"foedselsEllerDNummer": dnr, "identifikatortype": "dNummer", "status": "opphoert",
             "erGjeldende": True, "gyldighetstidspunkt": since, "ajourholdstidspunkt": since},
        ]  # fmt: skip
    navn = {"fornavn": name, "etternavn": "Test", "erGjeldende": True,
            "gyldighetstidspunkt": since, "ajourholdstidspunkt": since}  # fmt: skip
    return {"identifikasjonsnummer": ids, "navn": [navn]}


# -- the example ----------------------------------------------------------------


def test_a_second_population_sharing_a_dnummer_is_rejected_naming_both(fresh_database, tmp_path):
    assert load(fresh_database, FIXTURES).exit_code == 0
    demo = ["25847100071", "15878400051", "09836700063", "14889900025", "30838600251"]
    before = answers(fresh_database, demo)
    assert all(p["navn"] and p["identifikatorer"] for p in before)

    outcome = load(fresh_database, SEED7_SHARED_DNUMMER)

    assert outcome.exit_code == 1 and outcome.files[0].rejected == 5
    assert answers(fresh_database, demo) == before
    found = reasons(outcome)
    assert any("65847100065" in r and "25847100071" in r and "25847100314" in r for r in found)
    assert any("different persons" in r and "30838600251" in r and "30838600170" in r
               for r in found)  # fmt: skip
    assert answers(fresh_database, ["25847100314"]) == [None]
    again = load(fresh_database, SEED7_SHARED_DNUMMER)
    assert again.exit_code == 1 and again.files[0].counts.superseded == 0


# -- the rule, by case ------------------------------------------------------------------


def test_a_change_of_identifier_recorded_in_the_document_is_taken(fresh_database, tmp_path):
    before = person(DNR[0], "Ada", year=1990)
    before["identifikasjonsnummer"][0]["identifikatortype"] = "dNummer"
    assert load(fresh_database, write_json(tmp_path / "a.json", [before])).exit_code == 0
    after = person(FNR[0], "Ada", dnr=DNR[0], year=1995)
    outcome = load(fresh_database, write_json(tmp_path / "b.json", [after]))
    assert outcome.exit_code == 0, reasons(outcome)
    by_d, by_f = answers(fresh_database, [DNR[0], FNR[0]])
    assert by_d == by_f and by_f["identifikasjonsnummer"] == FNR[0]


def test_inside_one_file_the_second_claim_on_a_dnummer_is_rejected(fresh_database, tmp_path):
    first, second = person(FNR[0], "Ada", DNR[0]), person(FNR[1], "Bo", DNR[0])
    outcome = load(fresh_database, write_json(tmp_path / "p.json", [first, second]))
    assert outcome.exit_code == 1
    (reason,) = reasons(outcome)
    assert DNR[0] in reason and FNR[0] in reason and FNR[1] in reason
    ada, bo = answers(fresh_database, [FNR[0], FNR[1]])
    assert ada["navn"]["fornavn"] == "Ada" and bo is None


def test_concurrent_loads_claiming_one_dnummer_leave_one_person_each(fresh_database, tmp_path):
    files = [write_json(tmp_path / f"{i}.json", [person(FNR[i], f"P{i}", DNR[0])]) for i in (0, 1)]
    outcomes: list[RunOutcome] = []
    threads = [threading.Thread(target=lambda f=f: outcomes.append(load(fresh_database, f)))
               for f in files]  # fmt: skip
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(o.exit_code for o in outcomes) == [0, 1]
    found = [p for p in answers(fresh_database, [FNR[0], FNR[1]]) if p]
    assert len(found) == 1 and found[0]["navn"]["fornavn"] in ("P0", "P1")
    (by_d,) = answers(fresh_database, [DNR[0]])
    assert by_d == found[0]


# -- the property: two populations with random shared identifiers ------------------------


@st.composite
def population(draw: st.DrawFn, name: str) -> list[dict[str, Any]]:
    size = draw(st.integers(1, 5))
    fnrs = draw(st.lists(st.sampled_from(FNR), min_size=size, max_size=size, unique=True))
    dnrs = draw(st.lists(st.sampled_from([*DNR, None]), min_size=size, max_size=size))
    seen: set[str] = set()
    documents = []
    for index, (fnr, dnr) in enumerate(zip(fnrs, dnrs, strict=True)):
        dnr = None if dnr in seen else dnr
        seen.add(dnr or "")
        year = draw(st.integers(1990, 2020))
        documents.append(person(fnr, f"{name}{index}", dnr, year))
    return documents


def _ids(document: dict[str, Any]) -> set[str]:
    return {i["foedselsEllerDNummer"] for i in document["identifikasjonsnummer"]}


@pytest.fixture(scope="module")
def identity_database(clones) -> Database:
    return clones.make()


@pytest.mark.slow
@settings(max_examples=25)
@given(first=population("A"), second=population("B"))
def test_every_stored_person_answers_as_before_or_the_document_was_rejected(
    identity_database, tmp_path_factory, first, second
):
    database = identity_database
    with connect(database.owner_url, autocommit=True) as conn:
        conn.execute("TRUNCATE folkeregister.fakta, folkeregister.versjon, "
                     "folkeregister.identifikator, folkeregister.person CASCADE")  # fmt: skip
    folder = tmp_path_factory.mktemp("populations")
    assert load(database, write_json(folder / "a.json", first)).exit_code == 0
    stored = [d["identifikasjonsnummer"][0]["foedselsEllerDNummer"] for d in first]
    before = answers(database, stored)

    outcome = load(database, write_json(folder / "b.json", second))

    assert outcome.exit_code in (0, 1)
    locations = " ".join(f.location for file in outcome.files for f in file.findings)

    def taken(document: dict[str, Any]) -> bool:
        return document["identifikasjonsnummer"][0]["foedselsEllerDNummer"] not in locations

    after = answers(database, stored)
    for number, old, new in zip(stored, before, after, strict=True):
        assert new and new["navn"] and new["identifikasjonsnummer"], number
        same_person = [d for d in second if number in _ids(d) and taken(d)]
        assert new == old or same_person, f"{number} changed by another person's document"
    for document in second:
        own = document["identifikasjonsnummer"][0]["foedselsEllerDNummer"]
        (answer,) = answers(database, [own])
        if taken(document):
            assert answer and answer["identifikasjonsnummer"] == own, (own, answer)
        elif own not in {n for d in first for n in _ids(d)}:
            assert answer is None
