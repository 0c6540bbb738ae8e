"""``grunndata loads``: the load journal, listed (a table, tab-separated or JSON), and
``grunndata loads repair`` for loads whose process died."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Annotated

import typer
from rich.table import Table

from grunndata.cli.base import app, err, out
from grunndata.config import Settings
from grunndata.db.database import Database, open_database
from grunndata.errors import GrunndataError
from grunndata.loaders import journal

loads_app = typer.Typer(
    help="The load journal: every load, its source, checksum, extract time and counts.",
    epilog="Examples:  grunndata loads --since 2026-01-01 --register matrikkel   |   "
    "grunndata loads --json | jq '.[0]'   |   grunndata loads repair",
    invoke_without_command=True,
    no_args_is_help=False,
)
app.add_typer(loads_app, name="loads")

COLUMNS = ("id", "started", "status", "register", "format", "source", "ins", "sup", "unch",
           "ended", "rej", "warn", "reverted")  # fmt: skip


def _reverted(entry: journal.JournalEntry) -> str:
    """Who reverted a load, and when (or which load a revert reverts)."""
    if entry.reverts is not None:
        return f"reverts {entry.reverts}"
    if entry.reverted_by is None:
        return ""
    when = f" {entry.reverted_at:%Y-%m-%d %H:%M:%S}" if entry.reverted_at else ""
    return f"by {entry.reverted_by}{when} ({entry.reverted_by_user or 'unknown user'})"


def _since(value: str | None) -> datetime | None:
    if value is None:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise GrunndataError(
            f"--since {value!r}: not a date or time (use 2026-01-31 or 2026-01-31T12:00)"
        ) from None
    return moment if moment.tzinfo else moment.astimezone()  # local time, as typed


def _migrated() -> Database | None:
    from grunndata.db import migrate

    database = open_database(Settings.from_env())
    if migrate.current_revision(database) is None:
        out.print("No loads yet: the database has no grunndata schema (`grunndata db upgrade`).")
        return None
    return database


@loads_app.callback()
def loads(
    ctx: typer.Context,
    limit: Annotated[int, typer.Option(help="How many of the newest loads.")] = 50,
    since: Annotated[
        str | None, typer.Option(help="Only loads started at or after this date or time.")
    ] = None,
    register: Annotated[str | None, typer.Option(help="Only loads of this register.")] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Every field of every load, as a JSON array.")
    ] = False,
) -> None:
    """List past loads, newest first: status, register, format, source and counts.

    On a terminal a table; piped, one tab-separated line per load with nothing cut;
    --json gives every field the journal holds (absolute source path, sha256, extract
    time, times, counts, message, and for a reverted load the revert, when and by whom).
    """
    if ctx.invoked_subcommand is not None:
        return
    only = journal.Filter(limit, _since(since), register)
    database = _migrated()
    if database is None:
        return
    if as_json:
        out.print_json(json.dumps(journal.journal_rows(database, only), ensure_ascii=False))
        return
    entries = journal.journal(database, only=only)
    rows = [
        (str(e.id), f"{e.started_at:%Y-%m-%d %H:%M:%S}", e.status, e.register or "",
         e.format or "", e.source, str(e.inserted), str(e.superseded), str(e.unchanged),
         str(e.ended), str(e.rejected), str(e.warnings), _reverted(e))
        for e in entries
    ]  # fmt: skip
    if not out.is_terminal:  # piped: whole values, one line each, for cut/awk
        for row in [COLUMNS, *rows]:
            print("\t".join(row))
        if not rows:
            err.print("No loads yet.")
        return
    table = Table(*COLUMNS)
    for row in rows:
        table.add_row(*row)
    out.print(table if entries else "No loads yet.")


@loads_app.command(epilog="Example:  grunndata loads repair")
def repair() -> None:
    """Mark as `aborted` the loads left `running` by a process that died.

    A running load holds a lock in the database for as long as its process lives; a
    `running` load whose lock is free died (killed, crashed, or cut off from the
    database), and its transaction was rolled back. Every new load repairs too.
    """
    database = _migrated()
    if database is None:
        return
    aborted = journal.repair(database)
    if aborted:
        out.print(f"Marked aborted: {', '.join(map(str, aborted))}.")
    else:
        out.print("No load was left running by a process that died.")


@loads_app.command(epilog="Example:  grunndata loads rejects 42 --json")
def rejects(
    load_id: Annotated[int, typer.Argument(help="The load's id (`grunndata loads`).")],
    as_json: Annotated[bool, typer.Option("--json", help="As a JSON array.")] = False,
) -> None:
    """The records a load rejected: location, reason and, for a batch of a followed
    feed, the event's sequence number (at most the first 10 000 of a load)."""
    database = _migrated()
    if database is None:
        return
    found = journal.rejects(database, load_id)
    if as_json:
        keys = ("location", "reason", "sekvensnummer")
        out.print_json(json.dumps([dict(zip(keys, r, strict=True)) for r in found]))
        return
    for location, reason, sequence in found:
        print("\t".join((location, "" if sequence is None else str(sequence), reason)))
    if not found:
        err.print(f"Load {load_id} rejected nothing (or there is no such load).")
