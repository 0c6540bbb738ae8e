"""Serial latency over HTTP on a loaded national database: a real uvicorn server, one
request at a time, keys picked at random from what was loaded."""

from __future__ import annotations

import os
import random
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

from benchmarks.common import percentiles
from benchmarks.compare.servers import trusted_token
from benchmarks.matrikkel import Server
from grunndata.db.database import Database, connect

PERSON = """query($id: ID!) { person(identifikasjonsnummer: $id) {
  identifikasjonsnummer navn { fornavn etternavn } foedselsdato
  bostedsadresse { vegadresse { adressenavn } } } }"""
EIENDOM = """query($m: String!) { eiendom(matrikkelnummer: $m) {
  matrikkelnummer arealM2 geometri adresser { adressetekst }
  hjemmelshavere { navn identifikasjonsnummer } } }"""
SEARCH = """query($sok: String!) { adresser(sok: $sok, first: 10) {
  edges { node { adresseId adressetekst } } } }"""
POINT = """query($x: Float!, $y: Float!) { eiendommerVedPunkt(x: $x, y: $y) {
  matrikkelnummer } }"""
ENHETER = """query($k: [String!], $n: [String!]) {
  enheter(filter: {kommunenummer: $k, naeringskode: $n}, first: 100) {
  edges { node { organisasjonsnummer navn } } } }"""

_SAMPLES = {
    "person": "SELECT i.identifikasjonsnummer FROM folkeregister.identifikator i "
    "WHERE NOT EXISTS (SELECT 1 FROM felles.adressebeskyttelse g "
    "WHERE g.person_id = i.person_id)",  # graded addresses need a scope of their own
    "eiendom": "SELECT matrikkelnummer FROM matrikkel.adresse WHERE matrikkelnummer IS NOT NULL",
    "address": "SELECT adressetekst FROM matrikkel.adresse WHERE adressenavn IS NOT NULL",
    "point": "SELECT ST_X(g), ST_Y(g) FROM (SELECT ST_Transform(punkt, 4326) AS g "
    "FROM matrikkel.adresse WHERE punkt IS NOT NULL) s",
    "enhet": "SELECT forretningsadresse->>'kommunenummer', left(naeringskode1_kode, 2) "
    "FROM enhetsregister.enhet WHERE forretningsadresse->>'kommunenummer' IS NOT NULL "
    "AND naeringskode1_kode IS NOT NULL",
}


def _sample(database: Database, count: int) -> dict[str, list[Any]]:
    with connect(database.app_url) as conn:
        return {
            name: conn.execute(f"{query} ORDER BY random() LIMIT %s", [count]).fetchall()
            for name, query in _SAMPLES.items()
        }


def _typed(texts: list[str]) -> list[str]:
    """Each text as typed letter by letter, from its third letter (autocomplete)."""
    return [text[:n] for text in texts for n in range(3, len(text) + 1)]


def serve_and_time(database: Database, count: int = 200) -> None:
    picks = _sample(database, count)
    random.Random(7).shuffle(picks["address"])
    cases = [
        ("person", PERSON, [{"id": r[0]} for r in picks["person"]]),
        ("eiendom", EIENDOM, [{"m": r[0]} for r in picks["eiendom"]]),
        ("adresser(sok), typed", SEARCH,
         [{"sok": t} for t in _typed([r[0] for r in picks["address"][:20]])]),
        ("eiendommerVedPunkt", POINT, [{"x": r[0], "y": r[1]} for r in picks["point"]]),
        ("enheter search", ENHETER, [{"k": [r[0]], "n": [r[1]]} for r in picks["enhet"]]),
    ]  # fmt: skip
    with tempfile.TemporaryDirectory() as folder:
        env, token = trusted_token(Path(folder))  # access control on, as in production
        os.environ.update(env)
        with Server(database.app_url) as base, httpx.Client(base_url=base, timeout=30) as client:
            client.headers["Authorization"] = f"Bearer {token}"
            print("serial over HTTP, access control and the lookup log on:")
            for name, query, variables in cases:
                samples = _timed(client, query, variables)
                print(f"  {name:<24}{len(samples):>6} requests  {percentiles(samples)}")


def _timed(client: httpx.Client, query: str, cases: list[dict[str, Any]]) -> list[float]:
    samples = []
    for variables in cases[:1] + cases:  # the first one warms up
        started = time.perf_counter()
        answer = client.post("/graphql", json={"query": query, "variables": variables}).json()
        samples.append(time.perf_counter() - started)
        if "errors" in answer:
            raise SystemExit(f"{query}\n{variables}: {answer['errors']}")
    return samples[1:]
