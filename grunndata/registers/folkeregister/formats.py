"""The Freg person document format: one document, a JSON array of them, or JSON Lines
(plain or ``.gz``; the load machinery decompresses)."""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterable, Iterator
from itertools import islice
from typing import Any, BinaryIO

import psycopg

from grunndata.loaders.formats import LoadContext, WriteCounts
from grunndata.loaders.jsonstream import json_values
from grunndata.loaders.nearmiss import first_object, kind_of, wrong_shape
from grunndata.loaders.report import Report
from grunndata.registers.folkeregister.document import BadRecord, PersonDocument, read_document
from grunndata.registers.folkeregister.merge import write_batch

BATCH = 2000
_MARKERS = (b'"foedselsEllerDNummer"', b'"identifikasjonsnummer"')


class FregPersonFormat:
    name = "freg-person"
    register = "folkeregister"
    order = 10

    def matches(self, inner_name: str, head: bytes) -> bool:
        json_name = inner_name.lower().endswith((".json", ".jsonl", ".ndjson"))
        return json_name and all(marker in head for marker in _MARKERS)

    def near_miss(self, inner_name: str, head: bytes) -> str | None:
        """A JSON document with Freg's ``identifikasjonsnummer`` of the wrong shape."""
        document = first_object(head) if _MARKERS[1] in head else None
        if document is None or "identifikasjonsnummer" not in document:
            return None
        problem = wrong_shape(document, {"identifikasjonsnummer": list})
        if problem is None:
            entries = document["identifikasjonsnummer"]
            odd = next((e for e in entries if not isinstance(e, dict)), None)
            if odd is not None:
                problem = (
                    f"an `identifikasjonsnummer` entry is {kind_of(odd)} where an object is "
                    "expected"
                )
            elif entries and not any("foedselsEllerDNummer" in e for e in entries):
                problem = "its `identifikasjonsnummer` entries have no `foedselsEllerDNummer`"
        return f"looks like a Freg person document, but {problem}" if problem else None

    def read(self, stream: BinaryIO, context: LoadContext) -> Iterator[PersonDocument]:
        for index, raw in json_values(stream, context.source.name, reject=context.report.reject):
            location = f"record {index}"
            if isinstance(raw, dict):
                numbers = [
                    i.get("foedselsEllerDNummer")
                    for i in raw.get("identifikasjonsnummer") or []
                    if isinstance(i, dict)
                ]
                if numbers:
                    location += f" ({', '.join(map(str, numbers))})"
            try:
                document = read_document(raw, location)
            except BadRecord as exc:
                context.report.reject(location, str(exc))
                continue
            for warning in document.warnings:
                context.report.warn(location, warning)
            yield document

    def write(
        self, conn: psycopg.Connection, records: Iterable[PersonDocument], context: LoadContext
    ) -> WriteCounts:
        """Batches are merged while a thread reads and parses the next one: parsing
        (Python) and merging (PostgreSQL) each keep a core busy."""
        counts = WriteCounts()
        report = context.report
        context.report = _LockedReport(report)  # both threads report findings
        try:
            with _Prefetch(records, BATCH) as batches:
                for batch in batches:
                    counts += write_batch(conn, batch, context)
                    _note_extract_time(context, batch)
        finally:
            context.report = report
        return counts


def _note_extract_time(context: LoadContext, batch: list[PersonDocument]) -> None:
    """A file's extract time is its newest ``ajourholdstidspunkt`` (a followed batch's is
    when it was fetched)."""
    if context.extract_kind is not None:
        return
    times = [t for d in batch if (t := d.ajourholdt) is not None]
    if context.extract_date is not None:
        times.append(context.extract_date)
    context.extract_date = max(times, default=None)


class _LockedReport:
    """A report that two threads can add findings to."""

    def __init__(self, report: Report) -> None:
        self._report = report
        self._lock = threading.Lock()

    def reject(self, location: str, reason: str, kind: str | None = None) -> None:
        with self._lock:
            self._report.reject(location, reason, kind)

    def warn(self, location: str, reason: str, kind: str | None = None) -> None:
        with self._lock:
            self._report.warn(location, reason, kind)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._report, name)


_END = object()


class _Prefetch:
    """Batches of ``records``, read one batch ahead in a thread. An error in reading is
    raised where the batch is taken; leaving the block early stops the reader."""

    def __init__(self, records: Iterable[Any], size: int) -> None:
        self._records = records
        self._size = size
        self._queue: queue.Queue[Any] = queue.Queue(maxsize=1)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._read, name="freg-read", daemon=True)

    def _put(self, item: Any) -> bool:
        while not self._stop.is_set():
            try:
                self._queue.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def _read(self) -> None:
        try:
            iterator = iter(self._records)
            while not self._stop.is_set() and (batch := list(islice(iterator, self._size))):
                if not self._put(batch):
                    return
            self._put(_END)
        except BaseException as exc:  # raised again in the merging thread
            self._put(exc)

    def __enter__(self) -> Iterator[list[Any]]:
        self._thread.start()
        return self._batches()

    def _batches(self) -> Iterator[list[Any]]:
        while (item := self._queue.get()) is not _END:
            if isinstance(item, BaseException):
                raise item
            yield item

    def __exit__(self, *exc_info: object) -> None:
        self._stop.set()
        self._thread.join()


FORMAT = FregPersonFormat()
FORMATS = (FORMAT,)
