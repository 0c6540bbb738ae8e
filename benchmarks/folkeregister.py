"""Folkeregisteret: load throughput of Freg person documents and lookup latency.

Generates N synthetic persons (Tenor numbers) as Freg JSON Lines, each with a handful of
versioned facts (two names, two addresses, sivilstand, family relations), in a scratch
database on the embedded cluster (or GRUNNDATA_DATABASE_URL's server, which must then
allow CREATE DATABASE). Then:

1. first load (persons/s), 2. the same file again (nothing changes), 3. lookups of random
persons through the GraphQL endpoint (a real uvicorn server, one request at a time) and
as the raw SQL the endpoint runs, p50/p95.

Usage:  .venv/bin/python benchmarks/folkeregister.py [--n 5000] [--lookups 500]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import uvicorn

from benchmarks.common import percentiles, scratch_database
from grunndata.db.database import connect
from grunndata.loaders.run import Mode, run
from grunndata.registers.folkeregister import REGISTER
from grunndata.server import create_app

DATABASE = "grunndata_benchmark_freg"
_W1 = (3, 7, 6, 1, 8, 9, 4, 5, 2)
_W2 = (5, 4, 3, 2, 7, 6, 5, 4, 3, 2)


def _control(digits: str, weights: tuple[int, ...]) -> int | None:
    k = 11 - sum(int(d) * w for d, w in zip(digits, weights, strict=True)) % 11
    return None if k == 10 else k % 11


def numbers() -> Iterator[tuple[str, dt.date]]:
    """Distinct synthetic fødselsnumre (month + 80), born 1940 onward."""
    day = dt.date(1940, 1, 1)
    while True:
        for individnummer in range(0, 500, 3):
            base = f"{day.day:02d}{day.month + 80:02d}{day.year % 100:02d}{individnummer:03d}"
            k1 = _control(base, _W1)
            k2 = None if k1 is None else _control(base + str(k1), _W2)
            if k1 is not None and k2 is not None:
                yield f"{base}{k1}{k2}", day
        day += dt.timedelta(days=1)


def _at(day: dt.date, hours: int = 0) -> str:
    return f"{day.isoformat()}T{hours:02d}:00:00Z"


def document(number: str, born: dt.date, spouse: str | None, rng: random.Random) -> dict[str, Any]:
    moved = born + dt.timedelta(days=rng.randint(6000, 12000))
    married = born + dt.timedelta(days=rng.randint(7000, 13000))

    def meta(day: dt.date, current: bool = True) -> dict[str, Any]:
        return {
            "gyldighetstidspunkt": _at(day),
            "ajourholdstidspunkt": _at(day, 9),
            "erGjeldende": current,
            "kilde": "Benchmark",
        }

    def adresse(i: int) -> dict[str, Any]:
        return {
            "kommunenummer": "4204",
            "adressenavn": f"Testveien {i}",
            "adressekode": "18981",
            "adressenummer": {"husnummer": str(rng.randint(1, 200))},
            "poststed": {"postnummer": "4638", "poststedsnavn": "KRISTIANSAND S"},
        }

    doc: dict[str, Any] = {
        "identifikasjonsnummer": [
            {
                "foedselsEllerDNummer": number,
                "status": "iBruk",
                "identifikatortype": "foedselsnummer",
                "erGjeldende": True,
            }
        ],
        "status": [{**meta(born), "status": "bosatt"}],
        "kjoenn": [{"erGjeldende": True, "kjoenn": rng.choice(["mann", "kvinne"])}],
        "foedsel": [{**meta(born), "foedselsdato": born.isoformat(), "foedselsaar": born.year}],
        "navn": [
            {**meta(born, False), "fornavn": "TEST", "etternavn": f"PERSON{number[-5:]}"},
            {**meta(married), "fornavn": "TEST", "etternavn": f"GIFT{number[-5:]}"},
        ],
        "bostedsadresse": [
            {
                **meta(born, False),
                "vegadresse": adresse(1),
                "adresseIdentifikatorFraMatrikkelen": str(rng.randint(1, 10**9)),
            },
            {
                **meta(moved),
                "vegadresse": adresse(2),
                "flyttedato": moved.isoformat(),
                "adresseIdentifikatorFraMatrikkelen": str(rng.randint(1, 10**9)),
            },
        ],
        "sivilstand": [{**meta(born, spouse is None), "sivilstand": "ugift"}],
        "statsborgerskap": [{**meta(born), "statsborgerskap": "NOR"}],
    }
    if spouse:
        doc["sivilstand"].append(
            {**meta(married), "sivilstand": "gift", "relatertVedSivilstand": spouse}
        )
        doc["familierelasjon"] = [
            {
                **meta(married),
                "relatertPerson": spouse,
                "relatertPersonsRolle": "ektefelleEllerPartner",
                "minRolleForPerson": "ektefelleEllerPartner",
            }
        ]
    return doc


def generate(path: Path, n: int) -> list[str]:
    rng = random.Random(1)
    source = numbers()
    people = [next(source) for _ in range(n)]
    with path.open("w", encoding="utf-8") as out:
        for i, (number, born) in enumerate(people):
            partner = people[i ^ 1][0] if (i ^ 1) < n else None
            out.write(json.dumps(document(number, born, partner, rng)) + "\n")
    return [number for number, _ in people]


LOOKUP = """query($id: ID!) { person(identifikasjonsnummer: $id) {
  identifikasjonsnummer navn { fornavn etternavn } foedselsdato status
  bostedsadresse { vegadresse { adressenavn } flyttedato }
  sivilstand { sivilstand ektefelleEllerPartner { navn { etternavn } } } } }"""

RAW = """SELECT f.element, v.data FROM folkeregister.identifikator i
  JOIN folkeregister.fakta f ON f.person_id = i.person_id
  JOIN folkeregister.versjon v ON v.id = f.versjon_id
  WHERE i.identifikasjonsnummer = %s AND f.gyldig @> now() AND upper_inf(f.registrert)"""


def lookups(app_url: str, ids: list[str], count: int) -> None:
    rng = random.Random(2)
    picks = [rng.choice(ids) for _ in range(count)]
    server = uvicorn.Server(
        uvicorn.Config(create_app(app_url), host="127.0.0.1", port=0, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    graphql: list[float] = []
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30) as client:
            for number in picks:
                started = time.perf_counter()
                body = client.post("/graphql", json={"query": LOOKUP, "variables": {"id": number}})
                graphql.append(time.perf_counter() - started)
                assert body.json()["data"]["person"]["identifikasjonsnummer"] == number
    finally:
        server.should_exit = True
        thread.join(timeout=10)
    raw: list[float] = []
    with connect(app_url) as conn:
        for number in picks:
            started = time.perf_counter()
            conn.execute(RAW, [number]).fetchall()
            raw.append(time.perf_counter() - started)
    print(f"lookup via GraphQL (person + spouse)  {percentiles(graphql)}")
    print(f"lookup as raw SQL (current facts)    {percentiles(raw)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=5_000, help="persons to generate")
    parser.add_argument("--lookups", type=int, default=500)
    args = parser.parse_args()

    with scratch_database(DATABASE) as (database, _):
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "personer.jsonl"
            ids = generate(path, args.n)
            size = path.stat().st_size / 1e6
            print(f"{args.n:,} persons ({size:.1f} MB Freg JSON Lines), embedded cluster")
            for label in ("first load", "same file again"):
                started = time.perf_counter()
                outcome = run([path], formats=REGISTER.formats, database=database, mode=Mode.LOAD)
                seconds = time.perf_counter() - started
                counts = outcome.files[0].counts
                assert outcome.exit_code == 0, outcome.files[0].message
                print(f"{label:<18}{seconds:8.2f} s {args.n / seconds:10,.0f} persons/s  {counts}")
        with connect(database.owner_url, autocommit=True) as conn:
            conn.execute("ANALYZE")
        lookups(database.app_url, ids, args.lookups)


if __name__ == "__main__":
    main()
