"""The GraphQL queries against the demo cast, and the DataLoader promise."""

from __future__ import annotations

import json
import re
from pathlib import Path

import httpx
import psycopg
import pytest

from grunndata.db.database import Database
from grunndata.server import create_app
from tests.conftest import LiveServer
from tests.folkeregister.cast import FIXTURE, render
from tests.folkeregister.helpers import DATA, ask, load, write_json

ARNE, BERIT, CAMILLA, DAVID = "14834806046", "02915116372", "21867525758", "09817748772"
EMMA, FREDRIK, KARI, ODA = "30880376205", "05920683144", "19906311480", "06865829386"
RUNE, VERA, VERA_D = "08887128066", "12858938404", "52858925126"
JON = "04876045201"


@pytest.fixture(scope="module")
def demo(clones) -> Database:
    database = clones.make()
    outcome = load(database, FIXTURE)
    assert outcome.exit_code == 0 and outcome.files[0].warnings == 0
    return database


def person(database: Database, fields: str, number: str, **times: str) -> dict | None:
    args = "".join(f", {name}: {json.dumps(value)}" for name, value in times.items())
    body = ask(database, f'{{ person(identifikasjonsnummer: "{number}"{args}) {{ {fields} }} }}')
    assert not body["errors"], body["errors"]
    return body["data"]["person"]


def test_the_fixture_is_what_the_cast_makes():
    assert FIXTURE.read_text(encoding="utf-8") == render()


def test_a_d_nummer_finds_the_person_and_answers_with_the_fodselsnummer(demo):
    found = person(
        demo,
        "identifikasjonsnummer identifikatortype "
        "identifikatorer { identifikasjonsnummer identifikatortype status }",
        VERA_D,
    )
    assert found["identifikasjonsnummer"] == VERA
    assert found["identifikatortype"] == "foedselsnummer"
    assert sorted(found["identifikatorer"], key=str) == sorted(
        [
            {
                "identifikasjonsnummer": VERA,
                "identifikatortype": "foedselsnummer",
                "status": "iBruk",
            },
            {"identifikasjonsnummer": VERA_D, "identifikatortype": "dNummer", "status": "opphoert"},
        ],
        key=str,
    )
    before = person(
        demo,
        "identifikasjonsnummer statsborgerskap",
        VERA,
        gyldighetstidspunkt="2014-01-01T00:00:00",
    )
    assert before == {"identifikasjonsnummer": VERA_D, "statsborgerskap": ["POL"]}
    assert person(demo, "statsborgerskap", VERA)["statsborgerskap"] == ["NOR", "POL"]


def test_a_name_change_and_its_history(demo):
    assert person(demo, "navn { etternavn }", CAMILLA) == {"navn": {"etternavn": "STRAND"}}
    old = person(demo, "navn { etternavn }", CAMILLA, gyldighetstidspunkt="2000-01-01T00:00:00")
    assert old == {"navn": {"etternavn": "KORSVIK"}}
    history = person(
        demo,
        "historikk { navn { etternavn gyldighetstidspunkt opphoerstidspunkt erGjeldende } }",
        CAMILLA,
    )
    assert history["historikk"]["navn"] == [
        {
            "etternavn": "KORSVIK",
            "gyldighetstidspunkt": "1975-06-21T00:00:00+01:00",
            "opphoerstidspunkt": "2001-08-18T00:00:00+02:00",
            "erGjeldende": False,
        },
        {
            "etternavn": "STRAND",
            "gyldighetstidspunkt": "2001-08-18T00:00:00+02:00",
            "opphoerstidspunkt": None,
            "erGjeldende": True,
        },
    ]


def test_family_relations_resolve_to_persons(demo):
    found = person(
        demo,
        """foreldre { identifikasjonsnummer } barn { identifikasjonsnummer }
        sivilstand { sivilstand ektefelleEllerPartner { identifikasjonsnummer navn { fornavn } } }
        familierelasjoner { relatertPersonsRolle minRolleForPerson
                            person { identifikasjonsnummer } }""",
        CAMILLA,
    )
    assert found["foreldre"] == [{"identifikasjonsnummer": ARNE}, {"identifikasjonsnummer": BERIT}]
    assert found["barn"] == [{"identifikasjonsnummer": EMMA}, {"identifikasjonsnummer": FREDRIK}]
    assert found["sivilstand"] == {
        "sivilstand": "gift",
        "ektefelleEllerPartner": {"identifikasjonsnummer": DAVID, "navn": {"fornavn": "DAVID"}},
    }
    assert {
        "relatertPersonsRolle": "far",
        "minRolleForPerson": "barn",
        "person": {"identifikasjonsnummer": ARNE},
    } in found["familierelasjoner"]


