"""grunndata against PostGraphile v5: throughput and latency of the same queries, same data.

Loads generated data into a scratch database (``--persons`` Freg persons, ``--streets``
streets of 100 addresses and units), gives PostGraphile the views it needs
(``benchmarks/postgraphile/views.sql``), starts grunndata (one process, ``grunndata
serve``) and PostGraphile (``benchmarks/postgraphile/server.mjs``, installed with ``npm
ci``), checks that both give the same data for the same ids, then drives each query with
wrk (same concurrency, same duration, loopback). Both servers are pinned to CPU 0 with
taskset, wrk to CPU 1; the servers alternate run by run, and the ratio reported is the
median of the per-pair ratios. Finally it times the hand-written SQL for each query (one
statement building the whole answer: the floor), serially and with pgbench.

Usage (from the repository root; needs wrk, taskset, Node 20 and npm):

    (cd benchmarks/postgraphile && npm ci)
    .venv/bin/python -m benchmarks.compare --persons 20000 --streets 200 --runs 3

Person data needs a token: grunndata trusts a key made by this run (``GRUNNDATA_JWKS``)
and every grunndata request carries a bearer token with the scopes the queries need
(``AUTH_SCOPES``), so access control checks each request and the lookup log is written, as
deployed (the rate limit is off: one consumer sends all the load).

What access control costs: ``--baseline`` compares with grunndata as it was at a git revision
(default ``b9dbde2``, the last before access control; checked out into a temporary git
worktree and run with this interpreter and its packages) instead of PostGraphile, on the
same data, with the same queries, served without a token:

    .venv/bin/python -m benchmarks.compare --persons 5000 --streets 50 --baseline --no-floor

Throughput on a shared machine moves by a quarter from one minute to the next. With
``--instructions N`` each server instead runs under valgrind's callgrind and is sent N
requests of each query one at a time; the figure is the server's instructions per request,
the same to a few per mille from run to run whatever else the machine does (PostgreSQL's
share is not counted; one at a time, each request writes its lookup log alone):

    .venv/bin/python -m benchmarks.compare --reuse --baseline --instructions 200
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from functools import partial
from pathlib import Path
from typing import Any

import httpx

from benchmarks import folkeregister as freg_data
from benchmarks import matrikkel_data
from benchmarks.common import percentiles, scratch_database
from grunndata.db.database import Database, connect
from grunndata.loaders.run import run
from grunndata.registers.folkeregister import REGISTER as FOLKEREGISTER
from grunndata.registers.matrikkel import REGISTER as MATRIKKEL

DATABASE = "grunndata_benchmark_compare"
HERE = Path(__file__).parent
POSTGRAPHILE_DIR = HERE / "postgraphile"
SERVER_CPU, LOAD_CPU = "0", "1"
PER_STREET = 100  # addresses, and so units, per street: one gardsnummer each
#: What the queries need: person data with a legal basis (addresses too), owners' identities.
AUTH_SCOPES = ("folkeregister/offentligmedhjemmel", "matrikkel/hjemmel")
#: The revision ``--baseline`` compares with by default: the last before access control.
BASELINE = "b9dbde2"


# -- the queries ------------------------------------------------------------------------


@dataclass(frozen=True)
class Query:
    """One benchmark query as each server spells it, how to make its variables from a
    sample key, how to bring each answer to one comparable form, and its SQL floor."""

    name: str
    grunndata: str
    postgraphile: str
    variables: Callable[[str], dict[str, Any]]
    grunndata_answer: Callable[[dict[str, Any]], Any]
    postgraphile_answer: Callable[[dict[str, Any]], Any]
    sql: str  # one statement, one parameter (the key), answering the whole query as JSON


PERSON = Query(
    name="person by identifier, with address",
    grunndata="""query($id: ID!) { person(identifikasjonsnummer: $id) {
  identifikasjonsnummer navn { fornavn mellomnavn etternavn } foedselsdato
  bostedsadresse { adresseIdentifikatorFraMatrikkelen
    vegadresse { adressenavn adressenummer { husnummer husbokstav } kommunenummer
      poststed { postnummer poststedsnavn } } } } }""",
    postgraphile="""query($id: String!) {
  personByIdentifikasjonsnummer(identifikasjonsnummer: $id) {
  identifikasjonsnummer fornavn mellomnavn etternavn foedselsdato
  bostedsadresse { adresseIdentifikatorFraMatrikkelen adressenavn husnummer husbokstav
    kommunenummer postnummer poststedsnavn } } }""",
    variables=lambda key: {"id": key},
    grunndata_answer=lambda d: _person_g(d["person"]),
    postgraphile_answer=lambda d: _person_p(d["personByIdentifikasjonsnummer"]),
    sql="""SELECT json_build_object(
  'identifikasjonsnummer', i.identifikasjonsnummer,
  'navn', json_build_object('fornavn', n.data->>'fornavn', 'mellomnavn', n.data->>'mellomnavn',
                            'etternavn', n.data->>'etternavn'),
  'foedselsdato', f.data->>'foedselsdato',
  'bostedsadresse', json_build_object(
     'adresseIdentifikatorFraMatrikkelen', b.data->>'adresseIdentifikatorFraMatrikkelen',
     'vegadresse', b.data->'vegadresse'))
FROM folkeregister.identifikator i
LEFT JOIN LATERAL (SELECT v.data FROM folkeregister.fakta x
  JOIN folkeregister.versjon v ON v.id = x.versjon_id WHERE x.person_id = i.person_id
  AND x.element = 'navn' AND x.gyldig @> now() AND upper_inf(x.registrert)
  ORDER BY lower(x.gyldig) DESC NULLS LAST LIMIT 1) n ON true
