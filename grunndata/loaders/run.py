"""Running a load: ``grunndata load`` and ``grunndata validate`` call ``run``.

Each file is one transaction: it loads whole or not at all, and is committed before the
next begins. Every load is journalled in ``felles.load`` (on a connection of its own, so a
failed load is recorded too) and every version it writes carries its id. Loads of one
register take an advisory lock for that register, so two loads running at once of the
same or overlapping files leave the same data as running them one after the other.

Exit codes: 0 everything loaded (warnings allowed); 1 records were rejected, the rest
loaded; 2 nothing was written (unreadable or malformed file, database failure).
"""

from __future__ import annotations

import enum
import logging
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import psycopg

from grunndata.db.database import Database, connect
from grunndata.errors import DatabaseUnavailable, SourceError
from grunndata.feed import publish
from grunndata.loaders import journal, nearmiss
from grunndata.loaders.complete import Completeness
from grunndata.loaders.formats import LoadContext, SourceFormat, WriteCounts, by_name, detect
from grunndata.loaders.report import Finding, Group, RejectWriter, Report
from grunndata.loaders.sources import CountingReader, SourceFile, expand

PROGRESS_EVERY = 1000
#: Files in a directory ignored by name: documentation beside the data (``fixtures/``).
DOCUMENTATION = (".md",)
log = logging.getLogger(__name__)


class Mode(enum.Enum):
    """``LOAD`` commits; ``DRY_RUN`` and ``VALIDATE`` do the same work with the same checks
    and roll back (without a database, ``VALIDATE`` runs the readers' checks alone)."""

    LOAD = "load"
    DRY_RUN = "dry-run"
    VALIDATE = "validate"


class Progress(Protocol):
    def begin(self, source: SourceFile, total_bytes: int) -> None: ...
    def advance(self, bytes_read: int, records: int) -> None: ...
    def end(self) -> None: ...


class NoProgress:
    def begin(self, source: SourceFile, total_bytes: int) -> None:
        pass

    def advance(self, bytes_read: int, records: int) -> None:
        pass

    def end(self) -> None:
        pass


@dataclass
class FileOutcome:
    source: str
    format: str | None
    exit_code: int
    status: str
    load_id: int | None = None
    records: int = 0
    counts: WriteCounts = field(default_factory=WriteCounts)
    rejected: int = 0
    warnings: int = 0
    message: str | None = None
    findings: list[Finding] = field(default_factory=list)
    groups: list[Group] = field(default_factory=list)
    """Every finding counted by severity and kind, the commonest first."""
    checked_database: bool = False
    """Whether the database's checks ran (a load, a dry run, a validation with a database)."""


@dataclass
class RunOutcome:
    files: list[FileOutcome]
    skipped: list[str] = field(default_factory=list)

    @property
    def exit_code(self) -> int:
        """The worst of the files; 2 when there was nothing to load (nothing was written)."""
        return max((f.exit_code for f in self.files), default=2)


def register_lock_key(register: str) -> str:
    return f"grunndata.load.{register}"


@dataclass(frozen=True)
class _Planned:
    source: SourceFile
    format: SourceFormat | None
    problem: str | None = None


def _planned(
    paths: Sequence[Path],
    formats: Sequence[SourceFormat],
    forced: str | None,
    skip_unknown: bool = False,
) -> tuple[list[_Planned], list[str]]:
    """Files with their formats, in load order. A file that no format recognises fails
    with the reason (a near miss names the format and the field), whether named or found
    in a directory; in a directory, ``*.md`` files are documentation and left out by name,
    and ``skip_unknown`` leaves out the others too (they are named in the skipped list)."""
    given, found = expand(paths)
    forced_format = by_name(formats, forced) if forced else None
    if forced and forced_format is None:
        raise SourceError(f"unknown format {forced!r} (known formats: {_known(formats)})")
    planned: list[_Planned] = []
    skipped: list[str] = []
    for source in [*given, *found]:
        if source in found and source.inner_name.lower().endswith(DOCUMENTATION):
            continue
        try:
            if source.problem:
                raise SourceError(source.problem)
            item = _Planned(source, forced_format or detect(source, formats))
        except SourceError as exc:
            item = _Planned(source, None, exc.message)
        if item.format is None and item.problem is None:
            if source in found and skip_unknown:
                skipped.append(source.name)
                continue
            item = _Planned(source, None, _unknown(source, formats))
        planned.append(item)
    order = {id(f): f.order for f in formats}
    planned.sort(key=lambda item: order.get(id(item.format), -1))
    return planned, skipped


def _unknown(source: SourceFile, formats: Sequence[SourceFormat]) -> str:
    near = nearmiss.explain(source, formats)
    if near:
        return f"{source.name}: not loaded: it {near}"
    return f"{source.name}: not a format grunndata knows (known: {_known(formats)})"


def _known(formats: Sequence[SourceFormat]) -> str:
    return ", ".join(sorted(f.name for f in formats)) or "none yet"


