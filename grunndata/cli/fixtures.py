"""``grunndata fixtures …``: coherent synthetic data for every register."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import typer

from grunndata.cli.base import app, out
from grunndata.errors import GrunndataError

fixtures_app = typer.Typer(
    help="Make coherent synthetic data for all registers.",
    epilog="Example:  grunndata fixtures generate --persons 1000 --seed 1 --out /tmp/norge",
    no_args_is_help=True,
)
app.add_typer(fixtures_app, name="fixtures")


@fixtures_app.command(
    "generate",
    epilog="Example:  grunndata fixtures generate --persons 10000 --seed 1 --out /tmp/norge "
    "&& grunndata load /tmp/norge",
)
def fixtures_generate(
    persons: Annotated[int, typer.Option("--persons", min=1, help="How many persons.")],
    out_dir: Annotated[Path, typer.Option("--out", help="Folder to write (made if missing).")],
    seed: Annotated[int, typer.Option("--seed", help="Same seed, same bytes.")] = 0,
    gzipped: Annotated[
        bool, typer.Option("--gzip", help="Write each file gzip'ed (.gz): about 10x smaller.")
    ] = False,
) -> None:
    """Write persons, addresses, properties and businesses that agree across registers,
    in the registers' own formats (Freg JSON, Kartverket CSV, teig GeoJSON, Matrikkel JSON
    Lines, Brønnøysund JSON), plus cast.md: who is who. Streams: flat memory at any size."""
    from grunndata.fixtures.generate import generate

    if out_dir.exists() and not out_dir.is_dir():
        raise GrunndataError(f"--out {out_dir}: exists and is not a folder")
    started = time.perf_counter()
    try:
        summary = generate(persons, seed, out_dir, gzipped=gzipped)
    except OSError as exc:
        raise GrunndataError(f"--out {out_dir}: cannot write: {exc.strerror or exc}") from None
    seconds = time.perf_counter() - started
    out.print(
        f"wrote {summary.persons} persons, {summary.adresser} addresses, "
        f"{summary.eiendommer} properties, {summary.enheter} enheter and "
        f"{summary.underenheter} underenheter to {out_dir} in {seconds:.1f} s "
        f"({summary.persons / max(seconds, 1e-9):,.0f} persons/s); who is who: "
        f"{out_dir / 'cast.md'}"
    )
