"""grunndata's JSON Lines format for matrikkelenheter (with hjemmelshavere) and bygninger.

No open bulk format for these exists, so grunndata defines one (``docs/formats.md``; JSON
Schema ``schema/matrikkel-jsonl.schema.json``): one JSON object per line, ``objekttype``
``matrikkelenhet`` or ``bygning``, field names as in Kartverket's matrikkel API. A line
that breaks the schema or an identifier rule is rejected with its line number. The file
covers the units and buildings it holds: their owners and former numbers are replaced by
the file's (as new versions).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, BinaryIO

import psycopg

from grunndata.errors import SourceError
from grunndata.identifiers import InvalidIdentifier, parse_orgnr, parse_person_id
from grunndata.loaders.bulk import copy_rows, create_staging
from grunndata.loaders.formats import LoadContext, WriteCounts
from grunndata.loaders.versioning import VersionedTable
from grunndata.registers.matrikkel import stage
from grunndata.registers.matrikkel.jsonschema_lite import check_matrikkel
from grunndata.registers.matrikkel.nummer import matrikkelnummer_fra
from grunndata.registers.matrikkel.teig_geojson import valid_from

MATRIKKELENHET = VersionedTable(
    "matrikkel.matrikkelenhet",
    key=("matrikkelnummer",),
    content=(
        "kommunenummer", "gardsnummer", "bruksnummer", "festenummer", "seksjonsnummer",
        "matrikkelenhetstype", "status", "bruksnavn",
    ),
)  # fmt: skip
TIDLIGERE = VersionedTable(
    "matrikkel.tidligere_matrikkelnummer", key=("matrikkelnummer",), content=("tidligere",)
)
EIERFORHOLD = VersionedTable(
    "matrikkel.eierforhold",
    key=("matrikkelnummer",),
    content=(
        "andel_teller", "andel_nevner", "navn", "identifikasjonsnummer", "organisasjonsnummer",
    ),
)  # fmt: skip
BYGNING = VersionedTable(
    "matrikkel.bygning",
    key=("bygningsnummer",),
    content=("bygningstype", "bygningsstatus", "matrikkelnumre", "punkt"),
)


@dataclass
class Enhet:
    line: int
    row: tuple[Any, ...]
    gyldig_fra: datetime | None
    tidligere: list[str] = field(default_factory=list)
    eiere: list[tuple[Any, ...]] = field(default_factory=list)


@dataclass
class Bygning:
    line: int
    row: tuple[Any, ...]
    """bygningsnummer, type, status, matrikkelnumre, x, y, epsg, gyldig_fra"""


def _eier(forhold: dict[str, Any], line: int, context: LoadContext) -> tuple[Any, ...]:
    eier = forhold["eier"]
    ident, orgnr = eier.get("identifikasjonsnummer"), eier.get("organisasjonsnummer")
    if ident is not None:
        ident = parse_person_id(ident).value
    if orgnr is not None:
        parsed = parse_orgnr(orgnr)
        orgnr = parsed.value
        for warning in getattr(parsed, "warnings", ()):
            context.report.warn(f"line {line}", f"organisasjonsnummer {orgnr}: {warning}")
    andel = forhold.get("andel") or {}
    if andel and andel["teller"] > andel["nevner"]:
        raise ValueError(f"andel {andel['teller']}/{andel['nevner']} is more than the whole")
    return (andel.get("teller"), andel.get("nevner"), eier.get("navn"), ident, orgnr)


class MatrikkelJsonl:
    name = "matrikkel-jsonl"
    register = "matrikkel"
    order = 5

    def matches(self, inner_name: str, head: bytes) -> bool:
        return inner_name.lower().endswith((".jsonl", ".ndjson")) and b'"objekttype"' in head

    def read(self, stream: BinaryIO, context: LoadContext) -> Iterator[Enhet | Bygning]:
        seen: set[tuple[str, object]] = set()
        for number, raw in enumerate(stream, start=1):
            try:
                text = raw.decode("utf-8").strip()
            except UnicodeDecodeError:
                raise SourceError(f"{context.source.name}: line {number} is not UTF-8") from None
            if not text:
                continue
            try:
                obj = json.loads(text)
                problems = check_matrikkel(obj)
                if problems:
                    raise ValueError("; ".join(problems[:3]))
                record = self._record(number, obj, context)
                key = (obj["objekttype"], record.row[0])
                if key in seen:
                    raise ValueError(f"{obj['objekttype']} {record.row[0]} repeated in the file")
                seen.add(key)
                yield record
            except json.JSONDecodeError as exc:
                context.report.reject(f"line {number}", f"not JSON: {exc.msg}")
            except InvalidIdentifier as exc:
                context.report.reject(f"line {number}", str(exc))
            except ValueError as exc:
                context.report.reject(f"line {number}", str(exc))

    def _record(self, line: int, obj: dict[str, Any], context: LoadContext) -> Enhet | Bygning:
        gyldig_fra = valid_from(obj.get("gyldigFra"))
        if obj["objekttype"] == "bygning":
            punkt = obj.get("representasjonspunkt") or {}
            numre = [str(matrikkelnummer_fra(m)) for m in obj["matrikkelenheter"]]
            row = (
                obj["bygningsnummer"], obj.get("bygningstypeKode"),
                obj.get("bygningsstatusKode"), numre,
                punkt.get("x"), punkt.get("y"), punkt.get("epsg"), gyldig_fra,
            )  # fmt: skip
            return Bygning(line, row)
        nummer = matrikkelnummer_fra(obj["matrikkelnummer"])
        row = (
            str(nummer), nummer.kommunenummer, nummer.gardsnummer, nummer.bruksnummer,
            nummer.festenummer, nummer.seksjonsnummer, obj["matrikkelenhetstype"],
            obj.get("status", "aktiv"), obj.get("bruksnavn"),
        )  # fmt: skip
        enhet = Enhet(line, row, gyldig_fra)
        enhet.tidligere = [
            str(matrikkelnummer_fra(m)) for m in obj.get("tidligereMatrikkelnumre", [])
        ]
        enhet.eiere = [_eier(f, line, context) for f in obj.get("eierforhold", [])]
        return enhet

    def write(
        self, conn: psycopg.Connection, records: Iterable[Enhet | Bygning], context: LoadContext
    ) -> WriteCounts:
        enheter: list[Enhet] = []
        bygninger: list[Bygning] = []
        for record in records:
            (enheter if isinstance(record, Enhet) else bygninger).append(record)  # type: ignore[arg-type]
        default = stage.default_valid_from(conn, context)
        counts = WriteCounts()
        if enheter:
            counts += self._write_enheter(conn, enheter, default, context)
        if bygninger:
            counts += self._write_bygninger(conn, bygninger, default, context)
        stage.analyze(conn, MATRIKKELENHET.name, TIDLIGERE.name, EIERFORHOLD.name, BYGNING.name)
        return counts

    def _write_enheter(self, conn: psycopg.Connection, enheter: list[Enhet],
                       default: datetime, context: LoadContext) -> WriteCounts:  # fmt: skip
        def staged(table: VersionedTable, name: str, rows: Iterable[tuple[Any, ...]]) -> None:
            create_staging(conn, name, table.name, table.columns)
            conn.execute(f"ALTER TABLE {name} ADD gyldig_fra timestamptz")
            copy_rows(conn, name, (*table.columns, "gyldig_fra"), rows)

        def fra(e: Enhet) -> datetime:
            return e.gyldig_fra or default

        staged(MATRIKKELENHET, "enhet_stage", ((*e.row, fra(e)) for e in enheter))
        staged(TIDLIGERE, "tidligere_stage",
               ((e.row[0], t, fra(e)) for e in enheter for t in e.tidligere))  # fmt: skip
        staged(EIERFORHOLD, "eier_stage",
               ((e.row[0], *o, fra(e)) for e in enheter for o in e.eiere))  # fmt: skip
        counts = stage.merge(conn, MATRIKKELENHET, "enhet_stage", context)
        counts += stage.merge(conn, TIDLIGERE, "tidligere_stage", context, covered="enhet_stage")
        return counts + stage.merge(conn, EIERFORHOLD, "eier_stage", context, covered="enhet_stage")

    def _write_bygninger(self, conn: psycopg.Connection, bygninger: list[Bygning],
                         default: datetime, context: LoadContext) -> WriteCounts:  # fmt: skip
        content = ["bygningsnummer", "bygningstype", "bygningsstatus", "matrikkelnumre"]
        with_point = [b for b in bygninger if b.row[4] is not None]
        stage.copy_points(conn, "bygning_raw", BYGNING.name, content,
                          ((b.line, *b.row) for b in with_point))  # fmt: skip
        stage.reject_bad_points(conn, "bygning_raw", context)
        conn.execute(
            "CREATE TEMP TABLE bygning_stage ON COMMIT DROP AS SELECT bygningsnummer, "
            "bygningstype, bygningsstatus, matrikkelnumre, punkt, "
            "coalesce(gyldig_fra, %s) AS gyldig_fra FROM bygning_raw",
            [default],
        )
        without = [(*b.row[:4], None, b.row[7] or default) for b in bygninger if b.row[4] is None]
        if without:
            copy_rows(conn, "bygning_stage", (*BYGNING.columns, "gyldig_fra"), without)
        return stage.merge(conn, BYGNING, "bygning_stage", context)
