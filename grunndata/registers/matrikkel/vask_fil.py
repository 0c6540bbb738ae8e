"""``grunndata adressevask``: a CSV or JSON Lines file washed into another, with progress
and a summary. The output is written to a temporary file beside it and renamed at the
end, so a failed run leaves no half file."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

from psycopg import AsyncConnection
from rich.console import Console
from rich.progress import Progress

from grunndata.errors import InvalidArgument
from grunndata.registers.matrikkel.vask_bulk import LineSplitter, Oppsummering, Tabell, vask_linjer

CHUNK = 1 << 20


def kolonneliste(kolonne: str | None, kolonner: str | None) -> list[str]:
    """The columns the address is read from: one (``--kolonne``) or several joined in order
    (``--kolonner gate,nummer,postnummer``)."""
    if (kolonne is None) == (kolonner is None):
        raise InvalidArgument("give exactly one of --kolonne and --kolonner")
    if kolonne is not None:
        return [kolonne]
    return [k.strip() for k in (kolonner or "").split(",") if k.strip()]


def vask_fil(database_url: str, infil: Path, kolonner: list[str], utfil: Path, epsg: int,
             console: Console) -> Oppsummering:  # fmt: skip
    jsonl = infil.suffix.lower() in (".jsonl", ".ndjson")
    table = Tabell(jsonl, kolonner, infil.name)
    partial = utfil.with_name(utfil.name + ".part")

    async def run() -> None:
        async with await AsyncConnection.connect(database_url, autocommit=True) as conn:
            with infil.open("rb") as source, partial.open("w", encoding="utf-8") as target, \
                    Progress(console=console, transient=True) as progress:  # fmt: skip
                task = progress.add_task(f"vasker {infil.name}", total=infil.stat().st_size)

                async def lines() -> AsyncIterator[bytes | None]:
                    splitter = LineSplitter()
                    while chunk := source.read(CHUNK):
                        progress.update(task, completed=source.tell())
                        for line in splitter.feed(chunk):
                            yield line
                    for line in splitter.end():
                        yield line

                async for line in vask_linjer(conn, table, lines(), epsg):
                    target.write(line)

    try:
        asyncio.run(run())
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    partial.replace(utfil)
    return table.summary
