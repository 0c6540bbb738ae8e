"""Composition (the CLI's ``compose`` and the gateway's tests, not serving): every
register's subgraph composed into the supergraph by the Node project in ``federation/``."""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Mapping, Sequence
from pathlib import Path

from grunndata.errors import InvalidArgument, SetupError
from grunndata.graphql.federation.build import ALL_SUBGRAPHS, build_subgraph_schema

#: The Node project (package.json, package-lock.json, compose.mjs, gateway config).
FEDERATION_DIR = Path(__file__).resolve().parents[3] / "federation"
#: Where the gateway reaches each subgraph unless told otherwise.
DEFAULT_SUBGRAPH_PORTS = {name: 4001 + i for i, name in enumerate(ALL_SUBGRAPHS)}


def subgraph_urls(given: Sequence[str] = ()) -> dict[str, str]:
    """Each subgraph's URL: the defaults, overridden by ``NAME=URL`` entries."""
    urls = {name: f"http://127.0.0.1:{p}/graphql" for name, p in DEFAULT_SUBGRAPH_PORTS.items()}
    for entry in given:
        name, sep, url = entry.partition("=")
        if not sep or name not in urls or not url.startswith(("http://", "https://")):
            raise InvalidArgument(
                f"--subgraph-url {entry!r}: expected NAME=http(s)://..., NAME one of "
                + ", ".join(urls)
            )
        urls[name] = url
    return urls


def compose_supergraph(urls: Mapping[str, str]) -> str:
    """The supergraph SDL of every subgraph (each register's and ``felles``), composed by
    ``@theguild/federation-composition`` (``federation/compose.mjs``)."""
    node = shutil.which("node")
    if node is None:
        raise SetupError("Node.js is missing; the composition needs Node 20 or newer.")
    if not (FEDERATION_DIR / "node_modules" / "@theguild").is_dir():
        raise SetupError(
            "the composition's npm packages are not installed",
            hint=f"run: npm ci --prefix {FEDERATION_DIR}",
        )
    subgraphs = [
        {"name": name, "url": url, "sdl": build_subgraph_schema(name).as_str()}
        for name, url in urls.items()
    ]
    done = subprocess.run(
        [node, str(FEDERATION_DIR / "compose.mjs")],
        input=json.dumps(subgraphs),
        capture_output=True,
        text=True,
        check=False,
        cwd=FEDERATION_DIR,
    )
    if done.returncode != 0:
        raise SetupError(f"the subgraphs do not compose:\n{done.stderr.strip()}")
    return done.stdout
