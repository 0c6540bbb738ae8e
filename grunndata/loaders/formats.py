"""The shape of a source format, and how a file finds its format.

A register's room defines its formats (``Register.formats``); each reads one kind of file
and writes it into that register's tables. ``read`` parses and validates record by record
(rejects and warnings go to the report; a file that cannot be read at all raises
``SourceError``); ``write`` bulk-writes what ``read`` yields and counts what changed.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, BinaryIO, Protocol

import psycopg

from grunndata.loaders.report import Report
from grunndata.loaders.sources import SourceFile

if TYPE_CHECKING:
    from grunndata.loaders.complete import Completeness


@dataclass(frozen=True)
class WriteCounts:
    inserted: int = 0
    superseded: int = 0
    unchanged: int = 0
    ended: int = 0
    """Entities a complete extract lacked, whose valid time it ended."""

    def __add__(self, other: WriteCounts) -> WriteCounts:
        return WriteCounts(
            self.inserted + other.inserted,
            self.superseded + other.superseded,
            self.unchanged + other.unchanged,
            self.ended + other.ended,
        )


@dataclass
class LoadContext:
    """What a format knows about the load it takes part in."""

    source: SourceFile
    report: Report
    load_id: int | None = None
    extract_date: datetime | None = None
    """The source's own extract date; a format sets it when the file says it."""
    extract_kind: str | None = None
    """Where ``extract_date`` comes from, when not from the file itself: ``given``
    (``--extract-time``), ``modified`` (the file's modification time) or ``fetched`` (a
    followed batch: the time it was fetched from its source)."""
    records_read: int = field(default=0)
    sha256: str | None = None
    """SHA-256 of the file as on disk (a zip member: its content), once read to the end."""
    given: Mapping[str, str] = field(default_factory=dict)
    """Facts given on the command line that a file may not carry itself, e.g. the
    ``organisasjonsnummer`` a roles document speaks for."""
    complete: Completeness | None = None
    """Declared on the command line: the file holds every entity of a scope, so those of
    the scope it lacks end (``grunndata.loaders.complete``)."""


class SourceFormat(Protocol):
    name: str
    register: str
    order: int
    """In a directory, formats with a lower order load first (what others refer to)."""

    def matches(self, inner_name: str, head: bytes) -> bool:
        """Whether a file with this (decompressed) name and first bytes is of this format."""
        ...

    def read(self, stream: BinaryIO, context: LoadContext) -> Iterator[Any]: ...

    def write(
        self, conn: psycopg.Connection, records: Iterable[Any], context: LoadContext
    ) -> WriteCounts: ...


def detect(source: SourceFile, formats: Sequence[SourceFormat]) -> SourceFormat | None:
    head = source.head()
    for source_format in formats:
        if source_format.matches(source.inner_name, head):
            return source_format
    return None


def by_name(formats: Sequence[SourceFormat], name: str) -> SourceFormat | None:
    return next((f for f in formats if f.name == name), None)
