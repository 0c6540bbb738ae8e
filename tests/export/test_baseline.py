""" "The export at N, then the events after N" gives the database's state: a consumer
baselines from a JSON Lines export, a revert changes Matrikkelen, the consumer reads
``GET /hendelser?etter=N`` and reads each named entity again over GraphQL, and its copy
equals a new export."""

from __future__ import annotations

import httpx
import orjson

from grunndata.export.check import Ask
from grunndata.export.records import document
from grunndata.export.run import export
from grunndata.registers.matrikkel.eksport import EKSPORT
from grunndata.server import create_app
from tests.conftest import LiveServer
from tests.export.conftest import revert_last_address_load

DECLARED = {r.entitet: r for r in EKSPORT.records}


def state(path) -> tuple[int, dict[tuple[str, str], dict]]:
    head, *lines = path.read_bytes().splitlines()
    records = [orjson.loads(line) for line in lines]
    n = int(orjson.loads(head)["grunndata"]["sekvensnummer"])
    return n, {(r["entitet"], r["noekkel"]): r["data"] for r in records}


def follow(base: str, copy: dict, after: int) -> int:
    while True:
        page = httpx.get(f"{base}/hendelser?etter={after}&antall=1000&register=matrikkel")
        assert page.status_code == 200, page.text
        events = [orjson.loads(line) for line in page.content.splitlines()]
        for event in events:
            declared = DECLARED.get(event["entitet"])
            if declared is not None:
                query = document(declared, [event["noekkel"]])
                found = httpx.post(f"{base}/graphql", json={"query": query}).json()["data"]["k0"]
                key = (event["entitet"], event["noekkel"])
                if found is None:
                    copy.pop(key, None)
                else:
                    copy[key] = found
            after = int(event["sekvensnummer"])
        if len(events) < 1000:
            return after


def test_the_export_at_n_and_the_events_after_n_give_the_database(loaded, tmp_path):
    export(loaded.app_url, Ask("matrikkel", tmp_path / "a.jsonl", "jsonl"))
    n, copy = state(tmp_path / "a.jsonl")
    before = dict(copy)
    revert_last_address_load(loaded)
    with LiveServer(create_app(loaded.app_url), token=None) as base:
        reached = follow(base, copy, n)
    export(loaded.app_url, Ask("matrikkel", tmp_path / "b.jsonl", "jsonl"))
    m, now = state(tmp_path / "b.jsonl")
    assert reached == m > n
    assert now != before  # the revert changed what the export holds
    assert copy == now
