"""The subscription shows each token exactly what the ``hendelser`` query shows it: no
event about a person without a Folkeregisteret scope, no address field group of a graded
person without the graded scope, and every person key in the lookup log; no event, through
its links, ties a protected person to a place."""

from __future__ import annotations

import asyncio

import pytest

from grunndata.db.database import connect
from grunndata.registers.folkeregister.access import ADRESSEBESKYTTELSE, IDENTITET
from grunndata.registers.folkeregister.hendelser import ADDRESS_ELEMENTS
from grunndata.registers.matrikkel.access import HJEMMEL
from tests.access.conftest import (
    PROTECTED,
    SHARED_UNIT,
    SHARED_UNIT_OWNERS,
    STRENGT_FORTROLIG,
    ask,
)
from tests.conftest import test_token
from tests.subscriptions.client import follow

FIELDS = "sekvensnummer register entitet noekkel hendelsestype feltgrupper"
QUERY = f"""query($after: String) {{ hendelser(after: $after, first: 1000) {{
  edges {{ node {{ {FIELDS} }} }} pageInfo {{ hasNextPage endCursor }} }} }}"""
SUBSCRIPTION = f"subscription Folg {{ hendelser {{ {FIELDS} }} }}"


def _queried(server: str, token: str | None) -> list[dict]:
    found: list[dict] = []
    after = None
    while True:
        body = ask(server, QUERY, token, {"after": after}).json()
        connection = body["data"]["hendelser"]
        found += [edge["node"] for edge in connection["edges"]]
        if not connection["pageInfo"]["hasNextPage"]:
            return found
        after = connection["pageInfo"]["endCursor"]


@pytest.mark.parametrize("scopes", [None, (IDENTITET,), (IDENTITET, ADRESSEBESKYTTELSE)], ids=str)
def test_a_subscriber_sees_what_the_query_shows_the_same_token(server, access_database, scopes):
    token = test_token(*scopes) if scopes else None
    expected = _queried(server, token)
    url = server.replace("http://", "ws://") + "/graphql"
    until = int(expected[-1]["sekvensnummer"])
    got = asyncio.run(asyncio.wait_for(follow(url, until, token, query=SUBSCRIPTION), 120))
    assert got == expected
    persons = [e for e in got if e["entitet"] == "Person"]
    assert bool(persons) == bool(scopes), "person events only with a person scope"
    with connect(access_database.app_url) as conn:
        logged = {row[0] for row in conn.execute(
            "SELECT unnest(identifikasjonsnumre) FROM felles.oppslagslogg "
            "WHERE operasjon = 'Folg'"
        )}  # fmt: skip
    assert {e["noekkel"] for e in persons} <= logged
    assert STRENGT_FORTROLIG in logged or not scopes


LINKS = """subscription Lenker { hendelser { sekvensnummer entitet noekkel feltgrupper
  eiendom { hjemmelshavere { identifikasjonsnummer } }
  adresse { adresseId }
  person { identifikasjonsnummer } } }"""


def test_no_subscribed_event_links_a_protected_person_to_a_place(server):
    """Through the subscription's links, a token with a person scope but not the graded one
    sees the open owner of the shared property only; the protected person's own event links
    the person alone and names no address field group."""
    token = test_token(IDENTITET, HJEMMEL)
    until = int(_queried(server, token)[-1]["sekvensnummer"])
    url = server.replace("http://", "ws://") + "/graphql"
    got = asyncio.run(asyncio.wait_for(follow(url, until, token, query=LINKS), 120))
    (shared,) = [e for e in got if e["noekkel"] == f"{SHARED_UNIT}/0/0"]
    owners = {o["identifikasjonsnummer"] for o in shared["eiendom"]["hjemmelshavere"]}
    assert STRENGT_FORTROLIG not in owners and owners < set(SHARED_UNIT_OWNERS)
    protected = [e for e in got if e["noekkel"] == STRENGT_FORTROLIG]
    assert protected, "the protected person's events reach a token with a person scope"
    for event in protected:
        assert event["person"] == {"identifikasjonsnummer": STRENGT_FORTROLIG}
        assert event["eiendom"] is None and event["adresse"] is None
        assert not set(event["feltgrupper"]) & set(ADDRESS_ELEMENTS)
    linked = {o["identifikasjonsnummer"] for e in got if e["eiendom"]
              for o in e["eiendom"]["hjemmelshavere"]}  # fmt: skip
    assert not linked & set(PROTECTED), "no property links a protected owner"
