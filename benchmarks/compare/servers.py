"""The two sides' servers: grunndata (``grunndata serve``, or at a git revision, or with
its SQL forms off) and PostGraphile v5, each pinned to the servers' CPU; the token
grunndata trusts; the check that both sides give the same data."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from benchmarks.compare.query import Query
from grunndata.db.database import Database

HERE = Path(__file__).parent.parent
POSTGRAPHILE_DIR = HERE / "postgraphile"
SERVER_CPU, LOAD_CPU = "0", "1"
#: The revision ``--baseline`` compares with by default: the last before access control.
BASELINE = "b9dbde2"
#: What the queries need: person data with a legal basis (addresses too), owners'
#: identities, the persons in roles.
AUTH_SCOPES = ("folkeregister/offentligmedhjemmel", "matrikkel/hjemmel", "enhetsregister/roller")


@dataclass(frozen=True)
class Server:
    """One side of the comparison: where it listens, how it spells each query, how its
    answers are brought to the comparable form, and the headers of every request."""

    name: str
    url: str
    query: Callable[[Query], str]
    answer: Callable[[Query, dict[str, Any]], Any]
    headers: dict[str, str] | None = None
    pids: tuple[int, ...] = ()  # its processes, once started (their CPU time is its)
    #: grunndata processes whose ``/metrics`` say which path answered (base URLs)
    metrics: tuple[str, ...] = ()
    postgraphile: bool = False  # asks with ``Query.postgraphile_variables``

    def variables(self, query: Query, key: str) -> dict[str, Any]:
        if self.postgraphile and query.postgraphile_variables is not None:
            return query.postgraphile_variables(key)
        return query.variables(key)

    def body(self, query: Query, key: str) -> dict[str, Any]:
        return {"query": self.query(query), "variables": self.variables(query, key)}


def grunndata_side(name: str, port: int, headers: dict[str, str] | None = None) -> Server:
    return Server(name, f"http://127.0.0.1:{port}/graphql", lambda q: q.grunndata,
                  lambda q, d: q.grunndata_answer(d), headers,
                  metrics=(f"http://127.0.0.1:{port}",))  # fmt: skip


def postgraphile_side(port: int) -> Server:
    return Server(POSTGRAPHILE, f"http://127.0.0.1:{port}/graphql", lambda q: q.postgraphile,
                  lambda q, d: q.postgraphile_answer(d), postgraphile=True)  # fmt: skip


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
        mine = ours.answer(query, post(ours.url, ours.query(query), ours.variables(query, key),
                                       ours.headers))  # fmt: skip
        other = theirs.answer(
            query,
            post(theirs.url, theirs.query(query), theirs.variables(query, key), theirs.headers),
        )
        if mine != other or mine is None:
            raise AssertionError(f"{query.name}, {key}: {ours.name} {mine} != "
                                 f"{theirs.name} {other}")  # fmt: skip