def test_a_death_an_emigration_and_a_graded_address(demo):
    assert person(demo, "status doedsdato", ODA) == {"status": "doed", "doedsdato": "2020-03-15"}
    assert person(demo, "status bostedsadresse { flyttedato }", RUNE) == {
        "status": "utflyttet",
        "bostedsadresse": None,
    }
    before = person(
        demo,
        "status bostedsadresse { adresseIdentifikatorFraMatrikkelen }",
        RUNE,
        gyldighetstidspunkt="2019-01-01T00:00:00",
    )
    assert before == {
        "status": "bosatt",
        "bostedsadresse": {"adresseIdentifikatorFraMatrikkelen": "219137297"},
    }
    kari = person(
        demo,
        "adressebeskyttelse bostedsadresse { adressegradering vegadresse { adressenavn } }",
        KARI,
    )
    assert kari == {
        "adressebeskyttelse": "strengtFortrolig",
        "bostedsadresse": {"adressegradering": "strengtFortrolig", "vegadresse": None},
    }


def test_a_cast_address_is_the_kartverket_row(demo):
    found = person(
        demo,
        """bostedsadresse { adresseIdentifikatorFraMatrikkelen flyttedato vegadresse {
        adressenavn adressenummer { husnummer husbokstav } adressekode kommunenummer
        poststed { postnummer poststedsnavn } } }""",
        DAVID,
    )
    assert found["bostedsadresse"] == {
        "adresseIdentifikatorFraMatrikkelen": "219137287",
        "flyttedato": "1999-09-01",
        "vegadresse": {
            "adressenavn": "Vardåsveien",
            "adressenummer": {"husnummer": "110", "husbokstav": "B"},
            "adressekode": "19210",
            "kommunenummer": "4204",
            "poststed": {"postnummer": "4637", "poststedsnavn": "KRISTIANSAND S"},
        },
    }


@pytest.mark.parametrize(
    ("instant", "adresse"),
    [
        ("2022-08-14T23:59:59", "219137287"),
        ("2022-08-15T00:00:00", "219136678"),
        ("2022-08-14T22:30:00Z", "219136678"),
        ("2022-08-14T21:59:00Z", "219137287"),
    ],
)
def test_a_datetime_without_offset_is_norwegian_time(demo, instant, adresse):
    found = person(
        demo,
        "bostedsadresse { adresseIdentifikatorFraMatrikkelen }",
        EMMA,
        gyldighetstidspunkt=instant,
    )
    assert found["bostedsadresse"]["adresseIdentifikatorFraMatrikkelen"] == adresse


def test_personer_answers_in_input_order_with_null_for_unknown(demo):
    unknown = "08871748471"  # valid, not in the demo
    body = ask(
        demo,
        """query($ids: [ID!]!) { personer(identifikasjonsnummer: $ids) {
        identifikasjonsnummer } }""",
        ids=[EMMA, unknown, VERA_D, ARNE],
    )
    assert body["data"]["personer"] == [
        {"identifikasjonsnummer": EMMA},
        None,
        {"identifikasjonsnummer": VERA},
        {"identifikasjonsnummer": ARNE},
    ]
    too_many = ask(
        demo,
        "query($ids: [ID!]!) { personer(identifikasjonsnummer: $ids) { kjoenn } }",
        ids=[EMMA] * 1001,
    )
    assert too_many["errors"][0]["code"] == "INVALID_ARGUMENT"


def test_an_invalid_identifier_says_why_and_an_unknown_one_is_null(demo):
    body = ask(demo, '{ person(identifikasjonsnummer: "21867525759") { kjoenn } }')
    assert body["data"] == {"person": None}
    assert body["errors"][0]["code"] == "INVALID_IDENTIFIER"
    assert "control digit" in body["errors"][0]["message"]
    assert ask(demo, '{ person(identifikasjonsnummer: "08871748471") { kjoenn } }') == {
        "data": {"person": None},
        "errors": [],
    }


@pytest.mark.parametrize(
    ("navn", "dato", "expected"),
    [
        ("Camilla Strand", "1975-06-21", CAMILLA),
        ("camilla  korsvik", "1975-06-21", CAMILLA),
        ("Jon Vardås", "1960-07-04", JON),
        ("JON VARDÅS", "1960-07-04", JON),
        ("Camilla Strand", "1975-06-22", "NOT_FOUND"),
        ("Nobody", "1975-06-21", "NOT_FOUND"),
    ],
)
def test_personsoek_finds_by_current_or_historic_name(demo, navn, dato, expected):
    body = ask(
        demo,
        """query($n: String!, $d: Date!) { personsoek(navn: $n, foedselsdato: $d) {
        identifikasjonsnummer } }""",
        n=navn,
        d=dato,
    )
    if expected == "NOT_FOUND":
        assert body["data"] == {"personsoek": None} and body["errors"][0]["code"] == "NOT_FOUND"
    else:
        assert body["data"]["personsoek"] == {"identifikasjonsnummer": expected}


