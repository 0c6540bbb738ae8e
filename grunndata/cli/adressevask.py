"""``grunndata adressevask``: a file's addresses washed against Matrikkelen."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from grunndata.cli.base import app, database_for, err, out


@app.command(epilog="Example:  grunndata adressevask kunder.csv --kolonne adresse --out vasket.csv")
def adressevask(
    infil: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="CSV or .jsonl")],
    out_file: Annotated[Path, typer.Option("--out", help="Where the washed rows go.")],
    kolonne: Annotated[str | None, typer.Option(help="The column holding the address.")] = None,
    kolonner: Annotated[
        str | None, typer.Option(help="Columns joined into the address: gate,nummer,postnummer")
    ] = None,
    epsg: Annotated[int, typer.Option(help="EPSG code of the x/y written.")] = 25833,
) -> None:
    """Wash the addresses of a file against Matrikkelen (docs/adressevask.md)."""
    from grunndata.registers.matrikkel import vask_fil

    columns = vask_fil.kolonneliste(kolonne, kolonner)
    summary = vask_fil.vask_fil(database_for().app_url, infil, columns, out_file, epsg, err)
    if summary.windows_1252:
        err.print(f"[yellow]warning:[/] {escape(infil.name)} is not UTF-8; read as Windows-1252")
    out.print(f"{out_file}: {summary.tekst()}", markup=False)
