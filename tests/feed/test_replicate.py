"""A consumer that follows the plain feed from an empty database, reading each entity an
event names over GraphQL, ends with exactly what the database holds, after random
sequences of loads of two registers, partial files and reverts; it reads pages of random
size and starts again from its stored cursor at random points (a reconnect)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from grunndata.server import create_app
from tests.conftest import Clones, LiveServer
from tests.enhetsregister.test_formats import KORSVIK
from tests.matrikkel.test_adresse_csv import SAMPLE
from tests.revert.helpers import load, revert_load

UNITS = ("310911410", "310911429")
ROWS = SAMPLE.read_text(encoding="utf-8").splitlines()
HEADER = ROWS[0].split(";")
ADDRESS_IDS = sorted({row.split(";")[HEADER.index("adresseId")] for row in ROWS[1:]})
BATCH = 15

step = st.one_of(
    st.tuples(st.just("matrikkel"), st.sets(st.integers(0, len(ROWS) - 2), min_size=1),
              st.sampled_from(["AURE", "NYSTED", "SKOGEN"])),
    st.tuples(st.just("enhetsregister"), st.sets(st.sampled_from(UNITS), min_size=1),
              st.sampled_from(["A AS", "B AS", "C AS"])),
    st.tuples(st.just("revert"), st.integers(0, 10)),
    st.tuples(st.just("read"), st.integers(1, 30), st.booleans()),
)  # fmt: skip


class Consumer:
    """Follows ``/hendelser`` into ``copy``; ``cursor`` is what it stored."""

    def __init__(self, base: str) -> None:
        self.base, self.cursor, self.copy = base, 0, {}

    def entity(self, event: dict[str, Any]) -> Any:
        if event["entitet"] == "Adresse":
            query = f'{{ adresse(adresseId: "{event["noekkel"]}") {{ poststed }} }}'
        else:
            query = f'{{ enhet(organisasjonsnummer: "{event["noekkel"]}") {{ navn }} }}'
        data = httpx.post(f"{self.base}/graphql", json={"query": query}).json()["data"]
        value = next(iter(data.values()))
        return None if value is None else next(iter(value.values()))

    def read(self, antall: int, reconnect: bool = False) -> None:
        url = f"{self.base}/hendelser?etter={self.cursor}&antall={antall}"
        while True:
            page = httpx.get(url)
            assert page.status_code == 200, page.text
            events = [json.loads(line) for line in page.text.splitlines()]
            for event in events:
                key = (event["entitet"], event["noekkel"])
                value = self.entity(event)
                if value is None:
                    self.copy.pop(key, None)
                else:
                    self.copy[key] = value
                self.cursor = int(event["sekvensnummer"])
            if len(events) < antall or reconnect:
                return
            url = self.base + page.links["next"]["url"]


def _addresses(path: Path, rows: set[int], poststed: str, day: int) -> Path:
    lines = [ROWS[0]]
    for i in sorted(rows):
        fields = ROWS[i + 1].split(";")
        fields[HEADER.index("datauttaksdato")] = f"{day:02d}.01.2030 05:00:00"
        fields[HEADER.index("poststed")] = poststed
        fields[HEADER.index("oppdateringsdato")] = f"{day:02d}.01.2030 05:00:00"
        lines.append(";".join(fields))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _truth(base: str) -> dict[tuple[str, str], Any]:
    """What GraphQL answers now for every address and unit the files can hold."""
    asked = [("Adresse", f'adresse(adresseId: "{a}") {{ poststed }}') for a in ADDRESS_IDS]
    asked += [("Enhet", f'enhet(organisasjonsnummer: "{o}") {{ navn }}') for o in UNITS]
    keys = [*ADDRESS_IDS, *UNITS]
    found: dict[tuple[str, str], Any] = {}
    for start in range(0, len(asked), BATCH):
        fields = " ".join(f"f{i}: {q}" for i, (_, q) in enumerate(asked[start : start + BATCH]))
        data = httpx.post(f"{base}/graphql", json={"query": f"{{ {fields} }}"}).json()["data"]
        for i, (entity, _) in enumerate(asked[start : start + BATCH]):
            value = data[f"f{i}"]
            if value is not None:
                found[(entity, keys[start + i])] = next(iter(value.values()))
    return found


@settings(max_examples=6, deadline=None, suppress_health_check=list(HealthCheck))
@given(steps=st.lists(step, min_size=2, max_size=7))
def test_events_after_an_empty_baseline_rebuild_the_database(
    clones: Clones, tmp_path_factory, steps
):
    db = clones.make()
    folder = tmp_path_factory.mktemp("replicate")
    loads: list[int] = []
    try:
        with LiveServer(create_app(db.app_url)) as base:
            consumer = Consumer(base)
            for day, (kind, *args) in enumerate(steps, start=1):
                if kind == "matrikkel":
                    path = _addresses(folder / f"a{day}.csv", args[0], args[1], day)
                    loads.append(load(db, path).load_id)
                elif kind == "enhetsregister":
                    units = [{**KORSVIK, "organisasjonsnummer": o, "navn": args[1]}
                             for o in sorted(args[0])]  # fmt: skip
                    path = folder / f"e{day}.json"
                    path.write_text(json.dumps(units), encoding="utf-8")
                    given_time = {"extract_time": f"2030-01-{day:02d}"}
                    loads.append(load(db, path, given=given_time).load_id)
                elif kind == "revert" and loads:
                    target = loads[args[0] % len(loads)]
                    reverted = revert_load(db, target, cascade=True).reverted
                    done = {r.load_id for r in reverted}
                    loads = [i for i in loads if i not in done]
                elif kind == "read":
                    consumer.read(args[0], reconnect=args[1])
            consumer.read(1000)
            assert consumer.copy == _truth(base)
    finally:
        clones.drop(db)
