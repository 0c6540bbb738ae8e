"""One followed batch, applied as a file is loaded: through the register's own source
format (``read`` then ``write``: the same validation and merge as ``grunndata load``), in
one transaction under the register's load lock, with the source's cursor moved in that
same transaction. The batch is a load in the journal (``felles.load``), with its source
and cursor range; a batch that fails is journalled as failed and writes nothing.
"""

from __future__ import annotations

import io
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg
from psycopg.types.json import Jsonb

from grunndata.db.database import Database, connect
from grunndata.errors import GrunndataError
from grunndata.feed import publish
from grunndata.kilder import state
from grunndata.loaders import journal
from grunndata.loaders.formats import LoadContext, SourceFormat, WriteCounts
from grunndata.loaders.report import Report
from grunndata.loaders.revert import batch_lock_key
from grunndata.loaders.run import register_lock_key
from grunndata.loaders.sources import SourceFile

_RECORD = re.compile(r"^record (\d+)")
_NUMBER = re.compile(r"(\d+)$")


class BatchFailed(GrunndataError):
    """The database refused a batch: nothing from it was written, the cursor is unchanged."""


class CursorMoved(GrunndataError):
    """The source's cursor was moved (a revert rewound it) after the batch was fetched."""


#: ``Batch.start`` when the follower does not say where it fetched from.
ANY_START = "\x00any"


@dataclass
class Batch:
    """What a follower fetched for one step of its cursor."""

    source: str
    """The followed source (``felles.kilde.navn``)."""
    label: str
    """How the journal and findings name the batch, e.g. ``freg feed 1001-2000``."""
    fmt: SourceFormat
    payload: bytes
    """The documents as the source gave them: a JSON array (or JSON Lines) the format reads."""
    fra: str | None
    til: str | None
    """The cursor range: the cursor becomes ``til`` when the batch commits."""
    locations: Sequence[str] = ()
    """What each record is, for findings (``seq 1042``): record N is ``locations[N-1]``."""
    warnings: list[tuple[str, str]] = field(default_factory=list)
    baseline: dict[str, Any] | None = None
    """The baseline's progress to store with the cursor (None: no baseline running)."""
    after: Callable[[psycopg.Connection, LoadContext], None] | None = None
    """More to write in the batch's transaction (e.g. units withdrawn)."""
    start: str | None = ANY_START
    """The cursor the batch was fetched from: if a revert has moved the cursor since, the
    batch is not applied (``CursorMoved``) and the follower fetches again."""


@dataclass(frozen=True)
class Applied:
    load_id: int
    counts: WriteCounts
    rejected: int
    warnings: int
    records: int
    findings: str | None = None
    """The first rejects and warnings, each naming its record as the source does."""
    merge_s: float = 0.0
    commit_s: float = 0.0
    """Seconds spent reading and merging, and committing (for the benchmark)."""


class _Located:
    """A report that names a record by what the source called it (the event's sequence
    number), before the record number the format gives."""

    def __init__(self, report: Report, locations: Sequence[str]) -> None:
        self._report, self._locations = report, locations

    def _event(self, location: str) -> str | None:
        match = _RECORD.match(location)
        if match and 0 < int(match[1]) <= len(self._locations):
            return self._locations[int(match[1]) - 1]
        return None

    def _where(self, location: str) -> str:
        event = self._event(location)
        return f"{event}, {location}" if event else location

    def reject(self, location: str, reason: str, kind: str | None = None) -> None:
        """Rejected, with the event's sequence number (the number its location ends in)."""
        number = _NUMBER.search(self._event(location) or "")
        sequence = int(number[1]) if number else None
        self._report.reject(self._where(location), reason, kind, sequence=sequence)

    def warn(self, location: str, reason: str, kind: str | None = None) -> None:
        self._report.warn(self._where(location), reason, kind)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._report, name)


