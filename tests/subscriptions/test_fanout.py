"""A subscription of plain ``Hendelse`` fields is sent from bytes serialized once per
event (``grunndata.feed.fanout``): a consumer gets exactly what GraphQL execution gives
the same selection, aliases and ``__typename`` included."""

from __future__ import annotations

import asyncio

from gql import Client, GraphQLRequest

from grunndata.db.database import Database
from tests.subscriptions.client import serving, transport
from tests.subscriptions.helpers import write_events

FIELDS = """nr: sekvensnummer lastId tidspunkt register entitet noekkel hendelsestype
  feltgrupper __typename"""
PLAIN = f"subscription($after: String) {{ h: hendelser(after: $after) {{ {FIELDS} }} }}"
#: The same selection through a fragment: executed by GraphQL per consumer.
EXECUTED = f"""subscription($after: String) {{ h: hendelser(after: $after) {{ ...F }} }}
fragment F on Hendelse {{ {FIELDS} }}"""


def test_shared_bytes_are_what_execution_gives(fresh_database):
    db = fresh_database
    write_events(db, 5)
    with serving(db) as (url, app):
        executed = asyncio.run(asyncio.wait_for(_follow(url, EXECUTED, db, 12), 60))
        assert not app.state.feed.payloads._cache, "a fragment is executed per consumer"
        plain = asyncio.run(asyncio.wait_for(_follow(url, PLAIN, db, 19), 60))
        assert app.state.feed.payloads._cache, "plain fields are sent from shared bytes"
    assert plain[:12] == executed
    assert [e["nr"] for e in plain] == [str(n) for n in range(1, 20)]
    assert plain[0]["__typename"] == "Hendelse" and plain[0]["feltgrupper"] == ["adresse"]


async def _follow(url: str, query: str, db: Database, until: int) -> list[dict[str, object]]:
    """The events from the first up to ``until``: replayed, then seven live ones written
    once the last replayed one has arrived."""
    got: list[dict[str, object]] = []
    async with Client(transport=transport(url)) as session:
        request = GraphQLRequest(query, variable_values={"after": "0"})
        async for result in session.subscribe(request):
            got.append(result["h"])
            if len(got) == until - 7:
                await asyncio.to_thread(write_events, db, 7, first_key=100 + until)
            if int(got[-1]["nr"]) >= until:  # type: ignore[call-overload]
                return got
    return got
