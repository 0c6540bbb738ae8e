"""The real Freg sample documents load and answer as the issue says."""

from __future__ import annotations

import json

import pytest

from grunndata.db.database import Database
from tests.folkeregister.helpers import DATA, REAL_FILES, ask, load

STRENGT = DATA / "person_strengt_fortrolig_21860398300.json"

ADRESSE = """query($id: ID!, $g: DateTime, $a: DateTime) {
  person(identifikasjonsnummer: $id, gyldighetstidspunkt: $g, ajourholdstidspunkt: $a) {
    bostedsadresse { vegadresse { adressenavn adressenummer { husnummer } } }
  }
}"""


@pytest.fixture(scope="module")
def loaded(clones) -> Database:
    database = clones.make()
    outcome = load(database, *REAL_FILES)
    assert outcome.exit_code == 0, [f.message for f in outcome.files]
    return database


def _adresse(database: Database, **times: str) -> str | None:
    body = ask(database, ADRESSE, id="21860398300", **times)
    assert not body["errors"]
    adresse = body["data"]["person"]["bostedsadresse"]
    if adresse is None:
        return None
    vei = adresse["vegadresse"]
    return f"{vei['adressenavn']} {vei['adressenummer']['husnummer']}"


@pytest.mark.parametrize(
    ("times", "expected"),
    [
        ({"g": "2022-05-01T00:00:00"}, "Mellavegen 6"),
        ({"g": "2022-10-01T00:00:00"}, "Mjosundvegen 1851"),
        ({}, None),
        ({"a": "2022-12-01T00:00:00"}, "Mellavegen 6"),
        ({"a": "2023-01-06T12:00:00"}, None),
        ({"g": "2022-10-01T00:00:00", "a": "2022-12-01T00:00:00"}, "Mellavegen 6"),
        ({"g": "2022-10-01T00:00:00", "a": "2023-02-01T00:00:00"}, "Mjosundvegen 1851"),
    ],
)
def test_the_issues_expected_answers(loaded, times, expected):
    assert _adresse(loaded, **times) == expected


@pytest.mark.parametrize("path", REAL_FILES, ids=lambda p: p.name)
def test_every_identifier_finds_the_person_and_current_facts_match(loaded, path):
    document = json.loads(path.read_text())
    navn = next(n for n in document["navn"] if n["erGjeldende"])
    sivilstand = next(s for s in document["sivilstand"] if s["erGjeldende"])
    for ident in document["identifikasjonsnummer"]:
        body = ask(
            loaded,
            """query($id: ID!) { person(identifikasjonsnummer: $id) {
            identifikasjonsnummer navn { fornavn mellomnavn etternavn } sivilstand { sivilstand }
            bostedsadresse { adresseIdentifikatorFraMatrikkelen } } }""",
            id=ident["foedselsEllerDNummer"],
        )
        person = body["data"]["person"]
        assert person["navn"] == {k: navn.get(k) for k in ("fornavn", "mellomnavn", "etternavn")}
        assert person["sivilstand"]["sivilstand"] == sivilstand["sivilstand"]
        gjeldende = [b for b in document["bostedsadresse"] if b["erGjeldende"]]
        if gjeldende:
            assert (
                person["bostedsadresse"]["adresseIdentifikatorFraMatrikkelen"]
                == gjeldende[0]["adresseIdentifikatorFraMatrikkelen"]
            )
        else:  # every version has ended (21860398300 moved away on 2023-01-06)
            assert person["bostedsadresse"] is None


def test_historikk_lists_every_address_version_with_its_times(loaded):
    body = ask(
        loaded,
        """{ person(identifikasjonsnummer: "21860398300") { historikk {
        bostedsadresse { vegadresse { adressenavn } gyldighetstidspunkt opphoerstidspunkt
                         ajourholdstidspunkt erGjeldende } } } }""",
    )
    versions = body["data"]["person"]["historikk"]["bostedsadresse"]
    assert versions == [
        {
            "vegadresse": {"adressenavn": "Mellavegen"},
            "gyldighetstidspunkt": "2022-02-14T00:00:00+01:00",
            "opphoerstidspunkt": "2022-08-09T00:00:00+02:00",
            "ajourholdstidspunkt": "2022-02-14T09:19:04.354022+01:00",
            "erGjeldende": False,
        },
        {
            "vegadresse": {"adressenavn": "Mjosundvegen"},
            "gyldighetstidspunkt": "2022-08-09T00:00:00+02:00",
            "opphoerstidspunkt": "2023-01-06T08:00:49.485404+01:00",
            "ajourholdstidspunkt": "2023-01-06T08:00:49.485410+01:00",
            "erGjeldende": False,
        },
    ]


def test_loading_the_same_file_twice_changes_nothing(loaded):
    outcome = load(loaded, STRENGT)
    assert outcome.exit_code == 0
    assert outcome.files[0].counts.inserted == 0 and outcome.files[0].counts.superseded == 0


def test_a_stillborn_child_without_identifier_is_kept(loaded):
    body = ask(
        loaded,
        """{ person(identifikasjonsnummer: "21860398300") { familierelasjoner {
            relatertPersonsRolle relatertPersonUtenFolkeregisteridentifikator {
            navn { fornavn etternavn } foedselsdato kjoenn } }
            barn { identifikasjonsnummer } } }""",
    )
    person = body["data"]["person"]
    stillborn = [
        r for r in person["familierelasjoner"] if r["relatertPersonsRolle"] == "doedfoedtBarn"
    ]
    assert stillborn == [
        {
            "relatertPersonsRolle": "doedfoedtBarn",
            "relatertPersonUtenFolkeregisteridentifikator": {
                "navn": {"fornavn": "KOMPLETT*GUTT", "etternavn": "DROMEDAR"},
                "foedselsdato": "2022-11-05",
                "kjoenn": "mann",
            },
        }
    ]
    assert person["barn"] == [], "the child 25912299921 is not in the register"
