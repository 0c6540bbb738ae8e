"""Graded addresses (issue 7 §3): protection follows the person's *current*
adressebeskyttelse, on every path; the property test walks the whole schema."""

from __future__ import annotations

import pytest

from grunndata.registers.enhetsregister.access import ROLLER
from grunndata.registers.folkeregister.access import ADRESSEBESKYTTELSE, IDENTITET, MED_HJEMMEL
from grunndata.registers.matrikkel.access import HJEMMEL
from tests.access.conftest import (
    FORTROLIG,
    OPEN_PERSON,
    REAL_PROTECTED,
    REAL_PROTECTED_HOME,
    SHARED_UNIT,
    STRENGT_FORTROLIG,
    ask,
    codes,
)
from tests.conftest import test_token

ADDRESSES = """bostedsadresse { vegadresse { adressenavn } adresseIdentifikatorFraMatrikkelen }
  oppholdsadresse { vegadresse { adressenavn } } postadresse { postadresseIFrittFormat {
  adresselinje } } historikk { navn { fornavn } bostedsadresse { vegadresse { adressenavn } } }"""


def person_query(number: str, at: str = "") -> str:
    when = f', gyldighetstidspunkt: "{at}"' if at else ""
    return (f'{{ person(identifikasjonsnummer: "{number}"{when}) {{ identifikasjonsnummer '
            f"navn {{ fornavn }} adressebeskyttelse {ADDRESSES} }} }}")  # fmt: skip


@pytest.mark.parametrize("number", [REAL_PROTECTED, STRENGT_FORTROLIG, FORTROLIG])
def test_a_protected_persons_addresses_need_adressebeskyttelse(server, number):
    body = ask(server, person_query(number), test_token(MED_HJEMMEL, HJEMMEL, ROLLER)).json()
    person = body["data"]["person"]
    assert person["identifikasjonsnummer"] == number and person["navn"]["fornavn"]
    assert person["adressebeskyttelse"] in ("fortrolig", "strengtFortrolig")
    hidden = ["bostedsadresse", "oppholdsadresse"]
    if number != REAL_PROTECTED:  # the real sample's postadresse is a cover address
        hidden.append("postadresse")
    for field in hidden:
        assert person[field] is None
        assert codes(body)[f"person.{field}"] == "FORBIDDEN"
    assert person["historikk"]["navn"]  # the rest of the history is answered
    assert person["historikk"]["bostedsadresse"] is None
    assert codes(body)["person.historikk.bostedsadresse"] == "FORBIDDEN"
    assert "adressebeskyttelse" in body["errors"][0]["message"]


def test_the_real_sample_is_protected_now_though_its_old_versions_say_ugradert(server):
    hidden = ask(server, person_query(REAL_PROTECTED, at="2022-09-01"), test_token(MED_HJEMMEL))
    assert "josundvegen" not in hidden.text.lower()
    assert codes(hidden.json())["person.bostedsadresse"] == "FORBIDDEN"
    allowed = ask(server, person_query(REAL_PROTECTED, at="2022-09-01"),
                  test_token(MED_HJEMMEL, ADRESSEBESKYTTELSE))  # fmt: skip
    assert codes(allowed.json()) == {}
    assert "mjosundvegen" in allowed.text.lower()


COVER = """postadresse { aarsak adressegradering postboksadresse { postbokseier postboks
  poststed { postnummer } } }"""


def test_a_cover_address_is_answered_for_a_protected_person(server):
    """The real sample's postadresse is the one Folkeregisteret gives strengt fortrolig
    persons (aarsak Adressebeskyttelse, "SOT 6, Postboks 2094 Vika"): post reaches them
    through it and it names no place of theirs, so it is answered without the scope,
    while their own addresses stay hidden."""
    query = f'{{ person(identifikasjonsnummer: "{REAL_PROTECTED}") {{ {COVER} bostedsadresse {{ vegadresse {{ adressenavn }} }} }} }}'  # noqa: E501
    body = ask(server, query, test_token(MED_HJEMMEL)).json()
    assert body["data"]["person"]["postadresse"] == {
        "aarsak": "Adressebeskyttelse",
        "adressegradering": "ugradert",
        "postboksadresse": {
            "postbokseier": "SOT 6", "postboks": "Postboks 2094 Vika",
            "poststed": {"postnummer": "0125"},
        },
    }  # fmt: skip
    assert codes(body) == {"person.bostedsadresse": "FORBIDDEN"}


def test_a_protected_persons_own_post_box_is_no_cover_address(server):
    """A graded person's own P.O. box (no aarsak Adressebeskyttelse) places them: hidden."""
    query = f'{{ person(identifikasjonsnummer: "{FORTROLIG}") {{ {COVER} }} }}'
    body = ask(server, query, test_token(MED_HJEMMEL)).json()
    assert body["data"]["person"]["postadresse"] is None
    assert codes(body) == {"person.postadresse": "FORBIDDEN"}
    assert "Postboks 512" not in str(body)
    shown = ask(server, query, test_token(MED_HJEMMEL, ADRESSEBESKYTTELSE)).json()
    assert shown["data"]["person"]["postadresse"]["postboksadresse"]["postboks"] == "Postboks 512"


