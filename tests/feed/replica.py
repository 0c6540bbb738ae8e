"""A consumer keeping a copy of two registers as docs/feed.md tells it to: baseline from
``grunndata export`` (JSON Lines) at N, then every event after N, over plain HTTP or the
GraphQL subscription (``gql``'s WebSocket client), reading each named entity again over
GraphQL with the fields the export has. It stores one cursor and may reconnect from it."""

from __future__ import annotations

import asyncio
import contextlib
import json
import threading
from pathlib import Path
from typing import Any

import httpx
import orjson
from gql import Client, GraphQLRequest

from grunndata.export.check import Ask
from grunndata.export.declare import Features, Records
from grunndata.export.records import document
from grunndata.export.run import export
from grunndata.registers.enhetsregister.eksport import EKSPORT as ENHETSREGISTER
from grunndata.registers.matrikkel.eksport import EKSPORT as MATRIKKEL
from tests.subscriptions.client import transport

REGISTERS = {"matrikkel": MATRIKKEL, "enhetsregister": ENHETSREGISTER}
#: What the consumer reads again for an event of each entity; a Rolle event names its unit.
READS: dict[str, Records | Features] = {r.entitet: r for e in REGISTERS.values() for r in e.records}
READS["Rolle"] = READS["Enhet"]
#: Keys per GraphQL request (the server's alias limit is 30).
PER_REQUEST = 25

Copy = dict[tuple[str, str], dict[str, Any]]


def exported(database_url: str, folder: Path, name: str) -> tuple[int, Copy]:
    """Both registers exported (``grunndata export … --format jsonl``): the smallest of
    their sequence numbers, and their records keyed by root field and key."""
    lowest, copy = None, {}
    for register in REGISTERS:
        path = folder / f"{name}-{register}.jsonl"
        export(database_url, Ask(register, path, "jsonl"))
        head, *lines = path.read_bytes().splitlines()
        n = int(orjson.loads(head)["grunndata"]["sekvensnummer"])
        lowest = n if lowest is None else min(lowest, n)
        for line in lines:
            record = orjson.loads(line)
            copy[(_kind(READS[record["entitet"]]), record["noekkel"])] = record["data"]
    assert lowest is not None
    return lowest, copy


def _kind(records: Records | Features) -> str:
    """What the copy files an entity under: its root field, or its OGC collection."""
    return records.layer.name if isinstance(records, Features) else records.root


class Replica:
    """The copy and its cursor; ``apply`` takes events in order and reads their entities."""

    def __init__(self, base: str, cursor: int, copy: Copy) -> None:
        self.base, self.cursor, self.copy = base, cursor, copy

    def apply(self, events: list[dict[str, Any]]) -> None:
        named: dict[tuple[str, str], Records | Features] = {}
        for event in events:
            number = int(event["sekvensnummer"])
            assert number == self.cursor + 1, f"after {self.cursor} came {number}: a gap or repeat"
            self.cursor = number
            if (records := READS.get(event["entitet"])) is not None:
                named[(_kind(records), event["noekkel"])] = records
        keys = sorted(named)
        for start in range(0, len(keys), PER_REQUEST):
            chunk = keys[start : start + PER_REQUEST]
            for records in {named[k] for k in chunk}:
                self._read(records, [key for root, key in chunk if named[(root, key)] is records])

    def _read(self, records: Records | Features, keys: list[str]) -> None:
        if isinstance(records, Features):
            for key in keys:
                self._item(records, key)
            return
        query = document(records, keys)
        body = httpx.post(f"{self.base}/graphql", json={"query": query}, timeout=60).json()
        assert "errors" not in body, body
        for n, key in enumerate(keys):
            found = body["data"][f"k{n}"]
            if found is None:
                self.copy.pop((records.root, key), None)
            else:
                self.copy[(records.root, str(found[records.key]))] = found

    def _item(self, features: Features, key: str) -> None:
        """A building is read from the OGC API, as its export record says."""
        url = f"{self.base}/ogc/collections/{features.layer.name}/items/{key}"
        found = httpx.get(url, timeout=60)
        if found.status_code == 404:
            self.copy.pop((features.layer.name, key), None)
            return
        assert found.status_code == 200, found.text
        feature = found.json()
        data = {"geometry": feature["geometry"], "properties": feature["properties"]}
        self.copy[(features.layer.name, key)] = data


