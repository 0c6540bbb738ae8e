"""The change feed's access rules, over real HTTP (GraphQL and the plain feed): no event
about a person reaches a token without a Folkeregisteret scope, and pages stay full
without them; no event links a protected person to a place; every person key shown is in
the lookup log."""

from __future__ import annotations

import json
import uuid

import httpx

from grunndata.registers.folkeregister.access import ADRESSEBESKYTTELSE, IDENTITET
from grunndata.registers.folkeregister.hendelser import ADDRESS_ELEMENTS
from grunndata.registers.kontaktregister.access import DIGITALPOST, KONTAKTINFORMASJON
from grunndata.registers.matrikkel.access import HJEMMEL
from tests.access.conftest import (
    OPEN_PERSON,
    SHARED_UNIT,
    SHARED_UNIT_OWNERS,
    STRENGT_FORTROLIG,
    ask,
    codes,
    logged,
)
from tests.conftest import test_token

GROUPS = """{ hendelser(entiteter: ["Person"], first: 1000) {
  edges { node { noekkel feltgrupper } } } }"""
FEED = """query($after: String, $first: Int, $entiteter: [String!]) {
  hendelser(after: $after, first: $first, entiteter: $entiteter) {
    edges { cursor node { sekvensnummer register entitet noekkel hendelsestype } }
    pageInfo { hasNextPage endCursor } } }"""


def _graphql(server: str, token: str | None, **variables) -> list[dict]:
    body = ask(server, FEED, token, variables).json()
    assert "errors" not in body, body
    return [edge["node"] for edge in body["data"]["hendelser"]["edges"]]


def _all(server: str, token: str | None) -> list[dict]:
    """Every event the token sees, page by page."""
    found: list[dict] = []
    after = None
    while True:
        body = ask(server, FEED, token, {"after": after, "first": 1000}).json()
        connection = body["data"]["hendelser"]
        found += [edge["node"] for edge in connection["edges"]]
        if not connection["pageInfo"]["hasNextPage"]:
            return found
        after = connection["pageInfo"]["endCursor"]


def _plain(server: str, token: str | None, **params) -> httpx.Response:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return httpx.get(f"{server}/hendelser", params=params, headers=headers, timeout=20)


def _lines(response: httpx.Response) -> list[dict]:
    assert response.status_code == 200, response.text
    return [json.loads(line) for line in response.text.splitlines()]


def test_without_a_person_scope_no_person_event_and_full_pages(server):
    everything = _all(server, test_token(IDENTITET))
    persons = {e["noekkel"] for e in everything if e["entitet"] == "Person"}
    assert STRENGT_FORTROLIG in persons and len(persons) >= 5
    for token in (None, test_token(HJEMMEL)):
        seen = _all(server, token)
        assert seen and all(e["entitet"] != "Person" for e in seen)
        assert [e for e in everything if e["entitet"] != "Person"] == seen, "the same others"
        page = _graphql(server, token, first=5)
        assert len(page) == 5, "filtered in SQL: a page is full"
        lines = _lines(_plain(server, token, antall=1000))
        assert [line["sekvensnummer"] for line in lines] == [
            e["sekvensnummer"] for e in seen[:1000]
        ]
        assert not {line["noekkel"] for line in lines} & persons


def test_asking_for_persons_without_the_scope_is_refused(server):
    anonymous = ask(server, FEED, None, {"entiteter": ["Person"]}).json()
    assert codes(anonymous) == {"hendelser": "UNAUTHENTICATED"}
    forbidden = ask(server, FEED, test_token(HJEMMEL), {"entiteter": ["Person"]}).json()
    assert codes(forbidden) == {"hendelser": "FORBIDDEN"}
    assert _plain(server, None, entitet="Person").status_code == 401
    refused = _plain(server, test_token(HJEMMEL), entitet="Person")
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "FORBIDDEN"


def test_every_person_key_shown_is_logged_on_both_paths(server, access_database):
    token = test_token(IDENTITET)
    request_id = uuid.uuid4().hex
    body = ask(server, FEED, token, {"entiteter": ["Person"]}, x_request_id=request_id).json()
    shown = {edge["node"]["noekkel"] for edge in body["data"]["hendelser"]["edges"]}
    assert shown and {row[0] for row in logged(access_database, request_id)} == shown
    assert {row[1] == ["identitet"] for row in logged(access_database, request_id)} == {True}

    plain_id = uuid.uuid4().hex
    headers = {"Authorization": f"Bearer {token}", "X-Request-Id": plain_id}
    response = httpx.get(f"{server}/hendelser", params={"entitet": "Person"}, headers=headers)
    lines = _lines(response)
    rows = logged(access_database, plain_id)
    assert {row[0] for row in rows} == {line["noekkel"] for line in lines} == shown
    assert {row[5] for row in rows} == {"GET /hendelser"}


