"""``subscription { hendelser }`` over WebSocket (graphql-transport-ws) in the single
process, with gql's client: replay then live, access and the lookup log, the token at
connect and at expiry, keep-alive, coded close reasons for bad input, and the per-client
rate."""

from __future__ import annotations

import asyncio
import threading
from dataclasses import replace

import httpx
import pytest
from gql import Client, GraphQLRequest
from gql.transport.exceptions import TransportQueryError

from grunndata.config import Settings
from grunndata.db.database import connect
from grunndata.graphql import websocket
from grunndata.server import create_app
from tests.conftest import LiveServer, test_token
from tests.subscriptions.client import (
    HENDELSER,
    closed_with,
    follow,
    raw,
    serving,
    transport,
)
from tests.subscriptions.helpers import write_events

PERSONS = "folkeregister/offentligutenhjemmel"


def test_replay_then_live_while_a_writer_races_the_switch(fresh_database):
    db = fresh_database
    start = write_events(db, 40)
    stop = threading.Event()

    def writer() -> None:
        key = 1000
        while not stop.is_set():
            write_events(db, 3, first_key=key)
            key += 3

    with serving(db) as (url, _):
        thread = threading.Thread(target=writer)
        thread.start()
        try:
            streams = asyncio.run(_three(url, start))
        finally:
            stop.set()
            thread.join()
    for first, got in zip((1, start, 1), streams, strict=True):
        numbers = [int(e["sekvensnummer"]) for e in got]
        assert numbers == list(range(first, numbers[-1] + 1)), "no gap, no repeat"
    assert streams[0][0] == {
        "sekvensnummer": "1", "register": "matrikkel", "entitet": "Adresse", "noekkel": "1",
        "hendelsestype": "endret",
    }  # fmt: skip


async def _three(url: str, start: int) -> list[list[dict[str, str]]]:
    streams = asyncio.gather(
        follow(url, start + 200, after="0"),
        follow(url, start + 200, after=str(start - 1)),
        follow(url, start + 200),
    )
    return await asyncio.wait_for(streams, 90)


def test_person_events_need_the_scope_and_are_logged(fresh_database):
    db = fresh_database
    write_events(db, 3, register="folkeregister", entitet="Person", first_key=13869100069)
    top = write_events(db, 2)
    with serving(db) as (url, _):
        anonymous = asyncio.run(follow(url, top))
        allowed = asyncio.run(
            follow(url, top, test_token(PERSONS), entiteter=["Person", "Adresse"])
        )
        with pytest.raises(TransportQueryError) as refused:
            asyncio.run(follow(url, top, entiteter=["Person"]))
    assert [e["entitet"] for e in anonymous] == ["Adresse", "Adresse"], "left out, not redacted"
    assert [e["noekkel"] for e in allowed][:3] == ["13869100069", "13869100070", "13869100071"]
    assert refused.value.errors[0]["extensions"]["code"] == "UNAUTHENTICATED"  # type: ignore[index]
    with connect(db.app_url) as conn:
        logged = conn.execute(
            "SELECT operasjon, unnest(identifikasjonsnumre) FROM felles.oppslagslogg ORDER BY 2"
        ).fetchall()
    assert logged == [("Follow", "13869100069"), ("Follow", "13869100070"),
                      ("Follow", "13869100071")]  # fmt: skip


def test_an_invalid_token_is_refused_at_connect_and_an_expired_one_closes_4401(fresh_database):
    db = fresh_database
    write_events(db, 1)

    async def subscribe(token: str) -> tuple[int, str]:
        ws = await raw(url)
        init = {"type": "connection_init", "payload": {"Authorization": f"Bearer {token}"}}
        sub = {"type": "subscribe", "id": "1", "payload": {"query": HENDELSER}}
        return await closed_with(ws, init, sub)

    with serving(db) as (url, _):
        bad = asyncio.run(subscribe("not-a-jwt"))
        expired = asyncio.run(asyncio.wait_for(subscribe(test_token(ttl=2)), 30))
    assert bad[0] == 4401 and bad[1].startswith("INVALID_TOKEN: "), bad
    assert expired[0] == 4401 and expired[1].startswith("TOKEN_EXPIRED: "), expired


