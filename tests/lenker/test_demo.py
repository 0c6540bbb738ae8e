"""Every cross-register link, both ways, on the test cast (tests/data/cast/cast.md)."""

from __future__ import annotations

import pytest

from tests.lenker.conftest import Api

HOLM_TRANSPORT = "312081962"
ARNE, BERIT, CAMILLA, DAVID = "14834806046", "02915116372", "21867525758", "09817748772"
TYRIHANSVEIEN_38, VARDAASVEIEN_110B = "219136687", "219137287"
KORSVIK_BYGG, STRAND_EIENDOM = "310911410", "315761697"


def test_a_person_to_home_to_property_to_owners_and_back(demo: Api):
    data = demo(
        """query ($id: ID!) { person(identifikasjonsnummer: $id) {
              bostedsadresse { adresseIMatrikkelen { adresseId adressetekst
                eiendom { matrikkelnummer hjemmelshavere { person { identifikasjonsnummer } } }
                beboere { identifikasjonsnummer } } }
              eiendommer { matrikkelnummer hjemmelshavere { person { identifikasjonsnummer } } }
           } }""",
        id=ARNE,
    )["person"]
    home = data["bostedsadresse"]["adresseIMatrikkelen"]
    assert (home["adresseId"], home["adressetekst"]) == (TYRIHANSVEIEN_38, "Tyrihansveien 38")
    owners = {h["person"]["identifikasjonsnummer"] for h in home["eiendom"]["hjemmelshavere"]}
    assert owners == {ARNE, BERIT}
    assert {p["identifikasjonsnummer"] for p in home["beboere"]} == {ARNE, BERIT}
    assert home["eiendom"]["matrikkelnummer"] in {e["matrikkelnummer"] for e in data["eiendommer"]}
    for eiendom in data["eiendommer"]:
        assert ARNE in {h["person"]["identifikasjonsnummer"] for h in eiendom["hjemmelshavere"]}


def test_a_moved_person_is_a_resident_only_where_and_when_they_lived(demo: Api):
    query = """query ($id: ID!) { adresse(adresseId: $id) {
        naa: beboere { identifikasjonsnummer }
        da: beboere(gyldighetstidspunkt: "1999-06-01T12:00:00") { identifikasjonsnummer } } }"""
    old = demo(query, id=TYRIHANSVEIEN_38)["adresse"]
    assert CAMILLA not in {p["identifikasjonsnummer"] for p in old["naa"]}
    assert CAMILLA in {p["identifikasjonsnummer"] for p in old["da"]}
    new = demo(query, id=VARDAASVEIEN_110B)["adresse"]
    assert {CAMILLA, DAVID} <= {p["identifikasjonsnummer"] for p in new["naa"]}
    assert CAMILLA not in {p["identifikasjonsnummer"] for p in new["da"]}


def test_a_units_properties_and_their_owner_unit(demo: Api):
    data = demo(
        """query ($id: ID!) { enhet(organisasjonsnummer: $id) { eiendommer { matrikkelnummer
              hjemmelshavere { enhet { organisasjonsnummer } } } } }""",
        id=STRAND_EIENDOM,
    )["enhet"]
    numbers = {e["matrikkelnummer"] for e in data["eiendommer"]}
    assert {"4204-97/84/0/0", "4204-97/85/0/0"} <= numbers
    for eiendom in data["eiendommer"]:
        holders = {(h["enhet"] or {}).get("organisasjonsnummer") for h in eiendom["hjemmelshavere"]}
        assert STRAND_EIENDOM in holders


def test_a_persons_roles_and_the_units_board_back_to_persons(demo: Api):
    person = demo(
        """query ($id: ID!) { person(identifikasjonsnummer: $id) { roller { type { kode }
              enhet { organisasjonsnummer roller { type { kode }
                innehaver { person { identifikasjonsnummer } } } } } } }""",
        id=ARNE,
    )["person"]
    held = {(r["type"]["kode"], r["enhet"]["organisasjonsnummer"]) for r in person["roller"]}
    assert held == {("DAGL", KORSVIK_BYGG), ("LEDE", "311610554")}
    for rolle in person["roller"]:
        holders = {
            (r["type"]["kode"], (r["innehaver"]["person"] or {}).get("identifikasjonsnummer"))
            for r in rolle["enhet"]["roller"]
        }
        assert (rolle["type"]["kode"], ARNE) in holders


