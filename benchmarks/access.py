"""What access control costs: throughput of the same queries on the demo data, served by
this code (token verified, fields guarded, graded persons filtered, lookups logged) and by
a baseline checkout without access control (``--baseline PATH``, e.g. a worktree of the
commit before it). Both servers run as subprocesses on the same scratch database.

    .venv/bin/python -m benchmarks.access --baseline ../main --seconds 20
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
from cryptography.hazmat.primitives.asymmetric import ec

from benchmarks.common import scratch_database
from grunndata.cli import FIXTURES_DIR
from grunndata.graphql.access import SCOPES
from grunndata.graphql.auth import mint_token, public_jwks
from grunndata.loaders.run import run
from grunndata.registers import REGISTERS

QUERIES = [
    """{ person(identifikasjonsnummer: "27816200062") { navn { fornavn etternavn } foedselsdato
       bostedsadresse { vegadresse { adressenavn } } sivilstand { sivilstand
       ektefelleEllerPartner { navn { fornavn } } } barn { navn { fornavn } } } }""",
    """{ eiendommer(first: 20) { edges { node { matrikkelnummer arealM2
       hjemmelshavere { navn identifikasjonsnummer } adresser { adressetekst } } } } }""",
    """{ enhet(organisasjonsnummer: "310000000") { navn roller { type { beskrivelse }
       innehaver { navn foedselsnummer } } } }""",
    """{ adresser(sok: "Bjørbjørveien", first: 20) { edges { node { adressetekst
       eiendom { matrikkelnummer } } } } }""",
]
SERVER = """
import sys, uvicorn
sys.path.insert(0, sys.argv[1])
from grunndata.server import create_app
uvicorn.run(create_app(sys.argv[2]), host="127.0.0.1", port=int(sys.argv[3]), log_level="warning")
"""


def serve(source: Path, url: str, port: int, env: dict[str, str]) -> subprocess.Popen[bytes]:
    process = subprocess.Popen([sys.executable, "-c", SERVER, str(source), url, str(port)], env=env)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1)
            return process
        except httpx.TransportError:
            time.sleep(0.2)
    process.kill()
    raise SystemExit(f"the server from {source} did not start")


async def throughput(port: int, token: str | None, seconds: float, concurrency: int) -> float:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    done = 0
    stop = time.monotonic() + seconds

    async def worker(client: httpx.AsyncClient, offset: int) -> None:
        nonlocal done
        i = offset
        while time.monotonic() < stop:
            response = await client.post("/graphql", json={"query": QUERIES[i % len(QUERIES)]})
            body = response.json()
            assert response.status_code == 200 and not body.get("errors"), body
            done += 1
            i += 1

    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", headers=headers,
                                 timeout=30) as client:  # fmt: skip
        await asyncio.gather(*(worker(client, n) for n in range(concurrency)))
    return done / seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baseline", type=Path, required=True, help="checkout without auth")
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    here = Path(__file__).resolve().parent.parent
    key = ec.generate_private_key(ec.SECP256R1())
    with (
        tempfile.TemporaryDirectory() as scratch,
        scratch_database("grunndata_bench_access") as (
            database,
            _,
        ),
    ):
        formats = [f for register in REGISTERS for f in register.formats]
        run([FIXTURES_DIR], formats=formats, database=database)
        jwks = Path(scratch) / "jwks.json"
        jwks.write_text(json.dumps(public_jwks(key, key_id="bench")))
        env = {**os.environ, "GRUNNDATA_JWKS": str(jwks), "GRUNNDATA_AUDIENCE": "bench",
               "GRUNNDATA_ISSUER": "bench", "GRUNNDATA_RATE_LIMIT_PER_MINUTE": "0"}  # fmt: skip
        scopes = [f"grunndata:{s}" for s in SCOPES]
        token = mint_token(key, scopes=scopes, orgnr="310000000", ttl_s=3600, issuer="bench",
                           audience="bench", key_id="bench")  # fmt: skip
        servers = {
            "baseline (no access control)": (serve(args.baseline.resolve(), database.app_url,
                                                   8151, env), 8151, None),
            "access control, every scope": (serve(here, database.app_url, 8152, env), 8152, token),
        }  # fmt: skip
        try:
            results: dict[str, list[float]] = {name: [] for name in servers}
            for _ in range(args.rounds):
                for name, (_, port, bearer) in servers.items():
                    asyncio.run(throughput(port, bearer, 2, args.concurrency))  # warm up
                    rate = asyncio.run(throughput(port, bearer, args.seconds, args.concurrency))
                    results[name].append(rate)
            for name, rates in results.items():
                print(f"{name:32} {max(rates):8.1f} requests/s  (rounds: "
                      f"{', '.join(f'{r:.1f}' for r in rates)})")  # fmt: skip
            base, guarded = (max(r) for r in results.values())
            print(f"cost of access control and the lookup log: {100 * (1 - guarded / base):.1f} %")
        finally:
            for process, _, _ in servers.values():
                process.terminate()
                process.wait(timeout=10)


if __name__ == "__main__":
    main()