def apply(database: Database, batch: Batch) -> Applied:
    """Apply ``batch`` whole or not at all; raises what stopped it (journalled as failed)."""
    source = SourceFile(Path(batch.label))
    report = Report(batch.label)
    context = LoadContext(source=source, report=_Located(report, batch.locations))  # type: ignore[arg-type]
    # The documents are the source's current state as fetched: that is the extract's time
    # (the extract-order rules compare it with what is stored; there is no file to stat).
    context.extract_date, context.extract_kind = datetime.now(UTC), "fetched"
    running = journal.begin(database, source, batch.fmt)
    journal_id = running.id
    counts = WriteCounts()
    started = time.perf_counter()
    try:
        with connect(database.app_url) as conn, conn.transaction():
            conn.execute(
                "SELECT pg_advisory_xact_lock(hashtext(%s))",
                [register_lock_key(batch.fmt.register)],
            )
            before = _start(conn, batch)
            conn.execute(
                "UPDATE felles.load SET locked_at = clock_timestamp(), kilde = %s, "
                "kilde_fra = %s, kilde_til = %s, kilde_for = %s WHERE id = %s",
                [batch.source, batch.fra, batch.til, Jsonb(before), journal_id],
            )
            context.load_id = journal_id
            for location, reason in batch.warnings:
                report.warn(location, reason)
            if batch.payload:
                records = batch.fmt.read(io.BytesIO(batch.payload), context)
                counts = batch.fmt.write(conn, _counted(records, context), context)
            if batch.after is not None:
                batch.after(conn, context)
            state.advance(
                conn, batch.source, batch.til, rejected=report.rejected, baseline=batch.baseline
            )
            publish.publish_load(conn, batch.fmt.register, journal_id)
            merged = time.perf_counter()
    except CursorMoved as exc:
        journal.end(database, running, _ending("failed", WriteCounts(), report, exc.message))
        raise
    except psycopg.Error as exc:
        detail = exc.diag.message_primary or type(exc).__name__
        message = f"{batch.label}: the database refused the batch: {detail}; nothing written"
        journal.end(database, running, _ending("failed", WriteCounts(), report, message))
        raise BatchFailed(message) from None
    except BaseException as exc:
        journal.end(database, running, _ending("failed", WriteCounts(), report, _message(exc)))
        raise
    committed = time.perf_counter()
    status = "partial" if report.rejected else "loaded"
    findings = "; ".join(f"{f.location}: {f.severity}: {f.reason}" for f in report.first) or None
    journal.end(database, running, _ending(status, counts, report, findings, context))
    return Applied(
        journal_id, counts, report.rejected, report.warnings, context.records_read, findings,
        merge_s=merged - started, commit_s=committed - merged,
    )  # fmt: skip


def _start(conn: psycopg.Connection, batch: Batch) -> dict[str, Any]:
    """Take the source's batch lock (a revert of a batch holds it while it rewinds the
    cursor) and return the cursor before this batch, as a revert puts it back."""
    conn.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [batch_lock_key(batch.source)])
    kilde = state.read(conn, batch.source)
    if batch.start != ANY_START and kilde.posisjon != batch.start:
        raise CursorMoved(
            f"{batch.label}: the cursor of {batch.source} moved from {batch.start} to "
            f"{kilde.posisjon} after this batch was fetched (a revert rewound it); nothing "
            "written, the batch is fetched again"
        )
    return {"posisjon": kilde.posisjon, "baseline": kilde.baseline}


def _counted(records: Any, context: LoadContext) -> Any:
    for record in records:
        context.records_read += 1
        yield record


def _message(exc: BaseException) -> str:
    return getattr(exc, "message", None) or f"interrupted ({type(exc).__name__}); nothing written"


def _ending(
    status: str,
    counts: WriteCounts,
    report: Report,
    message: str | None,
    context: LoadContext | None = None,
) -> journal.Ending:
    return journal.Ending(
        status=status,
        counts=counts,
        rejected=report.rejected,
        warnings=report.warnings,
        message=message,
        sha256=None,
        extract_date=context.extract_date if context else None,
        extract_kind=context.extract_kind if context else None,
        rejects=report.journalled,
    )