LEFT JOIN LATERAL (SELECT v.data FROM folkeregister.fakta x
  JOIN folkeregister.versjon v ON v.id = x.versjon_id WHERE x.person_id = i.person_id
  AND x.element = 'foedsel' AND x.gyldig @> now() AND upper_inf(x.registrert)
  ORDER BY lower(x.gyldig) DESC NULLS LAST LIMIT 1) f ON true
LEFT JOIN LATERAL (SELECT v.data FROM folkeregister.fakta x
  JOIN folkeregister.versjon v ON v.id = x.versjon_id WHERE x.person_id = i.person_id
  AND x.element = 'bostedsadresse' AND x.gyldig @> now() AND upper_inf(x.registrert)
  ORDER BY lower(x.gyldig) DESC NULLS LAST LIMIT 1) b ON true
WHERE i.identifikasjonsnummer = $1""",
)


def _person_g(p: dict[str, Any] | None) -> Any:
    if p is None:
        return None
    adresse = p["bostedsadresse"] or {}
    veg = adresse.get("vegadresse") or {}
    nummer = veg.get("adressenummer") or {}
    return {
        "id": p["identifikasjonsnummer"],
        "navn": [p["navn"]["fornavn"], p["navn"]["mellomnavn"], p["navn"]["etternavn"]],
        "foedselsdato": p["foedselsdato"],
        "adresse": [
            adresse.get("adresseIdentifikatorFraMatrikkelen"), veg.get("adressenavn"),
            nummer.get("husnummer"), nummer.get("husbokstav"), veg.get("kommunenummer"),
            (veg.get("poststed") or {}).get("postnummer"),
            (veg.get("poststed") or {}).get("poststedsnavn"),
        ],
    }  # fmt: skip


def _person_p(p: dict[str, Any] | None) -> Any:
    if p is None:
        return None
    a = p["bostedsadresse"] or {}
    return {
        "id": p["identifikasjonsnummer"],
        "navn": [p["fornavn"], p["mellomnavn"], p["etternavn"]],
        "foedselsdato": p["foedselsdato"],
        "adresse": [
            a.get("adresseIdentifikatorFraMatrikkelen"), a.get("adressenavn"),
            a.get("husnummer"), a.get("husbokstav"), a.get("kommunenummer"),
            a.get("postnummer"), a.get("poststedsnavn"),
        ],
    }  # fmt: skip


EIENDOM = Query(
    name="eiendom by matrikkelnummer, with geometry and owners",
    grunndata="""query($nr: String!) { eiendom(matrikkelnummer: $nr) {
  matrikkelnummer type bruksnavn arealM2 geometri
  hjemmelshavere { andel { teller nevner } navn identifikasjonsnummer organisasjonsnummer } } }""",
    postgraphile="""query($nr: String!) { eiendomByMatrikkelnummer(matrikkelnummer: $nr) {
  matrikkelnummer type bruksnavn arealM2 geometri
  hjemmelshavere { nodes { andelTeller andelNevner navn identifikasjonsnummer
    organisasjonsnummer } } } }""",
    variables=lambda key: {"nr": key},
    grunndata_answer=lambda d: _eiendom_g(d["eiendom"]),
    postgraphile_answer=lambda d: _eiendom_p(d["eiendomByMatrikkelnummer"]),
    sql="""SELECT json_build_object(
  'matrikkelnummer', m.matrikkelnummer, 'type', m.matrikkelenhetstype, 'bruksnavn', m.bruksnavn,
  'arealM2', t.areal, 'geometri', t.geometri,
  'hjemmelshavere', (SELECT coalesce(json_agg(json_build_object(
      'andel', CASE WHEN e.andel_teller IS NOT NULL THEN json_build_object(
               'teller', e.andel_teller, 'nevner', e.andel_nevner) END,
      'navn', e.navn, 'identifikasjonsnummer', e.identifikasjonsnummer,
      'organisasjonsnummer', e.organisasjonsnummer)
    ORDER BY e.identifikasjonsnummer, e.organisasjonsnummer, e.navn), '[]')
    FROM matrikkel.eierforhold e WHERE e.matrikkelnummer = m.matrikkelnummer
    AND e.gyldig @> now() AND upper_inf(e.registrert)))
FROM matrikkel.matrikkelenhet m
LEFT JOIN LATERAL (SELECT sum(ST_Area(ST_Transform(t.geometri, 4326)::geography)) AS areal,
    ST_AsGeoJSON(ST_Transform(ST_Multi(ST_Union(t.geometri)), 4326), 9, 0)::json AS geometri
  FROM matrikkel.teig t WHERE t.matrikkelnummer = m.matrikkelnummer
  AND t.gyldig @> now() AND upper_inf(t.registrert)) t ON true
