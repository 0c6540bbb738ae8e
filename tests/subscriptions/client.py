"""The clients of the subscription tests: ``gql``'s WebSocket transport (a client we did
not write) for what a consumer does, and a bare ``websockets`` connection for what a
broken or hostile one sends."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from gql import Client, GraphQLRequest
from gql.transport.websockets import WebsocketsTransport
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from grunndata.db.database import Database
from grunndata.server import create_app
from tests.conftest import LiveServer

HENDELSER = """
subscription Follow($after: String, $registre: [String!], $entiteter: [String!]) {
  hendelser(after: $after, registre: $registre, entiteter: $entiteter) {
    sekvensnummer register entitet noekkel hendelsestype
  }
}
"""


@contextmanager
def serving(db: Database, send_buffer: int | None = None) -> Iterator[tuple[str, Any]]:
    """A live server on ``db``: its ``ws://…/graphql`` URL and the app. ``send_buffer``:
    the kernel's send buffer of each connection, in bytes (default: the system's, which
    grows to megabytes)."""
    app = create_app(db.app_url)
    server = LiveServer(app, token=None)
    if send_buffer is not None:  # accepted connections inherit it from the listener
        sock = socket.socket()
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, send_buffer)
        sock.bind(("127.0.0.1", 0))
        server.thread = threading.Thread(
            target=server.server.run, kwargs={"sockets": [sock]}, daemon=True
        )
    with server as base:
        yield base.replace("http://", "ws://") + "/graphql", app


def transport(url: str, token: str | None = None, **options: Any) -> WebsocketsTransport:
    payload = {"Authorization": f"Bearer {token}"} if token else {}
    return WebsocketsTransport(
        url=url, init_payload=payload, subprotocols=[WebsocketsTransport.GRAPHQLWS_SUBPROTOCOL],
        **options,
    )  # fmt: skip


async def follow(
    url: str, until: int, token: str | None = None, query: str = HENDELSER, **variables: Any
) -> list[dict[str, Any]]:
    """The events a gql client receives, up to the one numbered ``until``."""
    got: list[dict[str, Any]] = []
    async with Client(transport=transport(url, token)) as session:
        request = GraphQLRequest(query, variable_values=variables)
        async for result in session.subscribe(request):
            got.append(result["hendelser"])
            if int(got[-1]["sekvensnummer"]) >= until:
                break
    return got


async def raw(url: str, **options: Any) -> ClientConnection:
    return await connect(url, subprotocols=["graphql-transport-ws"], **options)  # type: ignore[list-item]


async def closed_with(ws: ClientConnection, *messages: Any) -> tuple[int, str]:
    """Send ``messages`` (text as is, else JSON), read until the server closes; its code and
    reason."""
    for message in messages:
        await ws.send(message if isinstance(message, str) else json.dumps(message))
    try:
        while True:
            await ws.recv()
    except ConnectionClosed as closed:
        assert closed.rcvd is not None, "the server closed without a close frame"
        return closed.rcvd.code, closed.rcvd.reason