def test_an_unprotected_persons_addresses_need_no_adressebeskyttelse(server):
    body = ask(server, person_query(OPEN_PERSON), test_token(MED_HJEMMEL)).json()
    assert codes(body) == {}
    assert body["data"]["person"]["bostedsadresse"]["vegadresse"]["adressenavn"] == "Tyrihansveien"


OWNERS = f"""{{ eiendom(matrikkelnummer: "{SHARED_UNIT}") {{
  hjemmelshavere {{ navn identifikasjonsnummer }} }} }}"""


@pytest.mark.parametrize("scopes", [(), (HJEMMEL,), (HJEMMEL, MED_HJEMMEL, ROLLER), (IDENTITET,)])
def test_a_protected_owner_is_left_out_of_a_propertys_owners(server, scopes):
    token = test_token(*scopes) if scopes else None
    response = ask(server, OWNERS, token)
    owners = response.json()["data"]["eiendom"]["hjemmelshavere"]
    assert [o["navn"] for o in owners] == ["Arne Korsvik"]
    assert STRENGT_FORTROLIG not in response.text and "Nilsen" not in response.text


def test_with_adressebeskyttelse_the_protected_owner_is_shown(server):
    body = ask(server, OWNERS, test_token(HJEMMEL, ADRESSEBESKYTTELSE)).json()
    owners = body["data"]["eiendom"]["hjemmelshavere"]
    assert {o["identifikasjonsnummer"] for o in owners} == {OPEN_PERSON, STRENGT_FORTROLIG}


def test_a_protected_role_holder_is_shown_when_the_path_starts_at_the_unit(server):
    query = """{ enhet(organisasjonsnummer: "310283827") { roller {
      innehaver { navn foedselsnummer } } } }"""
    body = ask(server, query, test_token(ROLLER)).json()
    holders = [r["innehaver"] for r in body["data"]["enhet"]["roller"]]
    assert FORTROLIG in {h["foedselsnummer"] for h in holders}


RESIDENTS = f"""{{ adresse(adresseId: "{REAL_PROTECTED_HOME}") {{ adressetekst
  beboere(gyldighetstidspunkt: "2022-09-01") {{ identifikasjonsnummer }} }} }}"""


@pytest.mark.parametrize("scopes", [(), (IDENTITET,), (MED_HJEMMEL, HJEMMEL, ROLLER)])
def test_a_protected_resident_is_left_out_of_an_addresss_residents(server, scopes):
    """Left out though the address version of 2022 says ugradert: grading is current."""
    token = test_token(*scopes) if scopes else None
    response = ask(server, RESIDENTS, token)
    adresse = response.json()["data"]["adresse"]
    assert adresse["adressetekst"] == "Mjosundvegen 1851"
    assert adresse["beboere"] in ([], None)
    assert REAL_PROTECTED not in response.text


def test_with_adressebeskyttelse_the_protected_resident_is_shown(server):
    body = ask(server, RESIDENTS, test_token(MED_HJEMMEL, ADRESSEBESKYTTELSE)).json()
    assert body["data"]["adresse"]["beboere"] == [{"identifikasjonsnummer": REAL_PROTECTED}]


def test_a_protected_persons_properties_need_adressebeskyttelse(server):
    query = f"""{{ person(identifikasjonsnummer: "{STRENGT_FORTROLIG}") {{
      eiendommer {{ matrikkelnummer }} }} }}"""
    body = ask(server, query, test_token(MED_HJEMMEL, HJEMMEL)).json()
    assert body["data"]["person"]["eiendommer"] is None
    assert codes(body) == {"person.eiendommer": "FORBIDDEN"}
    allowed = ask(server, query, test_token(MED_HJEMMEL, ADRESSEBESKYTTELSE)).json()
    assert {"matrikkelnummer": f"{SHARED_UNIT}/0/0"} in allowed["data"]["person"]["eiendommer"]


COMPANY_AT_ADDRESS = """{ adresse(adresseId: "900000050") { adressetekst enheter {
  organisasjonsnummer roller { innehaver { navn foedselsnummer } } } } }"""


def test_a_protected_role_holder_is_left_out_when_the_path_starts_at_an_address(server):
    for token in (None, test_token(ROLLER), test_token(ROLLER, MED_HJEMMEL)):
        response = ask(server, COMPANY_AT_ADDRESS, token)
        (enhet,) = response.json()["data"]["adresse"]["enheter"]
        assert enhet["organisasjonsnummer"] == "310283827"
        assert enhet["roller"] == []
        assert FORTROLIG not in response.text and "MAJA" not in response.text.upper()
    shown = ask(server, COMPANY_AT_ADDRESS, test_token(ROLLER, ADRESSEBESKYTTELSE)).json()
    (enhet,) = shown["data"]["adresse"]["enheter"]
    assert [r["innehaver"]["foedselsnummer"] for r in enhet["roller"]] == [FORTROLIG]
