"""§4: no N+1. Listing 10 or 100 eiendommer with owners → person → home → Matrikkel
address, and the owners' roles → unit, runs the same small number of SQL statements."""

from __future__ import annotations

import json
import shutil
from typing import Any

import httpx
import psycopg
import pytest

from grunndata.db.database import Database
from grunndata.loaders.run import run
from grunndata.registers import REGISTERS
from grunndata.server import create_app
from tests.conftest import CAST_DIR, LiveServer

#: Cast persons with a home in Matrikkelen, and units (tests/data/cast/cast.md).
PERSONS = ["14834806046", "21867525758", "09817748772", "04876045201", "24926921505",
           "27828739757", "28898448780", "17848244090"]  # fmt: skip
UNITS = ["315761697", "310911410", "318876630"]
GARDSNUMMER = 900
COUNT = 120

QUERY = """query ($first: Int!, $gardsnummer: Int!) {
  eiendommer(filter: {kommunenummer: "4204", gardsnummer: $gardsnummer}, first: $first) {
    edges { node { matrikkelnummer hjemmelshavere {
      navn
      person { identifikasjonsnummer
        bostedsadresse { adresseIMatrikkelen { adresseId adressetekst } }
        roller { type { kode } enhet { organisasjonsnummer navn } } }
      enhet { organisasjonsnummer navn } } } } } }"""


def _generated(count: int) -> list[dict[str, Any]]:
    """``count`` grunneiendommer, each owned half by a cast person, half by a person or unit."""
    lines = []
    for bruk in range(1, count + 1):
        owners = [
            {"eier": {"identifikasjonsnummer": PERSONS[bruk % len(PERSONS)], "navn": "Eier"}},
            {"eier": {"organisasjonsnummer": UNITS[bruk % len(UNITS)], "navn": "Eier AS"}}
            if bruk % 2
            else {"eier": {"identifikasjonsnummer": PERSONS[(bruk + 3) % len(PERSONS)]}},
        ]
        for owner in owners:
            owner["andel"] = {"teller": 1, "nevner": 2}
        lines.append({
            "objekttype": "matrikkelenhet",
            "matrikkelnummer": {"kommunenummer": "4204", "gardsnummer": GARDSNUMMER,
                                "bruksnummer": bruk, "festenummer": 0, "seksjonsnummer": 0},
            "matrikkelenhetstype": "grunneiendom", "gyldigFra": "2020-01-01",
            "eierforhold": owners,
        })  # fmt: skip
    return lines


@pytest.fixture(scope="module")
def many_owned(clones: Any, tmp_path_factory: pytest.TempPathFactory) -> Database:
    """The test cast plus ``COUNT`` eiendommer owned by cast persons and units."""
    directory = tmp_path_factory.mktemp("many")
    for register in ("folkeregister", "enhetsregister"):
        shutil.copytree(CAST_DIR / register, directory / register)
    matrikkel = directory / "matrikkel"
    matrikkel.mkdir()
    for name in ("adresser.csv", "teiger.geojson"):
        shutil.copy(CAST_DIR / "matrikkel" / name, matrikkel / name)
    extra = "".join(json.dumps(line) + "\n" for line in _generated(COUNT))
    source = (CAST_DIR / "matrikkel" / "matrikkel.jsonl").read_text()
    (matrikkel / "matrikkel.jsonl").write_text(source + extra)
    database = clones.make()
    formats = [f for register in REGISTERS for f in register.formats]
    assert run([directory], formats=formats, database=database).exit_code == 0
    yield database
    clones.drop(database)


class Statements:
    """Counts SQL statements sent through psycopg (async cursors: the server's)."""

    def __init__(self) -> None:
        self.sent: list[str] = []

    def install(self, monkeypatch: pytest.MonkeyPatch) -> None:
        original = psycopg.AsyncCursor.execute
        sent = self.sent

        async def execute(cursor: Any, query: Any, *args: Any, **kwargs: Any) -> Any:
            # not a new pool connection's set-up, nor the pool's check of a connection it
            # hands out (an empty query), nor the request's snapshot's BEGIN
            if str(query) and not str(query).startswith(("SET ", "BEGIN ")):
                sent.append(str(query))
            return await original(cursor, query, *args, **kwargs)

        monkeypatch.setattr(psycopg.AsyncCursor, "execute", execute)


def test_ten_and_a_hundred_eiendommer_cost_the_same_few_statements(many_owned, monkeypatch):
    statements = Statements()
    statements.install(monkeypatch)
    counts, sizes = {}, {}
    with LiveServer(create_app(many_owned.app_url)) as base:

        def ask(first: int) -> dict[str, Any]:
            variables = {"first": first, "gardsnummer": GARDSNUMMER}
            body = httpx.post(
                f"{base}/graphql", json={"query": QUERY, "variables": variables}, timeout=30
            ).json()
            assert "errors" not in body, body["errors"]
            return body["data"]

        ask(1)  # warm-up: the pool's connections are made here
        for first in (10, 100):
            statements.sent.clear()
            data = ask(first)
            counts[first] = len(statements.sent)
            sizes[first] = data
    nodes = [e["node"] for e in sizes[100]["eiendommer"]["edges"]]
    assert len(nodes) == 100
    owners = [h for n in nodes for h in n["hjemmelshavere"]]
    persons = [h["person"] for h in owners if h["person"]]
    # Every level of the query has data in both pages, so every statement runs in both.
    assert len(persons) >= 100 and all(p["bostedsadresse"]["adresseIMatrikkelen"] for p in persons)
    assert any(p["roller"] for p in persons) and any(h["enhet"] for h in owners)
    # eiendommer (+ count), hjemmelshavere, person ids, person facts, Matrikkel addresses,
    # roles, their units, owner units: one statement each.
    assert counts[10] == counts[100] <= 10, (counts, statements.sent)
