"""A consumer that reads too slowly, or not at all, is disconnected with a clear close
reason instead of slowing the others or filling the server's memory."""

from __future__ import annotations

import asyncio
import json
import socket
import threading
import time
from typing import Any

from websockets.client import ClientProtocol
from websockets.protocol import State
from websockets.typing import Subprotocol
from websockets.uri import parse_uri

from grunndata.graphql import websocket
from tests.subscriptions.client import HENDELSER, follow, serving
from tests.subscriptions.helpers import write_events

EVENTS = 5000


class Stalled:
    """A client that subscribes, then reads nothing until told: a plain socket with a small
    receive buffer, speaking WebSocket through ``websockets``' sans-I/O protocol (an
    asyncio client would go on reading into its own buffer)."""

    def __init__(self, url: str) -> None:
        host, port = url.removeprefix("ws://").split("/")[0].split(":")
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        self.sock.connect((host, int(port)))
        self.sock.settimeout(60)
        self.ws = ClientProtocol(parse_uri(url), subprotocols=[Subprotocol("graphql-transport-ws")])
        self.ws.send_request(self.ws.connect())
        self._flush()
        while self.ws.state is not State.OPEN:  # the handshake's answer
            self.ws.receive_data(self.sock.recv(4096))
            self.ws.events_received()
        self.ws.send_text(b'{"type": "connection_init"}')
        self._flush()
        subscribe = {"type": "subscribe", "id": "1", "payload": {"query": HENDELSER}}
        self.ws.send_text(json.dumps(subscribe).encode())
        self._flush()

    def _flush(self) -> None:
        for data in self.ws.data_to_send():
            self.sock.sendall(data)

    def close_frame(self) -> tuple[int | None, str | None]:
        """Read everything, up to the end; the server's close code and reason."""
        while data := self.sock.recv(65536):
            self.ws.receive_data(data)
            self.ws.events_received()
        self.sock.close()
        frame = self.ws.close_rcvd
        return (frame.code, frame.reason) if frame else (None, None)


def test_a_stalled_consumer_is_closed_4503_while_others_get_every_event(
    fresh_database, monkeypatch
):
    db = fresh_database
    write_events(db, 1)
    monkeypatch.setattr(websocket, "SEND_TIMEOUT_S", 1.0)
    monkeypatch.setattr(websocket, "KEEPALIVE_S", 3600.0)  # its silence is not the reason
    closing = threading.Event()  # set when the server starts closing a connection
    close = websocket.GrunndataTransportWS.close

    async def noted(self: websocket.GrunndataTransportWS, code: int, text: str) -> None:
        closing.set()
        await close(self, code, text)

    monkeypatch.setattr(websocket.GrunndataTransportWS, "close", noted)

    async def scenario(app: Any) -> tuple[list[dict[str, str]], tuple[int | None, str | None]]:
        stalled = await asyncio.to_thread(Stalled, url)
        while len(app.state.feed.subscribers) < 1:  # the stalled one has joined
            await asyncio.sleep(0.05)
        reader = asyncio.ensure_future(follow(url, EVENTS + 1))
        await asyncio.to_thread(write_events, db, EVENTS, first_key=2)
        await asyncio.to_thread(closing.wait, 120)  # the server gives up on it
        closed = await asyncio.to_thread(stalled.close_frame)  # now it reads again
        return await asyncio.wait_for(reader, 120), closed

    with serving(db, send_buffer=8192) as (url, app):
        got, (code, why) = asyncio.run(scenario(app))
        time.sleep(0.5)
        left = len(app.state.feed.subscribers)
    assert [int(e["sekvensnummer"]) for e in got] == list(range(1, EVENTS + 2))
    assert code == 4503 and why and why.startswith("SLOW_CONSUMER: "), (code, why)
    assert left == 0, "the stalled subscription ended"
