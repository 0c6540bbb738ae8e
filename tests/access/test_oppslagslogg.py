"""The lookup log (issue 7 §4): every person returned is logged once per request, the log
is append-only even for the application, and it is read through ``oppslagslogg`` (tilsyn)
and ``mineOppslag`` (a citizen's pid)."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from psycopg import errors

from grunndata.db.database import connect
from grunndata.graphql.access import TILSYN
from grunndata.registers.folkeregister.access import IDENTITET, MED_HJEMMEL
from grunndata.registers.matrikkel.access import HJEMMEL
from tests.access.conftest import (
    ENDPOINTS,
    OPEN_PERSON,
    SHARED_UNIT,
    ask,
    assert_logged,
    codes,
    logged,
    shown_identifiers,
)
from tests.conftest import TEST_CONSUMER, test_token


def test_every_person_returned_is_logged_once_per_request(server, access_database):
    request_id = uuid.uuid4().hex
    query = f"""query Familie {{ person(identifikasjonsnummer: "{OPEN_PERSON}") {{
      navn {{ fornavn }} kjoenn bostedsadresse {{ vegadresse {{ adressenavn }} }}
      sivilstand {{ ektefelleEllerPartner {{ identifikasjonsnummer }} }}
      barn {{ identifikasjonsnummer barn {{ identifikasjonsnummer }} }} }}
      igjen: person(identifikasjonsnummer: "{OPEN_PERSON}") {{ foedselsdato }} }}"""
    purpose = "Tilsyn med byggesak 12/2026"
    response = ask(
        server, query, test_token(MED_HJEMMEL), X_Request_Id=request_id,
        Behandlingsgrunnlag=purpose,
    )  # fmt: skip
    assert codes(response.json()) == {}
    rows = logged(access_database, request_id)
    numbers = [row[0] for row in rows]
    assert len(numbers) == len(set(numbers))  # once each
    spouse_and_children = {"02915116372", "21867525758"}
    grandchildren = {"30880376205", "05920683144"}
    assert set(numbers) == {OPEN_PERSON} | spouse_and_children | grandchildren
    by_number = {row[0]: row for row in rows}
    assert by_number[OPEN_PERSON][1] == ["adresse", "identitet", "personopplysninger"]
    assert by_number["02915116372"][1] == ["identitet"]
    _, _, consumer, scopes, pid, operation, _ = by_number[OPEN_PERSON]
    assert consumer == TEST_CONSUMER
    assert scopes == [MED_HJEMMEL]
    assert pid is None
    assert operation == "Familie"
    assert by_number[OPEN_PERSON][6] == purpose


def test_a_refused_person_and_open_data_are_not_logged(server, access_database):
    request_id = uuid.uuid4().hex
    ask(server, f'{{ person(identifikasjonsnummer: "{OPEN_PERSON}") {{ navn {{ fornavn }} }} '
                '  enhet(organisasjonsnummer: "310911410") { navn } }',
        test_token(HJEMMEL), X_Request_Id=request_id)  # fmt: skip
    assert logged(access_database, request_id) == []


def test_identifiers_shown_of_owners_are_logged(server, access_database):
    request_id = uuid.uuid4().hex
    query = f'{{ eiendom(matrikkelnummer: "{SHARED_UNIT}") {{ hjemmelshavere {{ navn '
    query += "identifikasjonsnummer } } }"
    ask(server, query, test_token(HJEMMEL), X_Request_Id=request_id)
    assert [row[:2] for row in logged(access_database, request_id)] == [
        (OPEN_PERSON, ["identitet"])
    ]


def test_the_app_role_can_only_append(access_database):
    with connect(access_database.app_url) as conn:
        conn.execute(
            "INSERT INTO felles.oppslagslogg (identifikasjonsnumre, request_id) "
            "VALUES ('{01017012345}', 'append-test')"
        )
        assert conn.execute(
            "SELECT count(*) FROM felles.oppslagslogg WHERE request_id = 'append-test'"
        ).fetchone() == (1,)
        for statement in (
            "UPDATE felles.oppslagslogg SET konsument = 'x'",
            "DELETE FROM felles.oppslagslogg",
            "TRUNCATE felles.oppslagslogg",
        ):
            with pytest.raises(errors.InsufficientPrivilege), conn.transaction():
                conn.execute(statement)


def test_even_the_owner_cannot_change_the_log(access_database):
    with connect(access_database.owner_url) as conn:
        for statement in (
            "UPDATE felles.oppslagslogg SET konsument = 'x'",
            "DELETE FROM felles.oppslagslogg",
            "TRUNCATE felles.oppslagslogg",
        ):
            with (
                pytest.raises(errors.InsufficientPrivilege, match="append-only"),
                conn.transaction(),
            ):
                conn.execute(statement)


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_oppslagslogg_needs_tilsyn_and_answers_who_looked(request, endpoint):
    """Through the gateway, Folkeregisteret's subgraph reads the log and Enhetsregisteret's
    names the consumer."""
    base = request.getfixturevalue(endpoint)
    purpose = f"kontroll {uuid.uuid4().hex[:6]}"
    ask(base, f'{{ person(identifikasjonsnummer: "{OPEN_PERSON}") {{ status }} }}',
        test_token(IDENTITET), Behandlingsgrunnlag=purpose)  # fmt: skip
    query = f"""{{ oppslagslogg(identifikasjonsnummer: "{OPEN_PERSON}") {{
      tidspunkt konsument scopes feltgrupper behandlingsgrunnlag requestId enhet {{ navn }} }} }}"""
    assert codes(ask(base, query).json()) == {"oppslagslogg": "UNAUTHENTICATED"}
    assert codes(ask(base, query, test_token(MED_HJEMMEL)).json()) == {"oppslagslogg": "FORBIDDEN"}
    body = ask(base, query, test_token(TILSYN)).json()
    assert codes(body) == {}
    mine = [e for e in body["data"]["oppslagslogg"] if e["behandlingsgrunnlag"] == purpose]
    assert len(mine) == 1
    assert mine[0]["konsument"] == TEST_CONSUMER
    assert mine[0]["enhet"] == {"navn": "SØRLANDET IT AS"}
    assert mine[0]["feltgrupper"] == ["identitet"]


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_mine_oppslag_shows_a_citizen_who_looked_them_up(request, endpoint):
    base = request.getfixturevalue(endpoint)
    purpose = f"saksnummer {uuid.uuid4().hex[:6]}"
    ask(base, f'{{ person(identifikasjonsnummer: "{OPEN_PERSON}") {{ navn {{ fornavn }} }} }}',
        test_token(IDENTITET), Behandlingsgrunnlag=purpose)  # fmt: skip
    query = "{ mineOppslag { tidspunkt behandlingsgrunnlag enhet { navn organisasjonsnummer } } }"
    body = ask(base, query, test_token("none", orgnr=None, pid=OPEN_PERSON)).json()
    assert codes(body) == {}
    mine = [e for e in body["data"]["mineOppslag"] if e["behandlingsgrunnlag"] == purpose]
    assert mine == [
        {"tidspunkt": mine[0]["tidspunkt"], "behandlingsgrunnlag": purpose,
         "enhet": {"navn": "SØRLANDET IT AS", "organisasjonsnummer": TEST_CONSUMER}}
    ]  # fmt: skip
    other = ask(base, query, test_token("none", orgnr=None, pid="02915116372")).json()
    assert purpose not in str(other)
    assert codes(ask(base, query, test_token(TILSYN)).json()) == {"mineOppslag": "FORBIDDEN"}
    assert codes(ask(base, query).json()) == {"mineOppslag": "UNAUTHENTICATED"}


def test_a_bad_period_is_invalid_argument(server):
    query = (f'{{ oppslagslogg(identifikasjonsnummer: "{OPEN_PERSON}", '
             'fra: "2026-02-01T00:00:00", til: "2026-01-01T00:00:00") { tidspunkt } }')  # fmt: skip
    assert codes(ask(server, query, test_token(TILSYN)).json()) == {
        "oppslagslogg": "INVALID_ARGUMENT"
    }


def test_lookups_under_a_former_d_nummer_are_the_persons_too(server, access_database):
    """The log records the identifier in use at the time. Vera Kowalski had D-nummer
    52858925126 until 2016: a lookup logged under it is hers, asked by either identifier
    (and in her own mineOppslag), listed with the identifier it was logged under."""
    dnummer, fnr = "52858925126", "12858938404"
    earlier, now = uuid.uuid4().hex, uuid.uuid4().hex
    with connect(access_database.app_url) as conn:  # as it was logged in 2015
        conn.execute(
            "INSERT INTO felles.oppslagslogg (tidspunkt, identifikasjonsnumre, feltgrupper, "
            "request_id) VALUES ('2015-06-01T10:00:00Z', %s, '{identitet}', %s)",
            [[dnummer, OPEN_PERSON], earlier],
        )
    ask(server, f'{{ person(identifikasjonsnummer: "{dnummer}") {{ status }} }}',
        test_token(IDENTITET), X_Request_Id=now)  # fmt: skip
    assert [row[0] for row in logged(access_database, now)] == [fnr]  # the one in use now
    query = '{{ oppslagslogg(identifikasjonsnummer: "{}") {{ identifikasjonsnummer requestId }} }}'
    for asked in (fnr, dnummer):
        body = ask(server, query.format(asked), test_token(TILSYN)).json()
        entries = {e["requestId"]: e["identifikasjonsnummer"] for e in body["data"]["oppslagslogg"]}
        assert entries[earlier] == dnummer and entries[now] == fnr, asked
    mine = ask(server, "{ mineOppslag { identifikasjonsnummer requestId } }",
               test_token("none", orgnr=None, pid=fnr)).json()["data"]["mineOppslag"]  # fmt: skip
    assert {"identifikasjonsnummer": dnummer, "requestId": earlier} in mine
    other = ask(server, query.format(OPEN_PERSON), test_token(TILSYN)).json()
    assert {"identifikasjonsnummer": OPEN_PERSON, "requestId": earlier} in other["data"][
        "oppslagslogg"
    ]


#: A role holder's and an owner's person asked only its key, or besides it only what the
#: asking register adds: through the gateway answered from the reference, without asking
#: Folkeregisteret.
FROM_A_REFERENCE = {
    "a role holder's person": """{ enhet(organisasjonsnummer: "310911410") { roller {
        innehaver { person { __typename identifikasjonsnummer } } } } }""",
    "and its roles": """{ enhet(organisasjonsnummer: "310911410") { roller { innehaver {
        person { __typename identifikasjonsnummer roller { __typename } } } } } }""",
    "an owner's person and its properties": f"""{{ eiendom(matrikkelnummer: "{SHARED_UNIT}") {{
        hjemmelshavere {{ person {{ __typename identifikasjonsnummer
          eiendommer {{ __typename }} }} }} }} }}""",
}  # fmt: skip


@pytest.mark.parametrize("endpoint", ENDPOINTS)
@pytest.mark.parametrize("name", list(FROM_A_REFERENCE))
def test_a_person_answered_from_a_reference_is_logged(server, request, endpoint, name):
    """The subgraph that shows a person's identifier logs it, even when the gateway asks
    Folkeregisteret nothing about that person."""
    request_id = uuid.uuid4().hex
    since = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=5)
    base = request.getfixturevalue(endpoint)
    body = ask(base, FROM_A_REFERENCE[name], test_token(), X_Request_Id=request_id).json()
    assert codes(body) == {}
    shown = shown_identifiers(body["data"])
    assert OPEN_PERSON in shown
    assert_logged(server, shown, request_id, since)