WHERE m.matrikkelnummer = $1 AND m.gyldig @> now() AND upper_inf(m.registrert)""",
)


def _owners(rows: list[dict[str, Any]]) -> list[Any]:
    return sorted(
        (json.dumps(r, sort_keys=True) for r in rows),
    )


def _eiendom_g(e: dict[str, Any] | None) -> Any:
    if e is None:
        return None
    owners = [
        {
            "teller": (h["andel"] or {}).get("teller"), "nevner": (h["andel"] or {}).get("nevner"),
            "navn": h["navn"], "fnr": h["identifikasjonsnummer"],
            "orgnr": h["organisasjonsnummer"],
        }
        for h in e["hjemmelshavere"]
    ]  # fmt: skip
    return {
        "nr": e["matrikkelnummer"], "type": e["type"], "bruksnavn": e["bruksnavn"],
        "areal": round(e["arealM2"], 3), "geometri": e["geometri"], "eiere": _owners(owners),
    }  # fmt: skip


def _eiendom_p(e: dict[str, Any] | None) -> Any:
    if e is None:
        return None
    owners = [
        {
            "teller": h["andelTeller"], "nevner": h["andelNevner"], "navn": h["navn"],
            "fnr": h["identifikasjonsnummer"], "orgnr": h["organisasjonsnummer"],
        }
        for h in e["hjemmelshavere"]["nodes"]
    ]  # fmt: skip
    return {
        "nr": e["matrikkelnummer"], "type": e["type"], "bruksnavn": e["bruksnavn"],
        "areal": round(e["arealM2"], 3), "geometri": e["geometri"], "eiere": _owners(owners),
    }  # fmt: skip


LIST = Query(
    name="100 eiendommer with addresses, owners and the owners in Folkeregisteret",
    grunndata="""query($gnr: Int!) { eiendommer(filter: {kommunenummer: "4204", gardsnummer: $gnr},
  first: 100) { edges { node { matrikkelnummer bruksnavn
    adresser { adresseId adressetekst postnummer poststed }
    hjemmelshavere { navn identifikasjonsnummer organisasjonsnummer
      person { identifikasjonsnummer navn { fornavn etternavn } } } } } } }""",
    postgraphile="""query($gnr: Int!) { allEiendoms(condition: {kommunenummer: "4204",
  gardsnummer: $gnr}, first: 100, orderBy: [GARDSNUMMER_ASC, BRUKSNUMMER_ASC,
  FESTENUMMER_ASC, SEKSJONSNUMMER_ASC]) { nodes { matrikkelnummer bruksnavn
    adresser { nodes { adresseId adressetekst postnummer poststed } }
    hjemmelshavere { nodes { navn identifikasjonsnummer organisasjonsnummer
      person { identifikasjonsnummer fornavn etternavn } } } } } }""",
    variables=lambda key: {"gnr": int(key)},
    grunndata_answer=lambda d: [
        _unit(e["node"], e["node"]["adresser"], [_owner_g(h) for h in e["node"]["hjemmelshavere"]])
        for e in d["eiendommer"]["edges"]
    ],
    postgraphile_answer=lambda d: [
        _unit(n, n["adresser"]["nodes"], [_owner_p(h) for h in n["hjemmelshavere"]["nodes"]])
        for n in d["allEiendoms"]["nodes"]
    ],
    sql="""SELECT json_build_object('edges', coalesce(json_agg(json_build_object('node',
  json_build_object('matrikkelnummer', m.matrikkelnummer, 'bruksnavn', m.bruksnavn,
    'adresser', (SELECT coalesce(json_agg(json_build_object('adresseId', a.adresse_id::text,
        'adressetekst', a.adressetekst, 'postnummer', a.postnummer, 'poststed', a.poststed)
        ORDER BY a.adressenavn, a.nummer, a.bokstav NULLS FIRST, a.adresse_id), '[]')
      FROM matrikkel.adresse a WHERE a.matrikkelnummer = m.matrikkelnummer
      AND a.gyldig @> now() AND upper_inf(a.registrert)),
    'hjemmelshavere', (SELECT coalesce(json_agg(json_build_object('navn', e.navn,
        'identifikasjonsnummer', e.identifikasjonsnummer,
        'organisasjonsnummer', e.organisasjonsnummer,
        'person', (SELECT json_build_object('identifikasjonsnummer', i.identifikasjonsnummer,
            'navn', json_build_object('fornavn', n.data->'fornavn',
                                      'etternavn', n.data->'etternavn'))
          FROM folkeregister.identifikator i
          LEFT JOIN LATERAL (SELECT v.data FROM folkeregister.fakta x
            JOIN folkeregister.versjon v ON v.id = x.versjon_id
            WHERE x.person_id = i.person_id AND x.element = 'navn' AND x.gyldig @> now()
            AND upper_inf(x.registrert) ORDER BY lower(x.gyldig) DESC NULLS LAST LIMIT 1) n
            ON true
          WHERE i.identifikasjonsnummer = e.identifikasjonsnummer))
        ORDER BY e.identifikasjonsnummer, e.organisasjonsnummer, e.navn), '[]')
      FROM matrikkel.eierforhold e WHERE e.matrikkelnummer = m.matrikkelnummer
      AND e.gyldig @> now() AND upper_inf(e.registrert))))
  ORDER BY m.gardsnummer, m.bruksnummer, m.festenummer, m.seksjonsnummer), '[]'))
