"""The Freg person document format: one document, a JSON array of them, or JSON Lines
(plain or ``.gz``; the load machinery decompresses)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from itertools import islice
from typing import BinaryIO

import psycopg

from grunndata.loaders.formats import LoadContext, WriteCounts
from grunndata.registers.folkeregister.document import BadRecord, PersonDocument, read_document
from grunndata.registers.folkeregister.jsonstream import json_values
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

    def read(self, stream: BinaryIO, context: LoadContext) -> Iterator[PersonDocument]:
        for index, raw in enumerate(json_values(stream, context.source.name), start=1):
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
        counts = WriteCounts()
        iterator = iter(records)
        while batch := list(islice(iterator, BATCH)):
            counts += write_batch(conn, batch, context)
        return counts


FORMATS = (FregPersonFormat(),)
