"""A complete consumer of grunndata's change feed (docs/feed.md): it keeps a copy of
Matrikkelen's addresses. It starts from an export (``grunndata export matrikkel --out
matrikkel.jsonl --format jsonl``), then follows the events after the export's sequence
number N over one of three paths: GraphQL pages, plain HTTP pages, or the GraphQL
subscription over WebSocket. Each path ends with the same copy: the database's state.

Run it:  python feed_client.py matrikkel.jsonl http|graphql|websocket [BASE_URL]
Needs:   pip install httpx "gql[websockets]"
"""

from __future__ import annotations

import asyncio
import json
import sys
from typing import Any

import httpx
from gql import Client, GraphQLRequest
from gql.transport.websockets import WebsocketsTransport

BASE = "http://127.0.0.1:8000"
FIELDS = "adresseId adressetekst postnummer poststed"
ADRESSE = f"query($id: ID!) {{ adresse(adresseId: $id) {{ {FIELDS} }} }}"
Copy = dict[str, dict[str, Any]]


def baseline(path: str) -> tuple[int, Copy]:
    """The export's N and its addresses (the fields this copy keeps)."""
    copy: Copy = {}
    with open(path, encoding="utf-8") as lines:
        n = int(json.loads(next(lines))["grunndata"]["sekvensnummer"])
        for line in lines:
            record = json.loads(line)
            if record["entitet"] == "Adresse":
                copy[record["noekkel"]] = {k: record["data"][k] for k in FIELDS.split()}
    return n, copy


def apply(client: httpx.Client, copy: Copy, event: dict[str, Any]) -> None:
    """Read the address an event names as it is now; drop it if it is gone."""
    if event["entitet"] != "Adresse":
        return
    answer = client.post(
        "/graphql", json={"query": ADRESSE, "variables": {"id": event["noekkel"]}}
    ).json()
    found = answer["data"]["adresse"]
    if found is None:
        copy.pop(event["noekkel"], None)
    else:
        copy[event["noekkel"]] = found


def follow_http(copy: Copy, after: int, base: str = BASE, token: str | None = None) -> int:
    """``GET /hendelser`` from ``after`` to the end of the feed; the last number read."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    with httpx.Client(base_url=base, timeout=30, headers=headers) as client:
        url = f"/hendelser?etter={after}&antall=1000&register=matrikkel"
        while True:
            page = client.get(url)
            if page.status_code == 410:
                raise SystemExit("too far behind: take a new export")
            page.raise_for_status()
            events = [json.loads(line) for line in page.content.splitlines()]
            for event in events:
                apply(client, copy, event)
                after = int(event["sekvensnummer"])
            if len(events) < 1000:  # the end of the feed for now
                return after
            url = page.links["next"]["url"]


PAGE = """query($after: String) {
  hendelser(after: $after, first: 1000, registre: ["matrikkel"]) {
    edges { node { sekvensnummer entitet noekkel } }
    pageInfo { hasNextPage endCursor } } }"""


def follow_graphql(copy: Copy, after: int, base: str = BASE, token: str | None = None) -> int:
    """The ``hendelser`` query, page by page, from ``after``; the last number read."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    with httpx.Client(base_url=base, timeout=30, headers=headers) as client:
        while True:
            body = client.post(
                "/graphql", json={"query": PAGE, "variables": {"after": str(after)}}
            ).json()
            if "errors" in body:  # CURSOR_EXPIRED: take a new export
                raise SystemExit(body["errors"][0]["message"])
            connection = body["data"]["hendelser"]
            for edge in connection["edges"]:
                apply(client, copy, edge["node"])
                after = int(edge["node"]["sekvensnummer"])
            if not connection["pageInfo"]["hasNextPage"]:
                return after


SUBSCRIPTION = """subscription($after: String) {
  hendelser(after: $after, registre: ["matrikkel"]) { sekvensnummer entitet noekkel } }"""


async def follow_websocket(
    copy: Copy, after: int, base: str = BASE, token: str | None = None,
    until: int | None = None,
) -> int:  # fmt: skip
    """The subscription from ``after``: every event since, then each new one as it is
    committed. It runs until ``until`` is reached (None: for ever); to resume, call it
    again with the last number it returned."""
    transport = WebsocketsTransport(
        url=base.replace("http", "ws", 1) + "/graphql",
        init_payload={"Authorization": f"Bearer {token}"} if token else {},
        subprotocols=[WebsocketsTransport.GRAPHQLWS_SUBPROTOCOL],
    )
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    with httpx.Client(base_url=base, timeout=30, headers=headers) as client:
        if until is not None and until <= after:
            return after
        async with Client(transport=transport) as session:
            request = GraphQLRequest(SUBSCRIPTION, variable_values={"after": str(after)})
            async for result in session.subscribe(request):
                event = result["hendelser"]
                apply(client, copy, event)  # store the number with the copy, then go on
                after = int(event["sekvensnummer"])
                if until is not None and after >= until:
                    break
    return after


def main(path: str, how: str, base: str = BASE) -> None:
    n, copy = baseline(path)
    if how == "websocket":
        asyncio.run(follow_websocket(copy, n, base))  # runs until stopped
    follow = follow_http if how == "http" else follow_graphql
    print(f"{len(copy)} addresses, up to event {follow(copy, n, base)}")


if __name__ == "__main__":
    main(*sys.argv[1:])