FROM (SELECT * FROM matrikkel.matrikkelenhet m WHERE m.kommunenummer = '4204'
  AND m.gardsnummer = $1::int AND m.gyldig @> now() AND upper_inf(m.registrert)
  ORDER BY m.gardsnummer, m.bruksnummer, m.festenummer, m.seksjonsnummer LIMIT 100) m""",
)


def _owner_g(h: dict[str, Any]) -> dict[str, Any]:
    p = h["person"]
    person = p and [p["identifikasjonsnummer"], p["navn"]["fornavn"], p["navn"]["etternavn"]]
    return {**h, "person": person}


def _owner_p(h: dict[str, Any]) -> dict[str, Any]:
    p = h["person"]
    return {**h, "person": p and [p["identifikasjonsnummer"], p["fornavn"], p["etternavn"]]}


def _unit(node: dict[str, Any], adresser: list[dict[str, Any]], eiere: list[dict[str, Any]]) -> Any:
    return {
        "nr": node["matrikkelnummer"],
        "bruksnavn": node["bruksnavn"],
        "adresser": sorted(json.dumps(a, sort_keys=True) for a in adresser),
        "eiere": sorted(json.dumps(e, sort_keys=True) for e in eiere),
    }


QUERIES = {"person": PERSON, "eiendom": EIENDOM, "list": LIST}


# -- data -------------------------------------------------------------------------------


def owners(numbers: list[str], streets: int) -> dict[str, list[Any]]:
    """Two persons own each generated unit, half each (for matrikkel_data.OWNERS)."""
    template = matrikkel_data.sample_rows()[1][0].fields
    units = dict.fromkeys(a.unit for a in matrikkel_data.generated(template, streets, PER_STREET))
    n = len(numbers)
    return {
        unit: [({"identifikasjonsnummer": numbers[(2 * i + k) % n], "navn": f"Eier {i}-{k}"},
                (1, 2)) for k in (0, 1)]
        for i, unit in enumerate(units)
    }  # fmt: skip


def load(database: Database, persons: int, streets: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        freg = Path(folder) / "freg" / "personer.jsonl"
        freg.parent.mkdir()
        numbers = freg_data.generate(freg, persons)
        demo_owners = matrikkel_data.OWNERS
        matrikkel_data.OWNERS = {**owners(numbers, streets), **demo_owners}
        try:
            matrikkel_data.write(Path(folder) / "matrikkel", streets, PER_STREET)
        finally:
            matrikkel_data.OWNERS = demo_owners
        for path, register in ((freg, FOLKEREGISTER), (Path(folder) / "matrikkel", MATRIKKEL)):
            started = time.perf_counter()
            outcome = run([path], formats=register.formats, database=database)
            assert outcome.exit_code == 0, outcome
            print(f"  loaded {register.name} in {time.perf_counter() - started:.1f} s")
    with connect(database.owner_url, autocommit=True) as conn:
        conn.execute((POSTGRAPHILE_DIR / "views.sql").read_text(encoding="utf-8"))
        app = conn.execute("SELECT %s::text", [_user(database.app_url)]).fetchone()[0]
        conn.execute(f'GRANT USAGE ON SCHEMA postgraphile TO "{app}"')
        conn.execute(f'GRANT SELECT ON ALL TABLES IN SCHEMA postgraphile TO "{app}"')
        conn.execute("ANALYZE")


def _user(url: str) -> str:
    return url.split("://", 1)[1].split("@", 1)[0].split(":", 1)[0]


def samples(database: Database, count: int, rng: random.Random) -> dict[str, list[str]]:
    """Keys to ask for: random persons, units and gardsnumre (with 100 units each)."""
    with connect(database.app_url) as conn:
        persons = [r[0] for r in conn.execute(
            "SELECT identifikasjonsnummer FROM folkeregister.identifikator")]  # fmt: skip
        units = [r[0] for r in conn.execute(
            "SELECT matrikkelnummer FROM matrikkel.matrikkelenhet "
            "WHERE upper_inf(registrert)")]  # fmt: skip
        gnrs = [str(r[0]) for r in conn.execute(
            "SELECT gardsnummer FROM matrikkel.matrikkelenhet WHERE upper_inf(registrert) "
            "AND kommunenummer = '4204' GROUP BY 1 HAVING count(*) >= 100")]  # fmt: skip
    return {
        "person": rng.sample(persons, min(count, len(persons))),
        "eiendom": rng.sample(units, min(count, len(units))),
        "list": [rng.choice(gnrs) for _ in range(count)],
    }


# -- servers ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Server:
    """One side of the comparison: where it listens, how it spells each query, how its
    answers are brought to the comparable form, and the headers of every request."""

    name: str
    url: str
    query: Callable[[Query], str]
    answer: Callable[[Query, dict[str, Any]], Any]
    headers: dict[str, str] | None = None
    pid: int = 0  # its process, once started


def grunndata_side(name: str, port: int, headers: dict[str, str] | None = None) -> Server:
    return Server(name, f"http://127.0.0.1:{port}/graphql", lambda q: q.grunndata,
                  lambda q, d: q.grunndata_answer(d), headers)  # fmt: skip


def postgraphile_side(port: int) -> Server:
    return Server(POSTGRAPHILE, f"http://127.0.0.1:{port}/graphql", lambda q: q.postgraphile,
                  lambda q, d: q.postgraphile_answer(d))  # fmt: skip


@contextmanager
def started(command: list[str], env: dict[str, str], url: str, cwd: Path | None = None,
            under: tuple[str, ...] = ()) -> Iterator[int]:  # fmt: skip
    """Runs ``command`` pinned to the servers' CPU (``under`` a tool such as valgrind, given
    as its command line) until ``url`` answers; yields its pid."""
    process = subprocess.Popen(
        ["taskset", "-c", SERVER_CPU, *under, *command], env={**os.environ, **env}, cwd=cwd,
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + (600 if under else 60)
        while True:
            try:
                httpx.post(url, json={"query": "{ __typename }"}, timeout=2).raise_for_status()
                break
            except httpx.HTTPError:
                if process.poll() is not None or time.monotonic() > deadline:
                    error = process.stderr.read().decode() if process.stderr else ""
                    raise RuntimeError(f"{command[0]} did not start: {error[-2000:]}") from None
                time.sleep(0.2)
        yield process.pid
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


#: grunndata with its SQL forms switched off: every field through its resolver.
RESOLVERS_ONLY = """import sys, uvicorn
from grunndata.graphql.schema import build_schema
from grunndata.server import create_app
schema = build_schema()
schema.sql_answers = None
uvicorn.run(create_app(sys.argv[1], schema=schema), host="127.0.0.1", port=int(sys.argv[2]),
            log_level="warning")
