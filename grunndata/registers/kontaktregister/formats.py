"""KRR's lookup answers as a source format: ``{"personer": [...]}`` (one answer, or JSON
Lines of answers), a JSON array of person entries, or JSON Lines of them; plain or
``.gz`` (the load machinery decompresses). An answer holds at most 1 000 persons, as KRR
returns them; a larger export is an array or JSON Lines of entries, read one at a time.

Each entry is checked (``record``), a person twice in the file is loaded once (the newest),
an entry older than the stored one is rejected (``extract_order``), and the rest is merged
into the versioned table in the file's one transaction (``merge_snapshot``).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import Any, BinaryIO

import psycopg

from grunndata.loaders.bulk import copy_rows, create_staging
from grunndata.loaders.formats import LoadContext, WriteCounts
from grunndata.loaders.jsonstream import json_values
from grunndata.loaders.versioning import merge_snapshot
from grunndata.registers.kontaktregister import extract_order
from grunndata.registers.kontaktregister.record import BadEntry, Entry, read_entry
from grunndata.registers.kontaktregister.tables import KONTAKT

_KEY = b'"personidentifikator"'
_KRR_FIELDS = (b'"reservasjon"', b'"kontaktinformasjon"', b'"varslingsstatus"', b'"status"')
_EXTRA = (
    ("gyldig_fra", "timestamptz"),
    ("foerst_gyldig_fra", "timestamptz"),
    ("nr", "bigint"),
    ("sted", "text"),
)


class KrrPersonerFormat:
    name = "krr-personer"
    register = "kontaktregister"
    order = 40

    def matches(self, inner_name: str, head: bytes) -> bool:
        json_name = inner_name.lower().endswith((".json", ".jsonl", ".ndjson"))
        return json_name and _KEY in head and any(f in head for f in _KRR_FIELDS)

    def read(self, stream: BinaryIO, context: LoadContext) -> Iterator[Entry]:
        for where, raw in _entries(stream, context):
            number = raw.get("personidentifikator") if isinstance(raw, dict) else None
            location = f"{where} ({number})" if number else where
            try:
                entry = read_entry(raw, location)
            except BadEntry as exc:
                context.report.reject(location, str(exc))
                continue
            for warning in entry.warnings:
                context.report.warn(location, warning)
            yield entry

    def write(
        self, conn: psycopg.Connection, records: Iterable[Entry], context: LoadContext
    ) -> WriteCounts:
        assert context.load_id is not None
        create_staging(conn, "krr_staging", KONTAKT.name, KONTAKT.columns, extra=_EXTRA)
        rows = (
            (e.personidentifikator, *e.row(), e.newest, e.earliest, nr, e.location)
            for nr, e in enumerate(records, 1)
        )
        copy_rows(conn, "krr_staging", (*KONTAKT.columns, *(n for n, _ in _EXTRA)), rows)
        at = _now(conn)
        extract_order.drop_repeated(conn, context)
        history = extract_order.reject_older(conn, context)
        extract_order.settle_valid_from(conn, at)
        counts = merge_snapshot(
            conn, KONTAKT, "krr_staging", load_id=context.load_id, recorded_at=at,
            valid_from="gyldig_fra",
        )  # fmt: skip
        return counts + WriteCounts(inserted=history)


def _entries(stream: BinaryIO, context: LoadContext) -> Iterator[tuple[str, Any]]:
    """(where, raw entry) for each person entry: in an answer (``{"personer": [...]}``)
    numbered ``record N, person M``, else ``record N``."""
    name, reject = context.source.name, context.report.reject
    for index, value in json_values(stream, name, reject=reject):
        personer = value.get("personer") if isinstance(value, dict) else None
        if isinstance(value, dict) and "personer" in value:
            if not isinstance(personer, list):
                reject(f"record {index}", "personer is a list of person entries")
                continue
            for person, raw in enumerate(personer, 1):
                yield f"record {index}, person {person}", raw
        else:
            yield f"record {index}", value


def _now(conn: psycopg.Connection) -> datetime:
    return conn.execute("SELECT clock_timestamp()").fetchone()[0]  # type: ignore[index]


FORMAT = KrrPersonerFormat()
FORMATS = (FORMAT,)
