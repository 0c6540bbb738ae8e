"""The change feed's fan-out (issue 18): N events to C subscribed WebSocket clients.

A scratch database, the server (``create_app``, uvicorn) in this process, and the clients
in a process of their own (so they do not share the server's interpreter): C
``graphql-transport-ws`` connections, each subscribed to ``hendelser`` from the current
end of the feed. Then the events are committed through the feed's own writer
(``grunndata.feed.publish``) in commits of ``--batch``. Each client notes, per event, the
time it arrived minus the event's ``tidspunkt`` (numbered just before the commit).

Prints events/s delivered (all clients together, first commit to the last event at the
last client), and the p50/p95/max delay from commit to client (target p95 < 1 s), with
the load average: on a shared machine the figures are pessimistic.

``--rate`` paces the commits (events/s): a burst of 10 000 events is a million messages at
once, so without it the delay measures the queue, not the fan-out.

Usage:  .venv/bin/python -m benchmarks.feed_fanout [--events 10000] [--clients 100]
            [--batch 100] [--rate 100]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import threading
import time
from datetime import datetime

import uvicorn

from benchmarks.common import scratch_database
from grunndata.db.database import Database, connect
from grunndata.feed import publish, staging
from grunndata.server import create_app

DATABASE = "grunndata_benchmark_feed_fanout"
QUERY = "subscription($after: String) { hendelser(after: $after) { sekvensnummer tidspunkt } }"


async def _client(url: str, after: str, until: int, delays: list[float]) -> None:
    from websockets.asyncio.client import connect as ws_connect

    async with ws_connect(url, subprotocols=["graphql-transport-ws"], max_size=None) as ws:  # type: ignore[list-item]
        await ws.send(json.dumps({"type": "connection_init"}))
        await ws.recv()
        payload = {"query": QUERY, "variables": {"after": after}}
        await ws.send(json.dumps({"type": "subscribe", "id": "1", "payload": payload}))
        print("subscribed", flush=True)
        async for raw in ws:
            message = json.loads(raw)
            if message["type"] == "ping":
                await ws.send('{"type": "pong"}')
                continue
            event = message["payload"]["data"]["hendelser"]
            delays.append(time.time() - datetime.fromisoformat(event["tidspunkt"]).timestamp())
            if int(event["sekvensnummer"]) >= until:
                return


async def _clients(url: str, count: int, after: str, until: int) -> None:
    delays: list[float] = []
    await asyncio.gather(*(_client(url, after, until, delays) for _ in range(count)))
    print(json.dumps({"delays": delays, "done": time.time()}), flush=True)


def _write(database: Database, events: int, batch: int, rate: float | None) -> float:
    """Commit ``events`` in commits of ``batch``, at ``rate`` events/s (None: as fast as
    they go); when the first commit began."""
    started = time.time()
    with connect(database.app_url) as conn:
        for first in range(1, events + 1, batch):
            if rate is not None:
                time.sleep(max(0.0, started + (first - 1) / rate - time.time()))
            staging.ensure(conn)
            conn.execute(
                "INSERT INTO fh_staged (last_id, entitet, noekkel, hendelsestype, feltgruppe) "
                "SELECT 1, 'Adresse', g::text, 'endret', 'adresse' "
                "FROM generate_series(%s::bigint, %s::bigint) g",
                [first, min(first + batch, events + 1) - 1],
            )
            publish.publish(conn, "matrikkel")
            conn.commit()
    return started


def measure(events: int, clients: int, batch: int, rate: float | None = None) -> None:
    with scratch_database(DATABASE) as (database, _):
        config = uvicorn.Config(create_app(database.app_url), host="127.0.0.1", port=0,
                                log_level="warning", ws_ping_interval=None)  # fmt: skip
        server = uvicorn.Server(config)
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        while not server.started:
            time.sleep(0.05)
        port = server.servers[0].sockets[0].getsockname()[1]
        url = f"ws://127.0.0.1:{port}/graphql"
        child = subprocess.Popen(
            [sys.executable, "-m", "benchmarks.feed_fanout", "--as-clients", url,
             "--clients", str(clients), "--events", str(events)],
            stdout=subprocess.PIPE, text=True,
        )  # fmt: skip
        assert child.stdout is not None
        for _ in range(clients):
            assert child.stdout.readline().strip() == "subscribed"
        time.sleep(1.0)  # every subscription has joined the fan-out
        load = os.getloadavg()
        cpu = time.process_time()
        started = _write(database, events, batch, rate)
        result = json.loads(child.stdout.readline())
        child.wait()
        server_cpu = time.process_time() - cpu
        server.should_exit = True
        thread.join(timeout=30)
    delays = sorted(result["delays"])
    took = result["done"] - started
    delivered = len(delays) / took
    paced = f" at {rate:g} events/s" if rate else " as fast as they commit"
    print(f"{events} events in commits of {batch}{paced} to {clients} clients: "
          f"{len(delays)} delivered in {took:.1f} s = {delivered:,.0f} events/s")  # fmt: skip
    print(f"delay commit→client: p50 {statistics.median(delays) * 1000:.0f} ms, "
          f"p95 {delays[int(len(delays) * 0.95)] * 1000:.0f} ms, max {delays[-1] * 1000:.0f} ms "
          f"(target p95 < 1000 ms)")  # fmt: skip
    print(f"server process CPU {server_cpu:.1f} s ({server_cpu / len(delays) * 1e6:.0f} µs per "
          f"event delivered); load average before {load[0]:.1f}")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=10_000)
    parser.add_argument("--clients", type=int, default=100)
    parser.add_argument("--batch", type=int, default=100, help="events per commit")
    parser.add_argument(
        "--rate",
        type=float,
        help="events committed per second (default: "
        "as fast as they commit: the delay is then mostly queueing)",
    )
    parser.add_argument("--as-clients", metavar="URL", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.as_clients:
        asyncio.run(_clients(args.as_clients, args.clients, "0", args.events))
    else:
        measure(args.events, args.clients, args.batch, args.rate)


if __name__ == "__main__":
    main()
