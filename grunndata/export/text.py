"""JSON Lines and CSV files of records, written as they stream in.

JSON Lines: the first line is the stamp (``{"grunndata": {...}}``), then one line per
entity, ``{"entitet", "noekkel", "data"}`` with ``data`` as the GraphQL API answers it.
CSV: the first line is the stamp as a comment (``# grunndata register=… sekvensnummer=…``),
then a header of the selection's top-level fields (a layer's: its properties and geometry)
and one row per entity; a value that is an object or a list is its JSON, a null is empty.
"""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterable
from typing import Any, BinaryIO

import orjson
from graphql import FieldNode, OperationDefinitionNode, parse

from grunndata.export.declare import Features, Records
from grunndata.export.records import Record
from grunndata.export.snapshot import Stamp


def stamp_line(stamp: Stamp) -> bytes:
    return orjson.dumps({"grunndata": stamp.metadata()}) + b"\n"


async def write_records(out: BinaryIO, records: AsyncIterable[Record]) -> int:
    """Records as JSON Lines (after the stamp line); how many."""
    count = 0
    async for record in records:
        out.write(orjson.dumps(
            {"entitet": record.entitet, "noekkel": record.noekkel, "data": record.data}
        ) + b"\n")  # fmt: skip
        count += 1
    return count


def columns(records: Records | Features) -> list[str]:
    """The selection's top-level fields (their aliases where given), in order; a layer's
    properties, then its geometry."""
    if isinstance(records, Features):
        return [*records.layer.collection.properties, "geometry"]
    operation = parse("{ " + records.selection + " }").definitions[0]
    assert isinstance(operation, OperationDefinitionNode)
    return [
        (node.alias or node.name).value
        for node in operation.selection_set.selections
        if isinstance(node, FieldNode)
    ]


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict | list):
        return orjson.dumps(value).decode()
    return str(value)


async def write_csv(
    out: BinaryIO, stamp: Stamp, declared: Records | Features, records: AsyncIterable[Record]
) -> int:
    meta = " ".join(f"{k}={v.replace(' ', ',')}" for k, v in stamp.metadata().items())
    out.write(f"# grunndata {meta}\n".encode())
    names = columns(declared)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(names)
    count = 0
    async for record in records:
        data = record.data
        if isinstance(declared, Features):
            data = {**data["properties"], "geometry": data["geometry"]}
        writer.writerow([_cell(data.get(name)) for name in names])
        count += 1
        if buffer.tell() > 1 << 16:
            out.write(buffer.getvalue().encode())
            buffer.seek(0)
            buffer.truncate()
    out.write(buffer.getvalue().encode())
    return count
