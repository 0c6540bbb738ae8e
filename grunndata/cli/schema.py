"""``grunndata schema`` and ``supergraph``: the GraphQL SDL, whole or federated."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from grunndata.cli.base import app, err
from grunndata.errors import GrunndataError


@app.command(
    epilog="Examples:  grunndata schema > schema.graphql   |   "
    "grunndata schema --subgraph matrikkel > matrikkel.graphql"
)
def schema(
    subgraph: Annotated[
        str | None,
        typer.Option(help="Print this register's Federation v2 subgraph SDL instead."),
    ] = None,
) -> None:
    """Print the GraphQL schema (SDL)."""
    from grunndata.graphql.schema import build_schema

    if subgraph is None:
        sys.stdout.write(build_schema().as_str() + "\n")
        return
    from grunndata.graphql.federation.build import build_subgraph_schema

    try:
        sdl = build_subgraph_schema(subgraph).as_str()
    except GrunndataError as error:
        err.print(f"[red]error:[/] --subgraph: {escape(str(error))}")
        raise typer.Exit(2) from None
    sys.stdout.write(sdl + "\n")


@app.command(
    epilog="Example:  grunndata supergraph --out supergraph.graphql "
    "--subgraph-url matrikkel=http://matrikkel:8000/graphql"
)
def supergraph(
    out_file: Annotated[
        Path | None, typer.Option("--out", help="Write the SDL here (default: stdout).")
    ] = None,
    subgraph_url: Annotated[
        list[str] | None,
        typer.Option(
            "--subgraph-url",
            help="NAME=URL where the gateway reaches a subgraph (repeatable); default "
            "http://127.0.0.1:4001/graphql, 4002, 4003 in register order.",
        ),
    ] = None,
) -> None:
    """Compose the three subgraphs into a Federation v2 supergraph SDL (needs Node 20 and
    `npm ci` in federation/)."""
    from grunndata.graphql.federation.composition import compose_supergraph, subgraph_urls

    try:
        sdl = compose_supergraph(subgraph_urls(subgraph_url or []))
    except GrunndataError as error:
        err.print(f"[red]error:[/] {escape(str(error))}")
        raise typer.Exit(1) from None
    if out_file is None:
        sys.stdout.write(sdl)
    else:
        out_file.write_text(sdl, encoding="utf-8")
        err.print(f"supergraph written to {escape(str(out_file))}")
