"""Through the gateway, graded persons are hidden exactly as by the single process: every
subgraph reads the grading from felles.adressebeskyttelse, so Matrikkelen's and
Enhetsregisteret's show the ungraded owners and role holders a caller without
``folkeregister/adressebeskyttelse`` may see (they no longer hide them all)."""

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
)
from tests.conftest import test_token
from tests.gateway import NEEDS_NODE

pytestmark = NEEDS_NODE

#: Kari Nilsen's (STRENGT_FORTROLIG) and Jon Vardås's home until 2010: Vardåsveien 115.
FORMER_SHARED_HOME = "219137292"
JON_VARDAAS = "04876045201"

QUERIES = {
    "a property's owners": f"""{{ eiendom(matrikkelnummer: "{SHARED_UNIT}") {{
      hjemmelshavere {{ navn identifikasjonsnummer andel {{ teller nevner }}
        person {{ identifikasjonsnummer }} }} }} }}""",
    "an address's residents then and now": f"""{{ adresse(adresseId: "{FORMER_SHARED_HOME}") {{
      naa: beboere {{ identifikasjonsnummer }}
      da: beboere(gyldighetstidspunkt: "2005-01-01") {{ identifikasjonsnummer
        navn {{ fornavn }} }} }} }}""",
    "the real sample's old home": f"""{{ adresse(adresseId: "{REAL_PROTECTED_HOME}") {{
      beboere(gyldighetstidspunkt: "2022-09-01") {{ identifikasjonsnummer }} }} }}""",
    "a unit's role holders from the unit": """{ enhet(organisasjonsnummer: "310283827") {
      roller { innehaver { navn foedselsnummer person { identifikasjonsnummer } } } } }""",
    "a unit's role holders from its address": """{ adresse(adresseId: "900000050") {
      enheter { organisasjonsnummer roller { innehaver { navn foedselsnummer
        person { identifikasjonsnummer } } } } } }""",
    "every owner and role holder, listed": """{
      eiendommer(first: 100) { edges { node { matrikkelnummer hjemmelshavere { navn
        identifikasjonsnummer person { identifikasjonsnummer } } } } }
      enheter(first: 100) { edges { node { organisasjonsnummer roller { innehaver {
        navn foedselsnummer person { identifikasjonsnummer } } } } } } }""",
    "a graded person's properties and roles": f"""{{
      person(identifikasjonsnummer: "{STRENGT_FORTROLIG}") {{ navn {{ fornavn }}
        eiendommer {{ matrikkelnummer }} }}
      maja: person(identifikasjonsnummer: "{FORTROLIG}") {{ navn {{ fornavn }}
        roller {{ enhet {{ organisasjonsnummer }} }} }} }}""",
}  # fmt: skip

#: Scope sets of callers without adressebeskyttelse (None: no token), and one with it.
WITHOUT = {
    "no token": None,
    "identity only": (IDENTITET,),
    "owners and roles": (HJEMMEL, ROLLER),
    "person data, owners and roles": (MED_HJEMMEL, HJEMMEL, ROLLER),
}
CALLERS = {**WITHOUT, "every scope": (MED_HJEMMEL, HJEMMEL, ROLLER, ADRESSEBESKYTTELSE)}


def _ask(base: str, query: str, scopes: tuple[str, ...] | None) -> dict:
    response = ask(base, query, None if scopes is None else test_token(*scopes))
    assert response.status_code == 200, response.text
    return response.json()


@pytest.mark.parametrize("caller", list(CALLERS))
@pytest.mark.parametrize("name", list(QUERIES))
def test_the_gateway_hides_graded_persons_as_the_single_process(
    server: str, gateway: str, name: str, caller: str
):
    scopes = CALLERS[caller]
    through_gateway = _ask(gateway, QUERIES[name], scopes)
    single = _ask(server, QUERIES[name], scopes)
    assert through_gateway["data"] == single["data"]
    assert _coded(through_gateway) == _coded(single)


def _coded(response: dict) -> list[tuple[str, tuple]]:
    """The coded errors (code, path): the gateway adds uncoded ones of its own."""
    return sorted(
        (e["extensions"]["code"], tuple(e.get("path") or ()))
        for e in response.get("errors", [])
        if e.get("extensions", {}).get("code")
    )


@pytest.mark.parametrize("caller", list(WITHOUT))
def test_through_the_gateway_ungraded_owners_and_residents_are_shown_graded_ones_not(
    gateway: str, caller: str
):
    scopes = WITHOUT[caller]
    owners = _ask(gateway, QUERIES["a property's owners"], scopes)
    assert [o["navn"] for o in owners["data"]["eiendom"]["hjemmelshavere"]] == ["Arne Korsvik"]
    assert "Nilsen" not in str(owners)
    residents = _ask(gateway, QUERIES["an address's residents then and now"],
                     (MED_HJEMMEL, *(scopes or ())))  # fmt: skip
    then = {p["identifikasjonsnummer"] for p in residents["data"]["adresse"]["da"]}
    assert JON_VARDAAS in then and STRENGT_FORTROLIG not in then
    at_address = _ask(gateway, QUERIES["a unit's role holders from its address"], scopes)
    assert FORTROLIG not in str(at_address) and "MAJA" not in str(at_address).upper()


def test_through_the_gateway_adressebeskyttelse_shows_the_graded_persons(
    gateway: str,
):
    scopes = CALLERS["every scope"]
    owners = _ask(gateway, QUERIES["a property's owners"], scopes)
    shown = {o["identifikasjonsnummer"] for o in owners["data"]["eiendom"]["hjemmelshavere"]}
    assert shown == {OPEN_PERSON, STRENGT_FORTROLIG}
    residents = _ask(gateway, QUERIES["the real sample's old home"], scopes)
    assert residents["data"]["adresse"]["beboere"] == [{"identifikasjonsnummer": REAL_PROTECTED}]
    at_address = _ask(gateway, QUERIES["a unit's role holders from its address"], scopes)
    assert FORTROLIG in str(at_address)