def test_personsoek_with_two_matches_is_not_unique(fresh_database, tmp_path):
    twins = []
    for number in ("08871748471", "21860398300"):
        document = json.loads((DATA / "person_bostedsadresse_08871748471.json").read_text())
        document["identifikasjonsnummer"][0]["foedselsEllerDNummer"] = number
        twins.append(document)
    assert load(fresh_database, write_json(tmp_path / "twins.json", twins)).exit_code == 0
    body = ask(
        fresh_database,
        '{ personsoek(navn: "Minkende Dregg", foedselsdato: "1917-07-08") { kjoenn } }',
    )
    assert body["data"] == {"personsoek": None} and body["errors"][0]["code"] == "NOT_UNIQUE"


def test_ajourholdstidspunkt_before_a_person_was_recorded_finds_nobody(demo):
    assert person(demo, "kjoenn", VERA, ajourholdstidspunkt="2016-01-01T00:00:00") is not None
    assert person(demo, "kjoenn", VERA, ajourholdstidspunkt="2012-01-01T00:00:00") is None


FAMILY = """query($ids: [ID!]!) { personer(identifikasjonsnummer: $ids) {
  navn { fornavn } bostedsadresse { flyttedato }
  foreldre { navn { fornavn } barn { navn { etternavn } } }
  barn { kjoenn sivilstand { ektefelleEllerPartner { navn { fornavn } } } }
  sivilstand { ektefelleEllerPartner { navn { fornavn } foreldre { kjoenn } } }
  historikk { navn { fornavn } }
} }"""


def _statements(database: Database, ids: list[str], monkeypatch) -> int:
    count = 0
    execute = psycopg.AsyncCursor.execute

    async def counted(self, *args, **kwargs):
        nonlocal count
        count += 1
        return await execute(self, *args, **kwargs)

    with monkeypatch.context() as patch:
        patch.setattr(psycopg.AsyncCursor, "execute", counted)
        body = ask(database, FAMILY, ids=ids)
    assert not body["errors"] and all(body["data"]["personer"])
    return count


def test_statements_do_not_grow_with_the_number_of_persons(demo, monkeypatch):
    few = _statements(demo, [CAMILLA], monkeypatch)
    many = _statements(
        demo,
        [CAMILLA, DAVID, ARNE, BERIT, EMMA, FREDRIK, "17848244090", "24926921505", "31819940161"],
        monkeypatch,
    )
    assert few == many
    assert many <= 12, "one statement per relation per level"


def test_the_http_endpoint_answers(demo):
    with LiveServer(create_app(demo.app_url)) as base:
        response = httpx.post(
            f"{base}/graphql",
            json={"query": f'{{ person(identifikasjonsnummer: "{ODA}") {{ status doedsdato }} }}'},
            timeout=10,
        )
    assert response.json() == {"data": {"person": {"status": "doed", "doedsdato": "2020-03-15"}}}


def test_the_demo_loads_the_fixture_twice_without_change(demo):
    again = load(demo, FIXTURE)
    assert again.files[0].counts.inserted == 0 and again.files[0].counts.superseded == 0


DOC = Path(__file__).parents[2] / "docs" / "folkeregister.md"


@pytest.mark.parametrize("query", re.findall(r"```graphql\n(.*?)```", DOC.read_text(), re.S))
def test_the_documented_queries_work_on_the_demo(demo_database, query):
    body = ask(demo_database, query)
    assert not body["errors"] and body["data"]["person"] is not None


def test_personer_answers_each_entry_and_an_invalid_one_is_null_with_its_error(demo):
    query = """query($ids: [ID!]!) { personer(identifikasjonsnummer: $ids) {
        identifikasjonsnummer } }"""
    with LiveServer(create_app(demo.app_url)) as base:
        response = httpx.post(
            f"{base}/graphql",
            json={"query": query, "variables": {"ids": [EMMA, "21867525759", ARNE, "x"]}},
            timeout=10,
        )
    body = response.json()
    assert response.status_code == 200
    assert body["data"]["personer"] == [
        {"identifikasjonsnummer": EMMA},
        None,
        {"identifikasjonsnummer": ARNE},
        None,
    ]
    errors = sorted(body["errors"], key=lambda e: e["path"])
    assert [e["path"] for e in errors] == [["personer", 1], ["personer", 3]]
    assert {e["extensions"]["code"] for e in errors} == {"INVALID_IDENTIFIER"}
    assert "control digit" in errors[0]["message"]