def test_a_units_address_in_matrikkelen_and_back(demo: Api):
    enhet = demo(
        """query ($id: ID!) { enhet(organisasjonsnummer: $id) {
              forretningsadresse { adresseIMatrikkelen { adresseId
                enheter { organisasjonsnummer } } }
              postadresse { adresse adresseIMatrikkelen { adresseId } } } }""",
        id=KORSVIK_BYGG,
    )["enhet"]
    adresse = enhet["forretningsadresse"]["adresseIMatrikkelen"]
    assert adresse["adresseId"] == TYRIHANSVEIEN_38
    assert KORSVIK_BYGG in {e["organisasjonsnummer"] for e in adresse["enheter"]}
    assert enhet["postadresse"]["adresse"][0] == "Postboks 112"
    assert enhet["postadresse"]["adresseIMatrikkelen"] is None


def test_every_cast_units_address_matches_its_matrikkel_address(demo: Api):
    data = demo(
        """{ enheter(first: 100) { edges { node { organisasjonsnummer
              forretningsadresse { adresse adresseIMatrikkelen { adressetekst } }
              beliggenhetsadresse { adresse adresseIMatrikkelen { adressetekst } } } } } }"""
    )
    checked = 0
    for edge in data["enheter"]["edges"]:
        for kind in ("forretningsadresse", "beliggenhetsadresse"):
            adresse = edge["node"][kind]
            if adresse:
                found = adresse["adresseIMatrikkelen"]
                same = found and found["adressetekst"].replace(" ", "") == adresse["adresse"][
                    0
                ].replace(" ", "")
                assert same, edge
                checked += 1
    assert checked >= 25


@pytest.mark.parametrize(
    ("field", "at", "expected"),
    [("eiendommer", "1990-01-01", 0), ("roller", "1900-01-01", 0), ("eiendommer", None, 1)],
)
def test_link_time_arguments_choose_which_links_hold(demo: Api, field, at, expected):
    args = f'(gyldighetstidspunkt: "{at}T00:00:00")' if at else ""
    sub = "matrikkelnummer" if field == "eiendommer" else "type { kode }"
    query = "query ($id: ID!) { person(identifikasjonsnummer: $id) { FIELD { SUB } } }"
    data = demo(query.replace("FIELD", field + args).replace("SUB", sub), id=ARNE)
    assert (len(data["person"][field]) >= 1) == bool(expected)


def test_a_link_does_not_inherit_its_parents_time(demo: Api):
    """Asked in 1999, Camilla lived at Tyrihansveien 38; its residents now are still now's."""
    data = demo(
        """query ($id: ID!) {
             person(identifikasjonsnummer: $id, gyldighetstidspunkt: "1999-06-01T12:00:00") {
              bostedsadresse { adresseIMatrikkelen { adresseId beboere { identifikasjonsnummer } } }
           } }""",
        id=CAMILLA,
    )["person"]
    adresse = data["bostedsadresse"]["adresseIMatrikkelen"]
    assert adresse["adresseId"] == TYRIHANSVEIEN_38
    assert CAMILLA not in {p["identifikasjonsnummer"] for p in adresse["beboere"]}


def test_a_bad_time_argument_is_a_clear_error(demo: Api):
    body = demo.raw(
        """query ($id: ID!) { person(identifikasjonsnummer: $id) {
             eiendommer(gyldighetstidspunkt: "i går") { matrikkelnummer } } }""",
        id=ARNE,
    )
    assert body["data"] is None
    error = body["errors"][0]
    assert "DateTime" in error["message"] and "i går" in error["message"]
    assert error["extensions"]["code"]


def test_a_resigned_role_is_not_among_a_persons_roles(demo: Api):
    """Oda Holm (died 2020) is still listed in Holm Transport's board, as resigned."""
    data = demo(
        """query ($id: ID!) {
             person(identifikasjonsnummer: "06865829386") { roller { type { kode } } }
             enhet(organisasjonsnummer: $id) { roller { fratraadt
               innehaver { foedselsnummer } } } }""",
        id=HOLM_TRANSPORT,
    )
    board = {r["innehaver"]["foedselsnummer"]: r["fratraadt"] for r in data["enhet"]["roller"]}
    assert board["06865829386"] is True
    assert data["person"]["roller"] == []


def test_every_home_in_a_persons_history_links_to_matrikkelen(demo: Api):
    data = demo(
        """query ($id: ID!) { person(identifikasjonsnummer: $id) {
             historikk { bostedsadresse { adresseIMatrikkelen { adresseId } } } } }""",
        id=CAMILLA,
    )
    homes = [b["adresseIMatrikkelen"] for b in data["person"]["historikk"]["bostedsadresse"]]
    assert {TYRIHANSVEIEN_38, VARDAASVEIEN_110B} <= {h["adresseId"] for h in homes if h}
