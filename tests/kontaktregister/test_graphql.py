"""The GraphQL surface on the test cast, through a real server: one person, many in input
order, Person.kontaktinformasjon, varslingsstatus and the certificate at asked moments;
the scopes, and the lookup log."""

from __future__ import annotations

import uuid

import pytest

from grunndata.registers.folkeregister.access import IDENTITET, MED_HJEMMEL
from grunndata.registers.kontaktregister.access import DIGITALPOST, KONTAKTINFORMASJON
from tests.access.conftest import ENDPOINTS, ask, codes, logged
from tests.conftest import test_token

ARNE, BERIT, CAMILLA, DAVID = "14834806046", "02915116372", "21867525758", "09817748772"
ODA, RUNE, INGRID, GJEST = "06865829386", "08887128066", "11821555231", "15848610086"
#: Minted at import: valid for the whole suite however long it runs.
BOTH = test_token(KONTAKTINFORMASJON, DIGITALPOST, ttl=86400)
ENTRY = """query ($nr: ID!, $at: DateTime) {
  kontaktinformasjon(identifikasjonsnummer: $nr, gyldighetstidspunkt: $at) {
    personidentifikator status reservasjon spraak
    epost { verdi oppdatert sistVerifisert brukbar }
    mobil { verdi brukbar }
    varslingsstatus { status grunn }
    digitalPostkasse { postkasseadresse leverandoeradresse
      sertifikat { subject issuer serienummer gyldigFra gyldigTil gyldig } }
  }
}"""


def entry(server: str, number: str, at: str | None = None, token: str = BOTH) -> dict:
    body = ask(server, ENTRY, token, {"nr": number, "at": at}).json()
    assert codes(body) == {}, body
    return body["data"]["kontaktinformasjon"]


def test_an_active_person_with_a_mailbox(server):
    found = entry(server, ARNE, "2026-06-01T12:00:00")
    assert found["personidentifikator"] == ARNE and found["status"] == "AKTIV"
    assert found["epost"] == {
        "verdi": "arne.korsvik@eksempel.no", "oppdatert": "2025-06-01T10:00:00+02:00",
        "sistVerifisert": "2026-05-10T08:30:00+02:00", "brukbar": True,
    }  # fmt: skip
    assert found["mobil"] == {"verdi": "+4791234567", "brukbar": False}  # updated 2023-02
    assert found["varslingsstatus"] == {"status": "KAN_VARSLES", "grunn": None}
    sertifikat = found["digitalPostkasse"]["sertifikat"]
    assert "digipost.no (syntetisk)" in sertifikat["subject"]
    assert sertifikat["serienummer"] == "1a2b3c01" and sertifikat["gyldig"] is True
    assert found["digitalPostkasse"]["leverandoeradresse"] == "digitalpost.digipost.no"


def test_the_18_month_rule_is_applied_at_the_asked_moment(server):
    """Camilla confirmed her e-mail on 2023-06-30: usable through 2024-12-30."""
    assert entry(server, CAMILLA, "2024-12-30T23:00:00")["varslingsstatus"] == {
        "status": "KAN_VARSLES", "grunn": None}  # fmt: skip
    later = entry(server, CAMILLA, "2024-12-31T00:00:00")
    assert later["varslingsstatus"] == {"status": "KAN_IKKE_VARSLES", "grunn": "UTDATERT"}
    assert later["epost"]["brukbar"] is False and later["epost"]["verdi"]


def test_a_month_end_channel_lasts_to_the_end_of_february(server):
    """David's mobile number was set on 31 August 2024: usable through 28 February 2026."""
    assert entry(server, DAVID, "2026-02-28T23:59:00")["mobil"]["brukbar"] is True
    assert entry(server, DAVID, "2026-03-01T00:00:00")["mobil"]["brukbar"] is False


def test_an_expired_certificate_says_so_and_its_dates(server):
    sertifikat = entry(server, DAVID, "2025-01-01T00:00:00")["digitalPostkasse"]["sertifikat"]
    assert sertifikat["gyldig"] is False and sertifikat["gyldigTil"].startswith("2024-01-01")
    earlier = entry(server, DAVID, "2023-06-01T00:00:00")
    assert earlier["digitalPostkasse"]["sertifikat"]["gyldig"] is True


def test_reserved_deleted_and_not_registered_cannot_be_notified(server):
    berit = entry(server, BERIT, "2026-10-01T12:00:00")  # verified 2026-09-01
    assert berit["reservasjon"] == "JA" and berit["epost"]["brukbar"] is True
    assert berit["varslingsstatus"] == {"status": "KAN_IKKE_VARSLES", "grunn": "RESERVERT"}
    before = entry(server, BERIT, "2024-02-01T12:00:00")  # reserved from 2024-03-01
    assert before["reservasjon"] == "NEI"
    assert entry(server, ODA)["varslingsstatus"]["grunn"] == "SLETTET"
    assert entry(server, INGRID)["varslingsstatus"]["grunn"] == "IKKE_REGISTRERT"