class Pages:
    """Follows ``GET /hendelser`` by its ``Link`` headers, ``antall`` a page; after each
    count in ``reconnects`` events it drops its connection and starts again from the
    stored cursor."""

    def __init__(self, replica: Replica, antall: int, reconnects: list[int]) -> None:
        self.replica, self.antall, self.reconnects = replica, antall, list(reconnects)
        self.client = httpx.Client(base_url=replica.base, timeout=60)
        self.url: str | None = None
        self.since_connect = 0

    def read(self) -> None:
        """Read until a short page (the end of the feed for now)."""
        while True:
            url = self.url or f"/hendelser?etter={self.replica.cursor}&antall={self.antall}"
            page = self.client.get(url)
            assert page.status_code == 200, page.text
            events = [json.loads(line) for line in page.text.splitlines()]
            self.replica.apply(events)
            self.url = page.links["next"]["url"]
            self.since_connect += len(events)
            if self.reconnects and self.since_connect >= self.reconnects[0]:
                self.reconnects.pop(0)
                self.client.close()
                self.client = httpx.Client(base_url=self.replica.base, timeout=60)
                self.url, self.since_connect = None, 0
            if len(events) < self.antall:
                return

    def close(self) -> None:
        self.client.close()


SUBSCRIPTION = """subscription Replica($after: String) {
  hendelser(after: $after) { sekvensnummer entitet noekkel hendelsestype } }"""


class Subscriber:
    """A ``gql`` subscription in a thread of its own, from the replica's cursor; it
    resubscribes after its last event once it has had each count in ``reconnects``.
    ``drain`` gives the main thread what came since the last drain."""

    def __init__(self, url: str, after: int, reconnects: list[int]) -> None:
        self.url, self.after, self.reconnects = url, after, list(reconnects)
        self.received: list[dict[str, Any]] = []
        self.drained = 0
        self.until: int | None = None
        self.lock = threading.Lock()
        self.thread = threading.Thread(target=lambda: asyncio.run(self._run()), daemon=True)
        self.failure: BaseException | None = None
        self.thread.start()

    def drain(self) -> list[dict[str, Any]]:
        with self.lock:
            new, self.drained = self.received[self.drained :], len(self.received)
        return new

    def finish(self, until: int, timeout: float = 120) -> list[dict[str, Any]]:
        """Wait for every event up to ``until``, then unsubscribe; the rest not drained."""
        self.until = until
        self.thread.join(timeout)
        assert not self.thread.is_alive(), f"no event {until} within {timeout} s"
        if self.failure is not None:
            raise self.failure
        return self.drain()

    def _last(self) -> int:
        with self.lock:
            return int(self.received[-1]["sekvensnummer"]) if self.received else self.after

    async def _run(self) -> None:
        try:
            while True:
                limit = self.reconnects.pop(0) if self.reconnects else None
                task = asyncio.create_task(self._session(self._last(), limit))
                while not task.done():
                    await asyncio.sleep(0.02)
                    if self.until is not None and self._last() >= self.until:
                        task.cancel()
                        with contextlib.suppress(asyncio.CancelledError):
                            await task
                        return
                task.result()
        except BaseException as exc:  # reported by finish(), in the test's thread
            self.failure = exc

    async def _session(self, after: int, limit: int | None) -> None:
        async with Client(transport=transport(self.url)) as session:
            request = GraphQLRequest(SUBSCRIPTION, variable_values={"after": str(after)})
            count = 0
            async for result in session.subscribe(request):
                with self.lock:
                    self.received.append(result["hendelser"])
                count += 1
                if limit is not None and count >= limit:
                    return
