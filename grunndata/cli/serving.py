"""``grunndata serve`` and ``grunndata demo``."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape

from grunndata.cli.base import FIXTURES_DIR, NoMigrate, app, database_for, err, formats, out
from grunndata.config import Settings
from grunndata.db.database import embedded_cluster
from grunndata.db.urls import describe
from grunndata.errors import GrunndataError
from grunndata.registers import ROOMS

if TYPE_CHECKING:
    from grunndata.db.database import Database


def _serve(
    database: Database,
    host: str,
    port: int,
    *,
    dev: bool,
    dev_auth: bool = False,
    token: str | None = None,
    subgraph: str | None = None,
    workers: int = 1,
    metrics_port: int | None = None,
) -> None:
    from grunndata.workers import ServeSpec
    from grunndata.workers import serve as serve_workers

    spec = ServeSpec(database.app_url, dev=dev, dev_auth=dev_auth, token=token, subgraph=subgraph)
    serve_workers(spec, host, port, workers=workers, metrics_port=metrics_port)


@app.command(
    epilog="Examples:  grunndata serve --port 8000   |   grunndata serve --dev --host 0.0.0.0"
    "   |   grunndata serve --subgraph matrikkel --port 4002"
)
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    dev: Annotated[
        bool, typer.Option("--dev", help="Serve GraphiQL at /graphql; allow introspection.")
    ] = False,
    dev_auth: Annotated[
        bool,
        typer.Option(
            "--dev-auth",
            help="Trust only tokens from `grunndata token` (the local development key), "
            "not GRUNNDATA_JWKS. Never in production.",
        ),
    ] = False,
    subgraph: Annotated[
        str | None,
        typer.Option(
            help="Serve this register alone as a Federation v2 subgraph: "
            + " | ".join(ROOMS)
            + "; or felles, the change feed (see docs/federation.md).",
        ),
    ] = None,
    workers: Annotated[
        int,
        typer.Option(min=1, help="Processes serving the one port (see docs/operations.md)."),
    ] = 1,
    metrics_port: Annotated[
        int | None,
        typer.Option(
            help="Serve /metrics on this port, to any address, instead of to loopback "
            "clients on the API's port."
        ),
    ] = None,
    no_migrate: NoMigrate = False,
) -> None:
    """Serve the GraphQL API at /graphql, health at /healthz and metrics at /metrics."""
    from grunndata.composefile import FELLES
    from grunndata.registers import REGISTERS

    names = [*(r.name for r in REGISTERS), FELLES]
    if subgraph is not None and subgraph not in names:
        choices = ", ".join(names)
        err.print(f"[red]error:[/] --subgraph {escape(subgraph)!r}: choose one of {choices}")
        raise typer.Exit(2)
    database = database_for(no_migrate=no_migrate)
    what = f"the {subgraph} subgraph" if subgraph else "grunndata"
    source = describe(database.app_url)
    err.print(f"grunndata: serving {what} from {source} on http://{host}:{port}/graphql")
    if dev_auth:
        err.print("grunndata: [yellow]--dev-auth[/]: trusting the local development key only")
    _serve(database, host, port, dev=dev, dev_auth=dev_auth, subgraph=subgraph,
           workers=workers, metrics_port=metrics_port)  # fmt: skip


@app.command(epilog="Example:  grunndata demo --port 8000")
def demo(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    fixtures: Annotated[
        Path, typer.Option(help="Folder of demo data in the registers' formats.")
    ] = FIXTURES_DIR,
    no_migrate: NoMigrate = False,
) -> None:
    """Start the embedded database, load the demo data and serve it with GraphiQL."""
    from grunndata.cli.loading import print_outcome  # here: commands list in help order
    from grunndata.cli.tokens import DEMO_CONSUMER, dev_token
    from grunndata.graphql.access import SCOPES
    from grunndata.loaders.run import run

    settings = Settings.from_env()
    cluster = None if settings.database_url else embedded_cluster(settings)
    started_here = cluster is not None and not cluster.status().running
    if not fixtures.is_dir():
        raise GrunndataError(f"{fixtures}: no such folder of demo data (--fixtures).")
    try:
        database = database_for(no_migrate=no_migrate)
        print_outcome(run([fixtures], formats=formats(), database=database))
        url = f"http://{host}:{port}"
        token = dev_token(settings, list(SCOPES), DEMO_CONSUMER, None, 8 * 3600)
        out.print(
            f"\n[bold]grunndata demo[/] is up.\n"
            f"  GraphiQL  {url}/graphql\n"
            f"  health    {url}/healthz\n\n"
            "Person data needs a token. One with every scope, valid for 8 hours "
            "(GraphiQL has it preset in its Headers tab):\n"
            f"  export TOKEN={token}\n\n"
            "Try:\n"
            f"  curl -s {url}/graphql -H 'Content-Type: application/json' "
            '-H "Authorization: Bearer $TOKEN" \\\n'
            '    -d \'{"query": "{ person(identifikasjonsnummer: \\"27816200062\\") '
            "{ navn { fornavn etternavn } bostedsadresse { vegadresse { adressenavn } } } }\"}'\n"
            "\nMore tokens: grunndata token --scope ... --orgnr ...; "
            "who is who in the demo data: fixtures/cast.md\n"
        )
        _serve(database, host, port, dev=True, dev_auth=True, token=token)
    finally:
        if started_here and cluster is not None and cluster.stop():
            err.print("grunndata: stopped the embedded PostgreSQL this demo started.")