def run(
    paths: Sequence[Path],
    *,
    formats: Sequence[SourceFormat],
    database: Database | None,
    mode: Mode = Mode.LOAD,
    format_name: str | None = None,
    reject_file: Path | None = None,
    progress: Progress | None = None,
    given: Mapping[str, str] | None = None,
    skip_unknown: bool = False,
    complete: Completeness | None = None,
) -> RunOutcome:
    planned, skipped = _planned(paths, formats, format_name, skip_unknown)
    progress = progress or NoProgress()
    outcomes: list[FileOutcome] = []
    try:
        reject_handle = reject_file.open("w", newline="", encoding="utf-8") if reject_file else None
    except OSError as exc:
        raise SourceError(f"cannot write the reject file {reject_file}: {exc.strerror}") from None
    try:
        writer = RejectWriter(reject_handle) if reject_handle else None
        for item in planned:
            if item.format is None:
                outcomes.append(
                    FileOutcome(item.source.name, None, 2, "failed", message=item.problem)
                )
                continue
            report = Report(item.source.name, writer)
            context = LoadContext(
                source=item.source, report=report, given=given or {}, complete=complete
            )
            outcomes.append(_one(context, item.format, database, mode, progress))
    finally:
        if reject_handle:
            reject_handle.close()
    return RunOutcome(outcomes, skipped)


def _one(
    context: LoadContext,
    source_format: SourceFormat,
    database: Database | None,
    mode: Mode,
    progress: Progress,
) -> FileOutcome:
    source, report = context.source, context.report
    status = {Mode.LOAD: "loaded", Mode.DRY_RUN: "dry-run", Mode.VALIDATE: "valid"}[mode]
    outcome = FileOutcome(source.name, source_format.name, 0, status)
    running: journal.Running | None = None
    try:
        if context.complete is not None and not hasattr(source_format, "complete_scope"):
            raise SourceError(
                f"{source.name}: {source_format.name} files cannot be declared complete "
                "(--complete, --complete-for)"
            )
        if database is None:
            _read_only(source, source_format, context, progress)
        else:
            if mode is Mode.LOAD:
                running = journal.begin(database, source, source_format)
            journal_id = running.id if running else None
            _load(source, source_format, context, database, mode, journal_id, progress, outcome)
            outcome.checked_database = True
    except (SourceError, DatabaseUnavailable) as exc:
        outcome.exit_code, outcome.status, outcome.message = 2, "failed", exc.message
    except psycopg.Error as exc:
        detail = exc.diag.message_primary or type(exc).__name__
        outcome.exit_code, outcome.status = 2, "failed"
        outcome.message = f"{source.name}: the database refused the load: {detail}"
    except Exception as exc:  # a reader's bug must not stop the other files of a run
        log.exception("unexpected error loading %s with %s", source.name, source_format.name)
        outcome.exit_code, outcome.status = 2, "failed"
        outcome.message = (
            f"{source.name}: loading it as {source_format.name} failed unexpectedly "
            f"({type(exc).__name__}: {exc}); nothing from it was written"
        )
    except BaseException:  # Ctrl-C and the like: journalled as failed, then passed on
        outcome.exit_code, outcome.status = 2, "failed"
        outcome.message = f"{source.name}: interrupted; nothing from it was written"
        raise
    finally:
        progress.end()
        outcome.records = context.records_read
        outcome.rejected, outcome.warnings = report.rejected, report.warnings
        outcome.findings, outcome.groups = report.first, report.groups
        if outcome.exit_code == 0 and report.rejected:
            outcome.exit_code = 1
            if mode is Mode.LOAD:
                outcome.status = "partial"
        if running is not None and database is not None:
            journal.end(database, running, _ending(outcome, context))
    return outcome


def _ending(outcome: FileOutcome, context: LoadContext) -> journal.Ending:
    return journal.Ending(
        status={0: "loaded", 1: "partial"}.get(outcome.exit_code, "failed"),
        counts=outcome.counts,
        rejected=outcome.rejected,
        warnings=outcome.warnings,
        message=outcome.message,
        sha256=context.sha256,
        extract_date=context.extract_date,
        extract_kind=context.extract_kind,
        rejects=context.report.journalled,
    )


def _counted(
    records: Iterable[Any], context: LoadContext, counter: CountingReader, progress: Progress
) -> Iterator[Any]:
    for record in records:
        context.records_read += 1
        if context.records_read % PROGRESS_EVERY == 0:
            progress.advance(counter.bytes_read, context.records_read)
        yield record
    progress.advance(counter.bytes_read, context.records_read)


def _read_only(
    source: SourceFile, source_format: SourceFormat, context: LoadContext, progress: Progress
) -> None:
    progress.begin(source, source.size)
    with source.open() as (stream, counter):
        for _ in _counted(source_format.read(stream, context), context, counter, progress):
            pass


def _load(
    source: SourceFile,
    source_format: SourceFormat,
    context: LoadContext,
    database: Database,
    mode: Mode,
    journal_id: int | None,
    progress: Progress,
    outcome: FileOutcome,
) -> None:
    progress.begin(source, source.size)
    with connect(database.app_url) as conn, source.open() as (stream, counter):
        with conn.transaction() as transaction:
            conn.execute(
                "SELECT pg_advisory_xact_lock(hashtext(%s))",
                [register_lock_key(source_format.register)],
            )
            if journal_id is None:  # dry run: journal inside the transaction, rolled back
                journal_id = journal.insert(conn, source, source_format)
            conn.execute(
                "UPDATE felles.load SET locked_at = clock_timestamp() WHERE id = %s", [journal_id]
            )
            context.load_id = journal_id
            records = _counted(source_format.read(stream, context), context, counter, progress)
            outcome.counts = source_format.write(conn, records, context)
            if mode is Mode.LOAD:  # its events, numbered last (``grunndata.feed``)
                publish.publish_load(conn, source_format.register, journal_id)
            outcome.load_id = journal_id if mode is Mode.LOAD else None
            if mode is not Mode.LOAD:  # a dry run or a validation: everything, then undone
                raise psycopg.Rollback(transaction)
        context.sha256 = counter.sha256