@pytest.mark.parametrize(
    ("messages", "code", "starts"),
    [
        (["not json"], 4400, "BAD_MESSAGE: "),
        (["[1, 2]"], 4400, "BAD_MESSAGE: "),
        ([{"type": "connection_init", "payload": "token"}], 4400, "BAD_CONNECTION_INIT: "),
        ([{"type": "connection_init", "payload": {"Authorization": 7}}], 4400,
         "BAD_CONNECTION_INIT: "),
        ([{"type": "connection_init"}, {"type": "subscribe", "id": "1", "payload": "x"}],
         4400, "BAD_MESSAGE: "),
        ([{"type": "connection_init"}, {"type": "subscribe", "id": 1, "payload": {}}],
         4400, "BAD_MESSAGE: "),
        ([{"type": "what"}], 4400, "BAD_MESSAGE: "),
    ],
)  # fmt: skip
def test_bad_input_gets_a_coded_close_reason_and_no_trace(database, caplog, messages, code, starts):
    with serving(database) as (url, _):
        got = asyncio.run(asyncio.wait_for(_closed(url, messages), 20))
    assert got[0] == code and got[1].startswith(starts), got
    assert not [r for r in caplog.records if r.exc_info or r.levelname == "ERROR"]


async def _closed(url: str, messages: list[object]) -> tuple[int, str]:
    return await closed_with(await raw(url), *messages)


def test_a_client_that_answers_no_ping_is_closed_4408(fresh_database, monkeypatch):
    write_events(fresh_database, 1)
    monkeypatch.setattr(websocket, "KEEPALIVE_S", 0.2)
    monkeypatch.setattr(websocket, "PONG_TIMEOUT_S", 0.3)

    async def silent() -> tuple[int, str, list[str]]:
        ws = await raw(url)
        await ws.send('{"type": "connection_init"}')
        seen = [await ws.recv(), await ws.recv()]  # the ack, then the server's ping
        code, why = await closed_with(ws)
        return code, why, seen  # type: ignore[return-value]

    async def answering() -> object:
        async with Client(transport=transport(url)) as session:
            await asyncio.sleep(1.5)  # gql answers the pings meanwhile
            async for result in session.subscribe(GraphQLRequest(HENDELSER)):
                return result["hendelser"]["sekvensnummer"]
        return None

    with serving(fresh_database) as (url, _):
        code, why, seen = asyncio.run(asyncio.wait_for(silent(), 20))
        alive = asyncio.run(answering())
    assert '"ping"' in seen[1] and code == 4408 and why.startswith("PONG_TIMEOUT: ")
    assert alive == "1", "a client answering the pings stays connected"


def test_a_consumer_over_its_rate_is_closed_4429_and_others_go_on(fresh_database):
    """Each connection_init and subscribe spends one of the consumer's requests, the same
    share ``/graphql`` counts: past its burst the socket closes with 4429, and the
    consumer's next POST is 429 too; another consumer is not held back."""
    write_events(fresh_database, 1)
    security = replace(Settings.from_env().security, rate_limit_per_minute=6, rate_limit_burst=3)
    busy, calm = test_token(orgnr="318716897"), test_token(orgnr="310911410")

    def subscribe(n: int) -> dict[str, object]:
        return {"type": "subscribe", "id": str(n), "payload": {"query": HENDELSER}}

    async def flood(url: str, token: str) -> tuple[int, str]:
        init = {"type": "connection_init", "payload": {"Authorization": f"Bearer {token}"}}
        return await closed_with(await raw(url), init, *(subscribe(n) for n in range(3)))

    app = create_app(fresh_database.app_url, security=security)
    with LiveServer(app, token=None) as base:
        url = base.replace("http://", "ws://") + "/graphql"
        code, text = asyncio.run(asyncio.wait_for(flood(url, busy), 30))
        after = httpx.post(f"{base}/graphql", json={"query": "{ sisteHendelse { tidspunkt } }"},
                           headers={"Authorization": f"Bearer {busy}"})  # fmt: skip
        calm_events = asyncio.run(asyncio.wait_for(follow(url, 1, calm), 30))
    assert code == 4429 and text.startswith("RATE_LIMITED: "), (code, text)
    assert after.status_code == 429
    assert [e["sekvensnummer"] for e in calm_events] == ["1"]