def test_many_in_input_order_null_for_unknown_and_an_error_for_a_malformed_one(server):
    query = """query ($nr: [ID!]!) { kontaktinformasjoner(identifikasjonsnummer: $nr) {
      personidentifikator } }"""
    numbers = [RUNE, "16848610015", ARNE, "12345678901", GJEST]
    body = ask(server, query, BOTH, {"nr": numbers}).json()
    assert body["data"]["kontaktinformasjoner"] == [
        {"personidentifikator": RUNE}, None, {"personidentifikator": ARNE}, None,
        {"personidentifikator": GJEST},
    ]  # fmt: skip
    assert codes(body) == {"kontaktinformasjoner.3": "INVALID_IDENTIFIER"}
    many = ask(server, query, BOTH, {"nr": [ARNE] * 1001}).json()
    assert codes(many) == {"kontaktinformasjoner": "INVALID_ARGUMENT"}


def test_a_person_reaches_their_entry(server):
    query = f"""{{ person(identifikasjonsnummer: "{ARNE}") {{ identifikasjonsnummer
      kontaktinformasjon(gyldighetstidspunkt: "2026-06-01T12:00:00") {{
        varslingsstatus {{ status }} }} }} }}"""
    body = ask(server, query, test_token(MED_HJEMMEL, KONTAKTINFORMASJON)).json()
    assert codes(body) == {}
    assert body["data"]["person"]["kontaktinformasjon"] == {
        "varslingsstatus": {"status": "KAN_VARSLES"}}  # fmt: skip
    without = ask(server, query, test_token(MED_HJEMMEL)).json()
    assert codes(without) == {"person.kontaktinformasjon": "FORBIDDEN"}


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_each_scope_opens_its_fields_and_reservation_and_status_open_with_either(request, endpoint):
    server = request.getfixturevalue(endpoint)
    query = f"""{{ kontaktinformasjon(identifikasjonsnummer: "{ARNE}") {{
      personidentifikator status reservasjon epost {{ verdi }} spraak varslingsstatus {{ status }}
      digitalPostkasse {{ postkasseadresse }} }} }}"""
    contact = ask(server, query, test_token(KONTAKTINFORMASJON)).json()
    assert codes(contact) == {"kontaktinformasjon.digitalPostkasse": "FORBIDDEN"}
    post = ask(server, query, test_token(DIGITALPOST)).json()
    assert codes(post) == {f"kontaktinformasjon.{f}": "FORBIDDEN"
                           for f in ("epost", "spraak", "varslingsstatus")}  # fmt: skip
    for body in (contact, post):
        seen = body["data"]["kontaktinformasjon"]
        assert (seen["personidentifikator"], seen["status"], seen["reservasjon"]) == (
            ARNE, "AKTIV", "NEI")  # fmt: skip
    other = ask(server, query, test_token(IDENTITET)).json()
    assert other["data"]["kontaktinformasjon"] is None
    assert codes(other) == {"kontaktinformasjon": "FORBIDDEN"}
    none = ask(server, query).json()
    assert none["data"]["kontaktinformasjon"] is None
    assert codes(none) == {"kontaktinformasjon": "UNAUTHENTICATED"}


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_every_lookup_is_logged_with_its_groups_and_the_citizen_sees_it(
    request, endpoint, access_database
):
    server = request.getfixturevalue(endpoint)
    request_id = uuid.uuid4().hex
    query = f"""query Varsling {{ kontaktinformasjoner(identifikasjonsnummer:
      ["{ARNE}", "{GJEST}"]) {{ reservasjon varslingsstatus {{ status }}
      digitalPostkasse {{ postkasseadresse }} }} }}"""
    response = ask(server, query, BOTH, X_Request_Id=request_id, Behandlingsgrunnlag="vedtak")
    assert codes(response.json()) == {}
    rows = {row[0]: row for row in logged(access_database, request_id)}
    assert set(rows) == {ARNE, GJEST}
    assert rows[ARNE][1] == ["digitalpost", "kontaktinformasjon", "reservasjon"]
    assert rows[ARNE][5] == "Varsling" and rows[ARNE][6] == "vedtak"
    mine = ask(server, "{ mineOppslag { requestId feltgrupper } }",
               test_token("none", orgnr=None, pid=GJEST)).json()  # fmt: skip
    assert {"requestId": request_id,
            "feltgrupper": ["digitalpost", "kontaktinformasjon", "reservasjon"]} in (
        mine["data"]["mineOppslag"])  # fmt: skip
