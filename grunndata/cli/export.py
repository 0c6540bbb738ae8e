"""``grunndata export REGISTER --out PATH --format …``: the current state in one file,
stamped with the change feed's sequence number (``grunndata.export``)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from grunndata.cli.base import app, database_for, out
from grunndata.config import Settings
from grunndata.db.database import log_database


@app.command(
    epilog="Examples:  grunndata export matrikkel --out oslo.gpkg --format gpkg --kommune 0301"
    "   |   grunndata export folkeregister --out personer.jsonl --format jsonl "
    "--scope folkeregister/offentligutenhjemmel --orgnr 974760673"
)
def export(
    register: Annotated[str, typer.Argument(help="The register (matrikkel, folkeregister, …).")],
    out_path: Annotated[Path, typer.Option("--out", help="The file to write (replaced whole).")],
    format: Annotated[str, typer.Option("--format", help="jsonl, csv, geojson or gpkg.")],
    kommune: Annotated[
        list[str] | None, typer.Option("--kommune", help="Only this kommune (repeatable).")
    ] = None,
    epsg: Annotated[
        int | None, typer.Option(help="The CRS of geojson (default 4326) or gpkg (25833).")
    ] = None,
    scope: Annotated[
        list[str] | None,
        typer.Option("--scope", help="A person export: the scopes of the token it stands for."),
    ] = None,
    orgnr: Annotated[
        str | None, typer.Option(help="A person export: the consumer's organisasjonsnummer.")
    ] = None,
    deler: Annotated[
        list[str] | None,
        typer.Option("--del", help="Only this entity (jsonl, csv) or layer (geojson, gpkg)."),
    ] = None,
) -> None:
    """Export a register's current state from one snapshot. The file records the change
    feed's last sequence number N in that snapshot (also printed): the export and the
    events after N (`GET /hendelser?etter=N`) together give the database's state."""
    from grunndata.export.check import Ask
    from grunndata.export.run import export as run_export

    settings = Settings.from_env()
    prefix = settings.security.scope_prefix
    ask = Ask(
        register, out_path, format.lower(), tuple(kommune or ()), epsg,
        tuple(s.removeprefix(prefix) for s in scope or ()), orgnr, tuple(deler or ()),
    )  # fmt: skip
    database = database_for()
    logs = log_database(settings)
    done = run_export(database.app_url, ask, log_url=logs.app_url if logs else None)
    counts = ", ".join(f"{name} {count}" for name, count in done.counts.items())
    out.print(f"exported {register} at sekvensnummer {done.stamp.sekvensnummer}: {counts} "
              f"→ {out_path}")  # fmt: skip
