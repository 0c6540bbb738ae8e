"""``grunndata load`` and ``validate``: register files in, a summary out."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.progress import Progress, TaskID

from grunndata.cli.base import NoMigrate, app, database_for, err, formats, out
from grunndata.config import Settings
from grunndata.db.database import Database, open_database
from grunndata.errors import GrunndataError
from grunndata.loaders import extract_order
from grunndata.loaders.complete import Completeness
from grunndata.loaders.run import FileOutcome, Mode, RunOutcome, run
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
HistoricalOpt = Annotated[
    bool,
    typer.Option(
        "--historical",
        help="Records older than the extract stored for their entity become history only "
        "(versions true at that time, never current) instead of rejected records.",
    ),
]
CompleteOpt = Annotated[
    bool,
    typer.Option(
        "--complete",
        help="The file holds every entity its format covers (Brønnøysund's lastned "
        "totalbestand): stored ones it lacks end at its extract time.",
    ),
]
CompleteForOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--complete-for",
        help="The file holds every entity of this scope, e.g. kommune=4204 (Kartverket's "
        "per-kommune address file): stored ones of the scope it lacks end.",
    ),
]
MassEndOpt = Annotated[
    bool,
    typer.Option(
        "--allow-mass-end",
        help="Let a complete file end more than 5 % of its scope (refused otherwise: a "
        "truncated download looks like that).",
    ),
]
SkipUnknownOpt = Annotated[
    bool,
    typer.Option(
        "--skip-unknown",
        help="In a directory, skip files of no known format instead of failing on them "
        "(*.md files are always left out).",
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


#: Kinds of findings shown per file on screen; the reject file has every finding.
SHOWN_KINDS = 5


def count(n: int) -> str:
    """``21307`` as ``21 307``."""
    return f"{n:,}".replace(",", " ")


def _changes(file: FileOutcome) -> str:
    c = file.counts
    if file.status == "loaded" or file.status == "partial":
        return f", inserted {c.inserted}, superseded {c.superseded}, unchanged {c.unchanged}"
    if file.checked_database:
        return (
            f", would insert {c.inserted}, would supersede {c.superseded}, unchanged {c.unchanged}"
        )
    return ""


def print_outcome(outcome: RunOutcome) -> None:
    for skipped in outcome.skipped:
        err.print(
            f"[dim]skipped {escape(skipped)}: not a format grunndata knows (--skip-unknown)[/]"
        )
    if not outcome.files:
        out.print("[red]✗[/] nothing to load: no file given is of a format grunndata knows")
    for file in outcome.files:
        mark = {0: "[green]✓[/]", 1: "[yellow]![/]"}.get(file.exit_code, "[red]✗[/]")
        if file.message:
            out.print(f"{mark} {escape(file.message)}")
            continue
        load = f" [dim](load {file.load_id})[/]" if file.load_id else ""
        rejected = "rejected" if file.status in ("loaded", "partial") else "would reject"
        out.print(
            f"{mark} {escape(file.source)} ({file.format}) {file.status}: {file.records} records"
            f"{_changes(file)}, {rejected} {file.rejected}, warnings {file.warnings}{load}"
        )
        for group in file.groups[:SHOWN_KINDS]:
            first = group.first
            if group.count == 1:
                line = f"    {first.severity} at {first.location}: {first.reason}"
            else:
                line = (
                    f"    {count(group.count)} × {first.severity}: {group.kind} "
                    f"(first at {first.location}: {first.reason})"
                )
            out.print(line, markup=False)
        hidden = sum(g.count for g in file.groups[SHOWN_KINDS:])
        if hidden:
            out.print(f"    … and {count(hidden)} more of other kinds (see --reject-file)")


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
    historical: HistoricalOpt = False,
    skip_unknown: SkipUnknownOpt = False,
    complete: CompleteOpt = False,
    complete_for: CompleteForOpt = None,
    allow_mass_end: MassEndOpt = False,
    no_migrate: NoMigrate = False,
) -> None:
    """Load register files into the database, each file in one transaction.

    Formats are detected from each file's name and first bytes. A directory loads every
    file in it, in an order that satisfies cross-references; a file in it of no known
    format is an error (exit 2) unless --skip-unknown. Exit code: 0 all loaded,
    1 some records rejected (the rest loaded), 2 a file was not loaded.
    """
    require(paths)  # a mistyped path is reported before any database is started
    declared = Completeness.declared(complete, complete_for or [], allow_mass_end)
    database = database_for(no_migrate=no_migrate)
    mode = Mode.DRY_RUN if dry_run else Mode.LOAD
    given = _given(extract_time, historical)
    _run_and_exit(
        paths, database, mode, format_name, reject_file, organisasjonsnummer, given,
        skip_unknown, declared,
    )  # fmt: skip


@app.command(epilog="Example:  grunndata validate enheter.json.gz --reject-file rejects.csv")
def validate(
    paths: PathsArg,
    format_name: FormatOpt = None,
    reject_file: RejectOpt = None,
    organisasjonsnummer: OrgnrOpt = None,
    extract_time: ExtractTimeOpt = None,
    historical: HistoricalOpt = False,
    skip_unknown: SkipUnknownOpt = False,
    complete: CompleteOpt = False,
    complete_for: CompleteForOpt = None,
    allow_mass_end: MassEndOpt = False,
) -> None:
    """Check register files as `load --dry-run` does: every check, nothing kept.

    With a database reachable (GRUNNDATA_DATABASE_URL, or the embedded cluster when it
    runs) and at the schema this version expects, the files are loaded and rolled back,
    so the checks against stored data run too and the summary says what would be inserted
    and superseded. Without one, the files' own checks run and the summary says which
    checks were skipped. It never starts a database or applies migrations.
    """
    require(paths)
    declared = Completeness.declared(complete, complete_for or [], allow_mass_end)
    database, why_not = reachable_database()
    if database is None:
        err.print(
            f"[yellow]no database checks:[/] {escape(why_not or '')}; skipped the checks that "
            "need stored data (references to stored entities, identity and extract-order "
            "rules, what would be inserted or superseded)"
        )
    _run_and_exit(
        paths, database, Mode.VALIDATE, format_name, reject_file, organisasjonsnummer,
        _given(extract_time, historical), skip_unknown, declared,
    )  # fmt: skip


def _given(extract_time: str | None, historical: bool) -> dict[str, str]:
    """What the command line says that the files may not: their extract time, and
    whether older records are history only."""
    given = {"extract_time": extract_time} if extract_time else {}
    return given | ({extract_order.HISTORICAL: "yes"} if historical else {})


def reachable_database() -> tuple[Database | None, str | None]:
    """The configured database when it answers and is at this version's schema, else
    None and why not. Starts nothing and migrates nothing."""
    try:
        from grunndata.db import migrate

        database = open_database(Settings.from_env(), start=False)
        current, head = migrate.current_revision(database), migrate.head_revision()
    except GrunndataError as exc:
        return None, f"no database reachable ({exc.message})"
    if current != head:
        return None, (
            f"the database is at schema revision {current or 'none'}, this version expects "
            f"{head} (`grunndata db upgrade`)"
        )
    return database, None


def _run_and_exit(
    paths: list[Path],
    database: Database | None,
    mode: Mode,
    format_name: str | None,
    reject_file: Path | None,
    organisasjonsnummer: str | None = None,
    given: dict[str, str] | None = None,
    skip_unknown: bool = False,
    complete: Completeness | None = None,
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
        skip_unknown=skip_unknown,
        complete=complete,
    )
    print_outcome(outcome)
    raise typer.Exit(outcome.exit_code)