"""


def server_env(database: Database) -> dict[str, str]:
    """What a grunndata server of the comparison needs in its environment."""
    return {
        "GRUNNDATA_DATABASE_URL": database.app_url,
        "GRUNNDATA_OWNER_DATABASE_URL": database.owner_url,
        "GRUNNDATA_LOG_LEVEL": "WARNING",
    }


def grunndata_server(database: Database, port: int, *, resolvers_only: bool = False,
                     auth: dict[str, str] | None = None, under: tuple[str, ...] = ()
                     ) -> Any:  # fmt: skip
    env = {**server_env(database), **(auth or {})}
    grunndata = str(Path(sys.executable).parent / "grunndata")
    url = f"http://127.0.0.1:{port}/graphql"
    if resolvers_only:
        command = [sys.executable, "-c", RESOLVERS_ONLY, database.app_url, str(port)]
        return started(command, env, url, under=under)
    command = [sys.executable, grunndata, "serve", "--port", str(port), "--no-migrate"]
    return started(command, env, url, under=under)


def postgraphile_server(database: Database, port: int) -> Any:
    if not (POSTGRAPHILE_DIR / "node_modules").is_dir():
        subprocess.run(["npm", "ci", "--no-audit", "--no-fund"], cwd=POSTGRAPHILE_DIR, check=True)
    env = {
        "DATABASE_URL": database.app_url,
        "PORT": str(port),
        "NODE_ENV": "production",
        "NODE_OPTIONS": f"--require {POSTGRAPHILE_DIR / 'polyfill.cjs'}",
    }
    url = f"http://127.0.0.1:{port}/graphql"
    return started(["node", "server.mjs"], env, url, cwd=POSTGRAPHILE_DIR)


#: grunndata from another checkout (sys.argv[1]), with this interpreter and its packages:
#: ``grunndata serve --no-migrate`` only warns when the database is at a revision the
#: checkout does not know (a later one), and serves it.
FROM_CHECKOUT = """import sys
sys.path.insert(0, sys.argv[1])
import grunndata
assert grunndata.__file__.startswith(sys.argv[1]), grunndata.__file__
from grunndata.cli import app
app(sys.argv[2:])
"""


@contextmanager
def baseline_server(database: Database, port: int, revision: str,
                    under: tuple[str, ...] = ()) -> Iterator[int]:  # fmt: skip
    """grunndata as it was at git ``revision`` (a temporary worktree), on the same data."""
    top = subprocess.run(["git", "rev-parse", "--show-toplevel"], cwd=HERE, capture_output=True,
                         text=True, check=True)  # fmt: skip
    root = Path(top.stdout.strip())
    with tempfile.TemporaryDirectory(prefix="grunndata-baseline-") as folder:
        checkout = Path(folder) / "grunndata"
        added = subprocess.run(["git", "worktree", "add", "--detach", "--quiet", str(checkout),
                                revision], cwd=root, capture_output=True, text=True)  # fmt: skip
        if added.returncode != 0:
            raise SystemExit(f"compare: --baseline {revision}: git cannot check it out: "
                             f"{added.stderr.strip()}")  # fmt: skip
        try:
            command = [sys.executable, "-c", FROM_CHECKOUT, str(checkout), "serve", "--port",
                       str(port), "--no-migrate"]  # fmt: skip
            url = f"http://127.0.0.1:{port}/graphql"
            with started(command, server_env(database), url, cwd=checkout, under=under) as pid:
                yield pid
        finally:
            subprocess.run(["git", "worktree", "remove", "--force", str(checkout)], cwd=root,
                           check=False)  # fmt: skip


GRUNNDATA = "grunndata"
POSTGRAPHILE = "PostGraphile"


def trusted_token(folder: Path) -> tuple[dict[str, str], str]:
    """(grunndata's environment trusting a key made here, a token of it with
    ``AUTH_SCOPES``)."""
    from cryptography.hazmat.primitives.asymmetric import ec

    from grunndata.graphql.auth import mint_token, public_jwks

    key = ec.generate_private_key(ec.SECP256R1())
    jwks = folder / "jwks.json"
    jwks.write_text(json.dumps(public_jwks(key, key_id="bench")), encoding="utf-8")
    issuer, audience = "grunndata-benchmark", "grunndata-benchmark"
    env = {"GRUNNDATA_JWKS": str(jwks), "GRUNNDATA_ISSUER": issuer,
           "GRUNNDATA_AUDIENCE": audience, "GRUNNDATA_RATE_LIMIT_PER_MINUTE": "0"}  # fmt: skip
    scopes = [f"grunndata:{s}" for s in AUTH_SCOPES]
    token = mint_token(key, scopes=scopes, orgnr="974760673", ttl_s=6 * 3600, issuer=issuer,
                       audience=audience, key_id="bench")  # fmt: skip
    return env, token


def post(url: str, query: str, variables: dict[str, Any],
         headers: dict[str, str] | None = None) -> dict[str, Any]:  # fmt: skip
    body = httpx.post(url, json={"query": query, "variables": variables}, headers=headers,
                      timeout=30).json()  # fmt: skip
    if body.get("errors"):
        raise RuntimeError(f"{url}: {body['errors']}")
    return body["data"]


def check_equal(ours: Server, theirs: Server, query: Query, keys: list[str]) -> None:
    """Both servers give the same data for the same keys (the first 20)."""
    for key in keys[:20]:
        variables = query.variables(key)
        mine = ours.answer(query, post(ours.url, ours.query(query), variables, ours.headers))
        other = theirs.answer(query, post(theirs.url, theirs.query(query), variables,
                                          theirs.headers))  # fmt: skip
        if mine != other or mine is None:
            raise AssertionError(f"{query.name}, {key}: {ours.name} {mine} != "
                                 f"{theirs.name} {other}")  # fmt: skip


# -- load -------------------------------------------------------------------------------

WRK_SCRIPT = """
local bodies = {}
for line in io.lines(os.getenv("WRK_BODIES")) do bodies[#bodies + 1] = line end
local i = 0
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
local auth = os.getenv("WRK_AUTHORIZATION")
if auth and auth ~= "" then wrk.headers["Authorization"] = auth end
request = function()
  i = i % #bodies + 1
  return wrk.format(nil, nil, nil, bodies[i])
end
done = function(summary, latency, requests)
  io.write(string.format("RESULT %d %d %d %d %d %d\\n", summary.requests, summary.duration,
    latency:percentile(50), latency:percentile(99), summary.errors.status,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
"""


@dataclass(frozen=True)
class Run:
    requests_per_s: float
    p50_ms: float
    p99_ms: float
    requests: int = 0
    server_cpu_ms: float = 0.0  # CPU time per request: the server process
    database_cpu_ms: float = 0.0  # and the database's backends (PostgreSQL)


def cpu_seconds(pid: int) -> float:
    """User and system CPU time of process ``pid`` so far (Linux ``/proc``; 0 if gone)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text(encoding="ascii")
    except OSError:
        return 0.0
    fields = stat.rsplit(")", 1)[1].split()  # after the command name: field 3 on
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def backends_cpu(database: Database) -> dict[int, float]:
    """CPU seconds so far of each backend serving ``database`` (but this one asking)."""
    with connect(database.owner_url, autocommit=True) as conn:
        pids = [r[0] for r in conn.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
            "AND pid <> pg_backend_pid()")]  # fmt: skip
    return {pid: cpu_seconds(pid) for pid in pids}


def measured(run: Callable[[], Run], server: Server, database: Database) -> Run:
    """``run``, with the CPU time per request it took of the server and of PostgreSQL: the
    servers take turns, so the database's backends work for the one under load. Less
    sensitive than req/s to other work on the machine."""
    server_before, backends_before = cpu_seconds(server.pid), backends_cpu(database)
    result = run()
    server_used = cpu_seconds(server.pid) - server_before
    database_used = sum(used - backends_before.get(pid, 0.0)
                        for pid, used in backends_cpu(database).items())  # fmt: skip
    return replace(result, server_cpu_ms=1000 * server_used / result.requests,
                   database_cpu_ms=1000 * database_used / result.requests)  # fmt: skip


def wrk(url: str, bodies: Path, script: Path, seconds: int, connections: int,
        headers: dict[str, str] | None = None) -> Run:  # fmt: skip
    authorization = (headers or {}).get("Authorization", "")
    out = subprocess.run(
        ["taskset", "-c", LOAD_CPU, "wrk", "-t1", f"-c{connections}", f"-d{seconds}s",
         "--timeout", "30s", "-s", str(script), url],
        env={**os.environ, "WRK_BODIES": str(bodies), "WRK_AUTHORIZATION": authorization},
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    line = next(ln for ln in out.splitlines() if ln.startswith("RESULT"))
    requests, duration_us, p50, p99, bad_status, socket_errors = map(int, line.split()[1:])
    if bad_status or socket_errors:
        raise RuntimeError(f"wrk on {url}: {bad_status} non-2xx, {socket_errors} socket errors")
    return Run(requests / (duration_us / 1e6), p50 / 1000, p99 / 1000, requests)


#: valgrind's callgrind, counting nothing until told (``callgrind_control -i on``).
CALLGRIND = ("valgrind", "--tool=callgrind", "--instr-atstart=no")


def callgrind(folder: Path) -> tuple[str, ...]:
    """The command line that runs a server under callgrind, its dumps in ``folder``."""
    return (*CALLGRIND, f"--callgrind-out-file={folder}/callgrind.%p")


def instructions(server: Server, keys: dict[str, list[str]], queries: list[str], count: int,
                 folder: Path) -> dict[str, float]:  # fmt: skip
    """Instructions the server (running under ``callgrind``) executes per request, for
    ``count`` requests of each query sent one at a time, after a warm-up of a fifth as many
    (caches, prepared statements) that is not counted."""
    per_request = {}
    with httpx.Client(timeout=600) as client:
        for name in queries:
            query = QUERIES[name]
            bodies = [{"query": server.query(query), "variables": query.variables(k)}
                      for k in keys[name]]  # fmt: skip

            _send(client, server, bodies, max(count // 5, 1))
            control = ["callgrind_control", str(server.pid)]
            subprocess.run([*control, "-i", "on"], check=True, capture_output=True)
            _send(client, server, bodies, count)
            subprocess.run([*control, "-d"], check=True, capture_output=True)
            subprocess.run([*control, "-i", "off"], check=True, capture_output=True)
            # the latest dump, callgrind.<pid>.<part>; its "totals:" (a later part's
            # "summary:" is not its own count)
            dump = max(folder.glob(f"callgrind.{server.pid}.*"),
                       key=lambda f: int(f.suffix[1:]))  # fmt: skip
            totals = next(line for line in dump.read_text().splitlines()
                          if line.startswith("totals:"))  # fmt: skip
            per_request[name] = int(totals.split()[1]) / count
            dump.unlink()
    return per_request


def _send(client: httpx.Client, server: Server, bodies: list[dict[str, Any]], count: int) -> None:
    """``count`` requests, one at a time, cycling through ``bodies``; each must answer."""
    for i in range(count):
        answer = client.post(server.url, json=bodies[i % len(bodies)], headers=server.headers)
        if answer.status_code != 200 or "errors" in answer.json():
            raise RuntimeError(f"{server.name}: {answer.text[:300]}")


def drive(servers: tuple[Server, Server], keys: dict[str, list[str]], args: argparse.Namespace,
          folder: Path, database: Database) -> dict[str, dict[str, list[Run]]]:  # fmt: skip
    """Each query, each server, ``args.runs`` times, alternating which server goes first."""
    script = folder / "bodies.lua"
    script.write_text(WRK_SCRIPT, encoding="utf-8")
    results: dict[str, dict[str, list[Run]]] = {}
    for name in args.queries:
        query = QUERIES[name]
        bodies = {}
        for server in servers:
            bodies[server.name] = folder / f"{name}-{server.name}.jsonl"
            bodies[server.name].write_text("".join(
                json.dumps({"query": server.query(query), "variables": query.variables(k)})
                + "\n" for k in keys[name]), encoding="utf-8")  # fmt: skip
        results[name] = {server.name: [] for server in servers}
        order = list(servers)
        for _ in range(args.warmup_runs):  # JIT, caches, connection pools
            for server in order:
                wrk(server.url, bodies[server.name], script, 3, args.connections, server.headers)
        for _ in range(args.runs):
            for server in order:
                load = partial(wrk, server.url, bodies[server.name], script, args.seconds,
                               args.connections, server.headers)  # fmt: skip
                run = measured(load, server, database)
                results[name][server.name].append(run)
                print(
                    f"  {name:<8}{server.name:<14}{run.requests_per_s:8.0f} req/s   "
                    f"p50 {run.p50_ms:7.2f} ms   p99 {run.p99_ms:7.2f} ms   CPU/request: "
                    f"server {run.server_cpu_ms:5.2f} ms, PostgreSQL {run.database_cpu_ms:5.2f} ms",
                    flush=True,
                )
            order.reverse()
    return results


# -- the SQL floor ----------------------------------------------------------------------


def floor(database: Database, keys: dict[str, list[str]], args: argparse.Namespace,
          folder: Path) -> dict[str, tuple[list[float], float | None]]:  # fmt: skip
    """Each query's hand-written SQL: serial latencies (psycopg, prepared), and the
    throughput of pgbench with as many connections as wrk uses (None without pgbench)."""
    out: dict[str, tuple[list[float], float | None]] = {}
    pgbench = _pgbench()
    for name in args.queries:
        query = QUERIES[name]
        text = query.sql.replace("$1", "%s")
        latencies = []
        with connect(database.app_url) as conn:
            for key in keys[name] * 2:
                begun = time.perf_counter()
                conn.execute(text, [key], prepare=True).fetchall()
                latencies.append(time.perf_counter() - begun)
        rate = None
        if pgbench is not None:
            with connect(database.owner_url, autocommit=True) as conn:
                conn.execute("DROP TABLE IF EXISTS public.benchmark_keys")
                conn.execute("CREATE TABLE public.benchmark_keys (n int PRIMARY KEY, key text)")
                with conn.cursor().copy("COPY public.benchmark_keys FROM STDIN") as copy:
                    for n, key in enumerate(keys[name], 1):
                        copy.write_row((n, key))
            script = folder / f"{name}.sql"
            script.write_text(
                f"\\set n random(1, {len(keys[name])})\n"
                + query.sql.replace("$1", "(SELECT key FROM public.benchmark_keys WHERE n = :n)")
                .replace("\n", " ") + ";\n", encoding="utf-8",
            )  # fmt: skip
            result = subprocess.run(
                ["taskset", "-c", LOAD_CPU, pgbench, "-n", "-M", "prepared", "-f", str(script),
                 "-c", str(args.connections), "-j", "1", "-T", str(args.seconds),
                 database.owner_url],
                capture_output=True, text=True, check=True,
            ).stdout  # fmt: skip
            rate = float(next(ln for ln in result.splitlines() if ln.startswith("tps")).split()[2])
            with connect(database.owner_url, autocommit=True) as conn:
                conn.execute("DROP TABLE public.benchmark_keys")
        out[name] = (latencies, rate)
    return out


def _pgbench() -> str | None:
    found = shutil.which("pgbench")
    if found:
        return found
    candidates = sorted(Path("/usr/lib/postgresql").glob("*/bin/pgbench"))
    return str(candidates[-1]) if candidates else None


# -- main -------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--persons", type=int, default=20_000)
    parser.add_argument("--streets", type=int, default=200, help=f"{PER_STREET} units each")
    parser.add_argument("--runs", type=int, default=3, help="measured runs per server")
    parser.add_argument("--warmup-runs", type=int, default=1)
    parser.add_argument("--seconds", type=int, default=10, help="length of one run")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--queries", nargs="+", choices=list(QUERIES), default=list(QUERIES))
    parser.add_argument("--grunndata-port", type=int, default=8104)
    parser.add_argument("--postgraphile-port", type=int, default=8114,
                        help="also the baseline's port (--baseline)")  # fmt: skip
    parser.add_argument("--resolvers-only", action="store_true",
                        help="grunndata without its SQL forms")  # fmt: skip
    parser.add_argument("--baseline", nargs="?", const=BASELINE, metavar="REVISION",
                        help="compare with grunndata at this git revision (default "
                        f"{BASELINE}: before access control), served without a token, "
                        "instead of PostGraphile")  # fmt: skip
    parser.add_argument("--no-floor", action="store_true", help="skip the SQL floor")
    parser.add_argument("--instructions", type=int, metavar="REQUESTS",
                        help="instead of throughput: each server's instructions per request "
                        "under valgrind's callgrind, REQUESTS of each query sent one at a "
                        "time")  # fmt: skip
    parser.add_argument("--keep", action="store_true", help=f"keep database {DATABASE}")
    parser.add_argument("--reuse", action="store_true",
                        help=f"use database {DATABASE} as a kept earlier run left it")  # fmt: skip
    args = parser.parse_args()
    if args.instructions and not args.baseline:
        raise SystemExit("compare: --instructions compares grunndata with --baseline")
    tools = ("wrk", "taskset", "git") if args.baseline else ("wrk", "taskset", "node", "npm")
    if args.instructions:
        tools = ("taskset", "git", "valgrind", "callgrind_control")
    for tool in tools:
        if shutil.which(tool) is None:
            raise SystemExit(f"compare: needs {tool} on PATH")
    if args.baseline and subprocess.run(["git", "rev-parse", "--verify", "--quiet",
                                         f"{args.baseline}^{{commit}}"], cwd=HERE,
                                        capture_output=True).returncode != 0:  # fmt: skip
        raise SystemExit(f"compare: --baseline {args.baseline}: no such git revision here")

    with reused_or_scratch(args) as database, tempfile.TemporaryDirectory() as tmp:
        keys = samples(database, 500, random.Random(6))
        auth, token = trusted_token(Path(tmp))
        under = callgrind(Path(tmp)) if args.instructions else ()
        ours = grunndata_side(GRUNNDATA, args.grunndata_port, {"Authorization": f"Bearer {token}"})
        ours_started = grunndata_server(database, args.grunndata_port, under=under,
                                        resolvers_only=args.resolvers_only, auth=auth)  # fmt: skip
        if args.baseline:
            theirs = grunndata_side(f"at {args.baseline}", args.postgraphile_port)
            theirs_started = baseline_server(database, args.postgraphile_port, args.baseline,
                                             under=under)  # fmt: skip
        else:
            theirs = postgraphile_side(args.postgraphile_port)
            theirs_started = postgraphile_server(database, args.postgraphile_port)
        if args.instructions:
            with ours_started as our_pid, theirs_started as their_pid:
                ours, theirs = replace(ours, pid=our_pid), replace(theirs, pid=their_pid)
                counted = {server.name: instructions(server, keys, args.queries,
                                                     args.instructions, Path(tmp))
                           for server in (ours, theirs)}  # fmt: skip
            report_instructions(counted, args.instructions, ours.name, theirs.name)
            return
        with ours_started as our_pid, theirs_started as their_pid:
            ours, theirs = replace(ours, pid=our_pid), replace(theirs, pid=their_pid)
            for name in args.queries:
                check_equal(ours, theirs, QUERIES[name], keys[name])
            print("answers equal for the sampled keys; "
                  f"wrk: {args.connections} connections, {args.seconds} s a run, "
                  f"{args.runs} runs each, servers on CPU {SERVER_CPU}, "
                  f"wrk on CPU {LOAD_CPU}")  # fmt: skip
            results = drive((ours, theirs), keys, args, Path(tmp), database)
        floors = {} if args.no_floor else floor(database, keys, args, Path(tmp))
        report(results, floors, ours.name, theirs.name)


@contextmanager
def reused_or_scratch(args: argparse.Namespace) -> Iterator[Database]:
    if args.reuse:
        from grunndata.config import Settings
        from grunndata.db.database import bootstrap, embedded_cluster

        cluster = embedded_cluster(Settings.from_env())
        cluster.start()
        yield bootstrap(cluster.url(), DATABASE)
        return
    with scratch_database(DATABASE, keep=args.keep) as (database, _):
        print(f"loading {args.persons:,} persons and {args.streets * PER_STREET:,} units")
        load(database, args.persons, args.streets)
        yield database


def report(results: dict[str, dict[str, list[Run]]],
           floors: dict[str, tuple[list[float], float | None]], ours: str, theirs: str
           ) -> None:  # fmt: skip
    print(f"\nmedians over the runs; ratio = median of {ours}/{theirs} per run pair: req/s, "
          "and the other's CPU time per request (server + PostgreSQL) over this one's")  # fmt: skip
    print(f"{'query':<10}{'server':<14}{'req/s':>8}{'p50 ms':>9}{'p99 ms':>9}{'ratio':>8}"
          f"{'CPU ms/req':>12}{'ratio':>8}")  # fmt: skip
    spreads = []
    for name, by_server in results.items():
        pairs = list(zip(by_server[ours], by_server[theirs], strict=True))
        ratios = [a.requests_per_s / b.requests_per_s for a, b in pairs]
        ratio = statistics.median(ratios)
        cpu_ratio = statistics.median(_cpu(b) / _cpu(a) if _cpu(a) else 0.0 for a, b in pairs)
        spreads.append(f"{name} {_middle_half(ratios)}")
        for server, runs in by_server.items():
            print(f"{name:<10}{server:<14}"
                  f"{statistics.median(r.requests_per_s for r in runs):8.0f}"
                  f"{statistics.median(r.p50_ms for r in runs):9.2f}"
                  f"{statistics.median(r.p99_ms for r in runs):9.2f}"
                  + (f"{ratio:8.2f}" if server == ours else f"{'':8}")
                  + f"{statistics.median(_cpu(r) for r in runs):12.2f}"
                  + (f"{cpu_ratio:8.2f}" if server == ours else ""))  # fmt: skip
        latencies, rate = floors.get(name, ([], None))
        if latencies:
            rate_text = f"{rate:8.0f}" if rate is not None else f"{'-':>8}"
            print(f"{name:<10}{'SQL floor':<14}{rate_text}   serial {percentiles(latencies)}")
    print(
        "req/s ratios of the run pairs, middle half (how far one pair can be off): "
        + "; ".join(spreads)
    )


def _middle_half(ratios: list[float]) -> str:
    """The first and third quartile of the per-pair ratios (all of them, if under four)."""
    if len(ratios) < 4:
        return ", ".join(f"{r:.2f}" for r in sorted(ratios))
    low, _, high = statistics.quantiles(ratios, n=4)
    return f"{low:.2f}–{high:.2f}"


def report_instructions(counted: dict[str, dict[str, float]], count: int, ours: str,
                        theirs: str) -> None:  # fmt: skip
    print(f"\nserver instructions per request (callgrind; {count} requests of each query, one "
          "at a time); ratio = theirs/ours, as a throughput ratio")  # fmt: skip
    print(f"{'query':<10}{ours:>14}{theirs:>16}{'ratio':>8}")
    for name, mine in counted[ours].items():
        other = counted[theirs][name]
        print(f"{name:<10}{mine / 1e6:12.3f} M{other / 1e6:14.3f} M{other / mine:8.2f}")


def _cpu(run: Run) -> float:
    return run.server_cpu_ms + run.database_cpu_ms


if __name__ == "__main__":
    main()
