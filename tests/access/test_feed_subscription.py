"""The subscription shows each token exactly what the ``hendelser`` query shows it: no
event about a person without a Folkeregisteret scope, no address field group of a graded
person without the graded scope, and every person key in the lookup log."""

from __future__ import annotations

import asyncio

import pytest

from grunndata.db.database import connect
from grunndata.registers.folkeregister.access import ADRESSEBESKYTTELSE, IDENTITET
from tests.access.conftest import STRENGT_FORTROLIG, ask
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