def test_no_event_links_a_protected_person_to_a_place(server):
    """The property both owners share: through its event's link, a token with a person
    scope but not the graded one sees the open owner only; the protected person's own
    event links to the person alone."""
    query = """query($after: String) { hendelser(after: $after, first: 1000) {
      pageInfo { hasNextPage endCursor } edges { node { entitet noekkel
      eiendom { hjemmelshavere { identifikasjonsnummer } }
      person { identifikasjonsnummer } } } } }"""
    token = test_token(IDENTITET, HJEMMEL)
    nodes: list[dict] = []
    after = None
    while after != "done":
        connection = ask(server, query, token, {"after": after}).json()["data"]["hendelser"]
        nodes += [edge["node"] for edge in connection["edges"]]
        more = connection["pageInfo"]["hasNextPage"]
        after = connection["pageInfo"]["endCursor"] if more else "done"
    (shared,) = [n for n in nodes if n["noekkel"] == f"{SHARED_UNIT}/0/0"]
    owners = {o["identifikasjonsnummer"] for o in shared["eiendom"]["hjemmelshavere"]}
    assert STRENGT_FORTROLIG not in owners and owners < set(SHARED_UNIT_OWNERS)
    (protected,) = [n for n in nodes if n["noekkel"] == STRENGT_FORTROLIG]
    assert protected["person"] == {"identifikasjonsnummer": STRENGT_FORTROLIG}
    assert protected["eiendom"] is None


def test_a_graded_persons_events_say_nothing_of_the_address_without_the_graded_scope(server):
    def groups(token: str) -> dict[str, list[str]]:
        body = ask(server, GROUPS, token).json()
        return {e["node"]["noekkel"]: e["node"]["feltgrupper"]
                for e in body["data"]["hendelser"]["edges"]}  # fmt: skip

    plain = groups(test_token(IDENTITET))
    graded = groups(test_token(IDENTITET, ADRESSEBESKYTTELSE))
    assert "bostedsadresse" in graded[STRENGT_FORTROLIG]
    assert not set(plain[STRENGT_FORTROLIG]) & set(ADDRESS_ELEMENTS)
    assert "navn" in plain[STRENGT_FORTROLIG]
    assert "bostedsadresse" in plain[OPEN_PERSON] == graded[OPEN_PERSON], "an open person's"


def test_the_plain_feed_says_nothing_of_a_graded_persons_address_without_the_scope(server):
    """``GET /hendelser`` gives a graded person's events without the address field groups
    to a token without the graded scope, as the GraphQL feed does."""

    def groups(token: str) -> dict[str, set[str]]:
        found: dict[str, set[str]] = {}
        for line in _lines(_plain(server, token, entitet="Person", antall=1000)):
            found.setdefault(line["noekkel"], set()).update(line["feltgrupper"])
        return found

    plain, graded = groups(test_token(IDENTITET)), groups(test_token(IDENTITET, ADRESSEBESKYTTELSE))
    assert "bostedsadresse" in graded[STRENGT_FORTROLIG]
    assert not plain[STRENGT_FORTROLIG] & set(ADDRESS_ELEMENTS)
    assert "navn" in plain[STRENGT_FORTROLIG]
    assert plain[OPEN_PERSON] == graded[OPEN_PERSON] and "bostedsadresse" in plain[OPEN_PERSON]


def test_contact_register_events_need_its_scope(server):
    """Kontakt- og reservasjonsregisteret's entries are keyed by a person: its events reach
    only a token with one of its scopes, a Folkeregisteret scope is not enough."""
    krr = {e["noekkel"] for e in _all(server, test_token(KONTAKTINFORMASJON))
           if e["entitet"] == "Kontaktinformasjon"}  # fmt: skip
    assert len(krr) >= 5
    assert {e["noekkel"] for e in _all(server, test_token(DIGITALPOST))
            if e["entitet"] == "Kontaktinformasjon"} == krr  # fmt: skip
    for token in (None, test_token(IDENTITET), test_token(HJEMMEL)):
        assert all(e["entitet"] != "Kontaktinformasjon" for e in _all(server, token))
        lines = _lines(_plain(server, token, antall=1000))
        assert all(line["entitet"] != "Kontaktinformasjon" for line in lines)
    refused = _plain(server, test_token(IDENTITET), entitet="Kontaktinformasjon")
    assert refused.status_code == 403
