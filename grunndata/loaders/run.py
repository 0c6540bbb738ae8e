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
from grunndata.loaders import journal
from grunndata.loaders.formats import LoadContext, SourceFormat, WriteCounts, by_name, detect
from grunndata.loaders.report import Finding, RejectWriter, Report
from grunndata.loaders.sources import CountingReader, SourceFile, expand

PROGRESS_EVERY = 1000
log = logging.getLogger(__name__)


class Mode(enum.Enum):
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
    paths: Sequence[Path], formats: Sequence[SourceFormat], forced: str | None
) -> tuple[list[_Planned], list[str]]:
    """Files with their formats, in load order. A file in a directory that no format
    recognises is skipped (and named); a file named on the command line is not."""
    given, found = expand(paths)
    forced_format = by_name(formats, forced) if forced else None
    if forced and forced_format is None:
        raise SourceError(f"unknown format {forced!r} (known formats: {_known(formats)})")
    planned: list[_Planned] = []
    skipped: list[str] = []
    for source in [*given, *found]:
        try:
            if source.problem:
                raise SourceError(source.problem)
            item = _Planned(source, forced_format or detect(source, formats))
        except SourceError as exc:
            item = _Planned(source, None, exc.message)
        if item.format is None and item.problem is None:
            if source in found:
                skipped.append(source.name)
                continue
            item = _Planned(source, None, f"{source.name}: not a format grunndata knows "
                                          f"(known: {_known(formats)})")  # fmt: skip
        planned.append(item)
    order = {id(f): f.order for f in formats}
    planned.sort(key=lambda item: order.get(id(item.format), -1))
    return planned, skipped


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
) -> RunOutcome:
    planned, skipped = _planned(paths, formats, format_name)
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
            context = LoadContext(source=item.source, report=report, given=given or {})
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
    outcome = FileOutcome(source.name, source_format.name, 0, "loaded")
    journal_id: int | None = None
    try:
        if mode is Mode.VALIDATE or database is None:
            _read_only(source, source_format, context, progress)
            outcome.status = "valid"
        else:
            if mode is Mode.LOAD:
                journal_id = journal.begin(database, source, source_format)
            _load(source, source_format, context, database, mode, journal_id, progress, outcome)
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
        outcome.findings = report.first
        if outcome.exit_code == 0 and report.rejected:
            outcome.exit_code, outcome.status = 1, "partial"
        if journal_id is not None and database is not None:
            journal.end(database, journal_id, _ending(outcome, context))
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
            outcome.load_id = journal_id if mode is Mode.LOAD else None
            if mode is Mode.DRY_RUN:
                outcome.status = "dry-run"
                raise psycopg.Rollback(transaction)
        context.sha256 = counter.sha256
