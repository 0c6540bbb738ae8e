"""``grunndata load``, ``validate`` and ``loads``: files in, the journal out."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.progress import Progress, TaskID
from rich.table import Table

from grunndata.cli.base import NoMigrate, app, database_for, err, formats, out
from grunndata.config import Settings
from grunndata.db import migrate
from grunndata.db.database import Database, open_database
from grunndata.loaders.journal import journal
from grunndata.loaders.run import Mode, RunOutcome, run
from grunndata.loaders.sources import SourceFile, require

PathsArg = Annotated[list[Path], typer.Argument(help="Files, .gz, .zip or directories.")]
FormatOpt = Annotated[
    str | None, typer.Option("--format", help="Skip detection: read every file as this format.")
]
OrgnrOpt = Annotated[
    str | None,
    typer.Option(
        "--organisasjonsnummer",
        help="The unit a roles document speaks for, when the file does not say "
        "(no _links.enhet.href).",
    ),
]
ExtractTimeOpt = Annotated[
    str | None,
    typer.Option(
        "--extract-time",
        help="When the files were extracted, for files that do not say (Brønnøysund's); "
        "ISO 8601, Norwegian time without an offset. Default: each file's modification time.",
    ),
]
RejectOpt = Annotated[
    Path | None,
    typer.Option("--reject-file", help="Write every reject and warning to this CSV file."),
]


class _RichProgress:
    """A progress bar on a terminal; a line every 10 seconds otherwise (logs, CI)."""

    def __init__(self) -> None:
        self._bar: Progress | None = None
        self._task: TaskID | None = None
        self._last = 0.0
        self._source = ""
        self._total = 0

    def begin(self, source: SourceFile, total_bytes: int) -> None:
        self._source, self._total, self._last = source.name, total_bytes, time.monotonic()
        if err.is_terminal:
            bar = Progress(console=err, transient=True)
            bar.start()
            self._task = bar.add_task(source.name, total=total_bytes or None)
            self._bar = bar

    def advance(self, bytes_read: int, records: int) -> None:
        if self._bar is not None and self._task is not None:
            self._bar.update(self._task, completed=bytes_read, description=f"{records} records")
        elif time.monotonic() - self._last > 10:
            self._last = time.monotonic()
            share = f" ({100 * bytes_read / self._total:.0f} %)" if self._total else ""
            err.print(f"  {self._source}: {records} records{share}")

    def end(self) -> None:
        if self._bar is not None:
            self._bar.stop()
            self._bar = None


#: Findings shown per file on screen; the reject file has them all.
SHOWN_FINDINGS = 5


def print_outcome(outcome: RunOutcome) -> None:
    for skipped in outcome.skipped:
        err.print(f"[dim]skipped {escape(skipped)}: not a format grunndata knows[/]")
    if not outcome.files:
        out.print("[red]✗[/] nothing to load: no file given is of a format grunndata knows")
    for file in outcome.files:
        mark = {0: "[green]✓[/]", 1: "[yellow]![/]"}.get(file.exit_code, "[red]✗[/]")
        if file.message:
            out.print(f"{mark} {escape(file.message)}")
            continue
        c = file.counts
        load = f" [dim](load {file.load_id})[/]" if file.load_id else ""
        changes = (
            f", inserted {c.inserted}, superseded {c.superseded}, unchanged {c.unchanged}"
            if file.status != "valid"
            else ""
        )
        out.print(
            f"{mark} {escape(file.source)} ({file.format}) {file.status}: {file.records} records"
            f"{changes}, rejected {file.rejected}, warnings {file.warnings}{load}"
        )
        for finding in file.findings[:SHOWN_FINDINGS]:
            out.print(
                f"    {finding.severity} at {finding.location}: {finding.reason}", markup=False
            )
        shown = min(len(file.findings), SHOWN_FINDINGS)
        if file.rejected + file.warnings > shown:
            out.print(f"    … and {file.rejected + file.warnings - shown} more (see --reject-file)")


@app.command(
    epilog="Examples:  grunndata load fixtures/   |   grunndata load enheter.json.gz "
    "--reject-file rejects.csv   |   grunndata load --dry-run adresser.zip"
)
def load(
    paths: PathsArg,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Do everything, then roll back: nothing is kept.")
    ] = False,
    format_name: FormatOpt = None,
    reject_file: RejectOpt = None,
    organisasjonsnummer: OrgnrOpt = None,
    extract_time: ExtractTimeOpt = None,
    no_migrate: NoMigrate = False,
) -> None:
    """Load register files into the database, each file in one transaction.

    Formats are detected from each file's name and first bytes. A directory loads every
    file in it, in an order that satisfies cross-references. Exit code: 0 all loaded,
    1 some records rejected (the rest loaded), 2 nothing written.
    """
    require(paths)  # a mistyped path is reported before any database is started
    database = database_for(no_migrate=no_migrate)
    mode = Mode.DRY_RUN if dry_run else Mode.LOAD
    given = {"extract_time": extract_time} if extract_time else {}
    _run_and_exit(paths, database, mode, format_name, reject_file, organisasjonsnummer, given)


@app.command(epilog="Example:  grunndata validate enheter.json.gz --reject-file rejects.csv")
def validate(
    paths: PathsArg,
    format_name: FormatOpt = None,
    reject_file: RejectOpt = None,
    organisasjonsnummer: OrgnrOpt = None,
) -> None:
    """Check register files as `load` would, without a database and without writing."""
    _run_and_exit(paths, None, Mode.VALIDATE, format_name, reject_file, organisasjonsnummer)


def _run_and_exit(
    paths: list[Path],
    database: Database | None,
    mode: Mode,
    format_name: str | None,
    reject_file: Path | None,
    organisasjonsnummer: str | None = None,
    given: dict[str, str] | None = None,
) -> None:
    given = dict(given or {})
    if organisasjonsnummer:
        given["organisasjonsnummer"] = organisasjonsnummer
    outcome = run(
        paths,
        formats=formats(),
        database=database,
        mode=mode,
        format_name=format_name,
        reject_file=reject_file,
        progress=_RichProgress(),
        given=given,
    )
    print_outcome(outcome)
    raise typer.Exit(outcome.exit_code)


@app.command(epilog="Example:  grunndata loads --limit 10")
def loads(
    limit: Annotated[int, typer.Option(help="How many of the newest loads.")] = 50,
) -> None:
    """List past loads with their counts of inserted, superseded, unchanged and rejected."""
    database = open_database(Settings.from_env())
    if migrate.current_revision(database) is None:
        out.print("No loads yet: the database has no grunndata schema (`grunndata db upgrade`).")
        return
    entries = journal(database, limit)
    table = Table(
        "id", "started", "status", "source", "format", "ins", "sup", "unch", "rej", "warn"
    )
    for e in entries:
        table.add_row(
            str(e.id), f"{e.started_at:%Y-%m-%d %H:%M:%S}", e.status, e.source, e.format or "",
            str(e.inserted), str(e.superseded), str(e.unchanged), str(e.rejected), str(e.warnings),
        )  # fmt: skip
    out.print(table if entries else "No loads yet.")
