"""Two small source formats used to test the load machinery end to end.

``navn`` files (``id;navn``) hold entities; ``kobling`` files (``navn_id;merknad``) refer
to them, so a directory must load ``navn`` first. Both write through the real staging COPY
and versioned merge into tables of a ``testregister`` schema.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import BinaryIO

import psycopg

from grunndata.errors import SourceError
from grunndata.loaders.bulk import copy_rows, create_staging
from grunndata.loaders.formats import LoadContext, WriteCounts
from grunndata.loaders.versioning import VersionedTable, merge_snapshot

SCHEMA_SQL = """
CREATE SCHEMA testregister;
CREATE TABLE testregister.navn (
    id integer NOT NULL, navn text NOT NULL,
    registrert tstzrange NOT NULL, load_id bigint NOT NULL REFERENCES felles.load (id),
    ersatt_av bigint);
CREATE TABLE testregister.kobling (
    navn_id integer NOT NULL, merknad text,
    registrert tstzrange NOT NULL, load_id bigint NOT NULL REFERENCES felles.load (id),
    ersatt_av bigint);
GRANT USAGE ON SCHEMA testregister TO {app};
GRANT SELECT, INSERT, UPDATE ON ALL TABLES IN SCHEMA testregister TO {app};
"""

NAVN = VersionedTable("testregister.navn", key=("id",), content=("navn",))
KOBLING = VersionedTable("testregister.kobling", key=("navn_id",), content=("merknad",))


def _lines(stream: BinaryIO, context: LoadContext, header: str) -> Iterator[tuple[int, list[str]]]:
    for number, raw in enumerate(stream, start=1):
        try:
            line = raw.decode("utf-8").rstrip("\r\n")
        except UnicodeDecodeError:
            raise SourceError(f"{context.source.name}: line {number} is not UTF-8") from None
        if line.startswith("# uttrekksdato:"):
            context.extract_date = datetime.fromisoformat(line.split(":", 1)[1].strip())
        elif number == 1 or (number == 2 and context.extract_date):
            if line != header:
                raise SourceError(f"{context.source.name}: header {line!r}, expected {header!r}")
        elif line:
            yield number, line.split(";")


def _write(conn: psycopg.Connection, table: VersionedTable, rows: Iterable[tuple],
           context: LoadContext) -> WriteCounts:  # fmt: skip
    create_staging(conn, "staging", table.name, table.columns)
    copy_rows(conn, "staging", table.columns, rows)
    assert context.load_id is not None
    return merge_snapshot(conn, table, "staging", load_id=context.load_id)


class NavnFormat:
    name = "test-navn"
    register = "testregister"
    order = 1
    header = "id;navn"

    def matches(self, inner_name: str, head: bytes) -> bool:
        return inner_name.endswith(".navn.csv") or self.header.encode() in head[:200]

    def read(self, stream: BinaryIO, context: LoadContext) -> Iterator[tuple[int, str]]:
        for number, fields in _lines(stream, context, self.header):
            if len(fields) != 2:
                context.report.reject(f"line {number}", f"{len(fields)} columns, expected 2")
            elif not fields[0].isdigit():
                context.report.reject(f"line {number}", f"id {fields[0]!r} is not a number")
            elif not fields[1].strip():
                context.report.reject(f"line {number}", "navn is empty")
            else:
                if fields[1] != fields[1].strip():
                    context.report.warn(f"line {number}", "navn has surrounding spaces")
                yield int(fields[0]), fields[1].strip()

    def write(self, conn: psycopg.Connection, records: Iterable[tuple[int, str]],
              context: LoadContext) -> WriteCounts:  # fmt: skip
        return _write(conn, NAVN, records, context)


class KoblingFormat:
    name = "test-kobling"
    register = "testregister"
    order = 2
    header = "navn_id;merknad"

    def matches(self, inner_name: str, head: bytes) -> bool:
        return inner_name.endswith(".kobling.csv") or head.startswith(self.header.encode())

    def read(self, stream: BinaryIO, context: LoadContext) -> Iterator[tuple[int, str]]:
        for number, fields in _lines(stream, context, self.header):
            if len(fields) == 2 and fields[0].isdigit():
                yield int(fields[0]), fields[1]
            else:
                context.report.reject(f"line {number}", "expected navn_id;merknad")

    def write(self, conn: psycopg.Connection, records: Iterable[tuple[int, str]],
              context: LoadContext) -> WriteCounts:  # fmt: skip
        rows = list(records)
        known = {r[0] for r in conn.execute(
            "SELECT id FROM testregister.navn WHERE upper_inf(registrert) AND id = ANY(%s)",
            [[row[0] for row in rows]],
        )}  # fmt: skip
        for navn_id, _ in rows:
            if navn_id not in known:
                context.report.warn(f"navn_id {navn_id}", "refers to an unknown navn")
        return _write(conn, KOBLING, rows, context)


FORMATS = [KoblingFormat(), NavnFormat()]
