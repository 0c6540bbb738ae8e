"""The feed through Hive Gateway, served by the ``felles`` subgraph: the ``hendelser``
query answers as the single process does, with and without a scope for persons, its links
resolved by the owning registers' subgraphs; the subscription replays and goes live through
the gateway, the token in ``connection_init`` reaching the subgraph."""

from __future__ import annotations

import asyncio
import copy
import uuid
from typing import Any

import httpx
import pytest
from gql import Client, GraphQLRequest

from grunndata.db.database import Database, connect
from tests.conftest import ON_THE_GATEWAY, test_token
from tests.gateway import NEEDS_NODE, OneGateway
from tests.subscriptions.client import HENDELSER, transport
from tests.subscriptions.helpers import write_events

pytestmark = [NEEDS_NODE, ON_THE_GATEWAY]

PERSONS = "folkeregister/offentligutenhjemmel"

FEED = """query ($registre: [String!]) {
  sisteHendelse { sekvensnummer }
  hendelser(first: 1000, registre: $registre) {
    edges { cursor node { sekvensnummer register entitet noekkel hendelsestype feltgrupper
      person { identifikasjonsnummer } eiendom { matrikkelnummer } adresse { adresseId }
      enhet { organisasjonsnummer } } }
    pageInfo { hasNextPage endCursor }
  }
}"""


def post(base: str, query: str, token: str, request_id: str, **variables: Any) -> dict[str, Any]:
    headers = {"Authorization": f"Bearer {token}", "X-Request-Id": request_id}
    body = {"query": query, "variables": variables}
    response = httpx.post(f"{base}/graphql", json=body, headers=headers, timeout=60)
    assert response.status_code == 200, response.text
    return response.json()


LINKS = ("person", "eiendom", "adresse", "enhet")


def as_of_now(through_gateway: dict[str, Any], single: dict[str, Any]) -> dict[str, Any]:
    """The gateway's answer, but where the single process found no entity as of the event's
    time a link the gateway resolved now (a federation reference carries no instant:
    docs/federation.md): that link as the single process answered."""
    data = copy.deepcopy(through_gateway["data"])
    edges = zip(data["hendelser"]["edges"], single["data"]["hendelser"]["edges"], strict=True)
    for mine, theirs in edges:
        for link in LINKS:
            if theirs["node"][link] is None and mine["node"][link] is not None:
                mine["node"][link] = None
    return data


def refusals(answer: dict[str, Any]) -> list[tuple[str, str]]:
    """Each error's path and code (the gateway adds where it came from)."""
    errors = answer.get("errors", [])
    return [(".".join(map(str, e["path"])), e["extensions"]["code"]) for e in errors]


@pytest.mark.parametrize("scopes", [(), ("none",)], ids=["every scope", "no person scope"])
def test_the_feed_answers_through_the_gateway_as_the_single_process(
    cast_database: Database, one_gateway: OneGateway, scopes: tuple[str, ...]
):
    token = test_token(*scopes)
    with one_gateway.serving(cast_database) as running:
        run = uuid.uuid4().hex
        answers = [
            tuple(
                post(base, FEED, token, f"{run}-{where}-{i}", registre=registre)
                for where, base in (("gateway", running.gateway), ("single", running.single))
            )
            for i, registre in enumerate((None, ["folkeregister", "matrikkel"]))
        ]
    with connect(cast_database.app_url) as conn:
        logged = conn.execute(
            "SELECT request_id, array_agg(DISTINCT i ORDER BY i) FROM felles.oppslagslogg, "
            "unnest(identifikasjonsnumre) i WHERE request_id LIKE %s GROUP BY 1",
            [f"{run}%"],
        ).fetchall()
    by_request = dict(logged)
    for i in range(len(answers)):
        shown = by_request.get(f"{run}-gateway-{i}")
        assert shown == by_request.get(f"{run}-single-{i}"), "the same persons logged"
        assert (shown is not None) == (not scopes)
    nodes = []
    for through_gateway, single in answers:
        assert as_of_now(through_gateway, single) == single["data"]
        assert refusals(through_gateway) == refusals(single)
        nodes += [edge["node"] for edge in single["data"]["hendelser"]["edges"]]
    entities = {node["entitet"] for node in nodes}
    assert {"Eiendom", "Adresse", "Enhet"} <= entities
    assert ("Person" in entities) == (not scopes), "left out without a scope for persons"
    linked = [n for n in nodes if n["entitet"] in {"Person", "Eiendom", "Adresse", "Enhet"}]
    assert linked and all(n[n["entitet"].lower()] is not None for n in linked)


async def follow_live(url: str, token: str, replayed: int, write: Any) -> list[dict[str, Any]]:
    """Subscribe from the start; once the event numbered ``replayed`` arrives, ``write``
    (in a thread) and read on up to the number it returns."""
    got: list[dict[str, Any]] = []
    until: int | None = None
    async with Client(transport=transport(url, token)) as session:
        async for result in session.subscribe(GraphQLRequest(HENDELSER)):
            got.append(result["hendelser"])
            number = int(got[-1]["sekvensnummer"])
            if until is None and number >= replayed:
                until = await asyncio.to_thread(write)
            if until is not None and number >= until:
                break
    return got


def test_a_subscription_through_the_gateway_replays_then_goes_live_with_the_callers_token(
    fresh_database: Database, one_gateway: OneGateway
):
    db = fresh_database
    write_events(db, 2, register="folkeregister", entitet="Person", first_key=13869100069)
    replayed = write_events(db, 2, first_key=1)
    rounds = iter(range(10))

    def write() -> int:  # one person and two addresses, live
        n = next(rounds)
        write_events(db, 1, register="folkeregister", entitet="Person", first_key=13869100100 + n)
        return write_events(db, 2, first_key=100 + 10 * n)

    with one_gateway.serving(db, token=None, keep=False) as running:
        url = running.gateway.replace("http://", "ws://") + "/graphql"
        allowed = asyncio.run(asyncio.wait_for(
            follow_live(url, test_token(PERSONS), replayed, write), 60))  # fmt: skip
        top = int(allowed[-1]["sekvensnummer"])
        other = asyncio.run(asyncio.wait_for(
            follow_live(url, test_token("none"), top, write), 60))  # fmt: skip
    numbers = [int(e["sekvensnummer"]) for e in allowed]
    assert numbers == list(range(1, numbers[-1] + 1)), "no gap, no repeat"
    assert numbers[-1] > replayed, "live after the replay"
    assert [e["entitet"] for e in allowed[:4]] == ["Person", "Person", "Adresse", "Adresse"]
    assert [e["entitet"] for e in allowed[4:]] == ["Person", "Adresse", "Adresse"]
    assert "Person" not in {e["entitet"] for e in other}, "the token reached the subgraph"
    assert [e["noekkel"] for e in other] == ["1", "2", "100", "101", "110", "111"]
    with connect(db.app_url) as conn:
        logged = conn.execute(
            "SELECT unnest(identifikasjonsnumre) FROM felles.oppslagslogg ORDER BY 1"
        ).fetchall()
    assert [row[0] for row in logged] == ["13869100069", "13869100070", "13869100100"]
