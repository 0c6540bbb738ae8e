"""Kartverket's "Matrikkelen – Adresse" CSV, exactly as downloaded (``.csv`` or ``.zip``).

46 columns separated by ``;``, UTF-8, one header line; coordinates ``Nord`` then ``Øst``
in the row's ``EPSG-kode``; dates ``dd.MM.yyyy HH:mm:ss`` in Norwegian local time. The
``organisasjonsnummer`` column belongs to the parish (sokn) columns before it and is not
a business of the address: it is not read.

A row with a wrong column count, a missing or unparseable coordinate, an unknown
kommunenummer or a point outside Norway is rejected with its line number; the rest loads.
A last row with too few columns and no final newline is a file cut short: it fails whole.
A header without the columns the format needs fails the file, naming them.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import BinaryIO

import psycopg
from psycopg import sql

from grunndata.errors import SourceError
from grunndata.identifiers import InvalidIdentifier, parse_kommunenummer
from grunndata.loaders import extract_order
from grunndata.loaders.complete import Completeness
from grunndata.loaders.formats import LoadContext, WriteCounts
from grunndata.loaders.lines import Lines
from grunndata.loaders.versioning import VersionedTable
from grunndata.registers.matrikkel import stage
from grunndata.registers.matrikkel.complete import address_scope, end_addresses_not_in_file

HEADER = [
    "lokalid",
    "kommunenummer",
    "kommunenavn",
    "adressetype",
    "adressetilleggsnavn",
    "adressetilleggsnavnKilde",
    "adressekode",
    "adressenavn",
    "nummer",
    "bokstav",
    "gardsnummer",
    "bruksnummer",
    "festenummer",
    "undernummer",
    "adresseTekst",
    "adresseTekstUtenAdressetilleggsnavn",
    "EPSG-kode",
    "Nord",
    "Øst",
    "postnummer",
    "poststed",
    "grunnkretsnummer",
    "grunnkretsnavn",
    "soknenummer",
    "soknenavn",
    "organisasjonsnummer",
    "tettstednummer",
    "tettstednavn",
    "valgkretsnummer",
    "valgkretsnavn",
    "oppdateringsdato",
    "datauttaksdato",
    "adresseId",
    "uuidAdresse",
    "atkomstId",
    "uuidAtkomst",
    "atkomstNord",
    "atkomstØst",
    "sommeratkomstId",
    "uuidSommeratkomst",
    "sommeratkomstNord",
    "sommeratkomstØst",
    "vinteratkomstId",
    "uuidVinteratkomst",
    "vinteratkomstNord",
    "vinteratkomstØst",
]
ADRESSETYPER = ("vegadresse", "matrikkeladresse")

ADRESSE = VersionedTable(
    "matrikkel.adresse",
    key=("adresse_id",),
    content=(
        "adressetype", "kommunenummer", "adressekode", "adressenavn", "nummer", "bokstav",
        "undernummer", "adressetekst", "adressetilleggsnavn", "postnummer", "poststed",
        "matrikkelnummer", "punkt", "uuid_adresse", "oppdateringsdato",
    ),
)  # fmt: skip


@dataclass(frozen=True)
class AdresseRad:
    line: int
    values: tuple[object, ...]
    """ADRESSE's columns except ``punkt``, then ``x``, ``y``, ``epsg``, ``gyldig_fra``."""


def parse_tidspunkt(text: str) -> datetime:
    """``dd.MM.yyyy HH:mm:ss`` in Norwegian local time."""
    return datetime.strptime(text, "%d.%m.%Y %H:%M:%S").replace(tzinfo=stage.OSLO)


#: PostgreSQL's ``integer``; ``adresseId`` is a ``bigint``.
INTEGER_MAX, BIGINT_MAX = 2**31 - 1, 2**63 - 1


def _int_or_none(text: str, name: str, maximum: int = INTEGER_MAX) -> int | None:
    if not text:
        return None
    try:
        value = int(text)
    except ValueError:
        raise ValueError(f"{name} {text!r} is not a whole number") from None
    if not 0 <= value <= maximum:
        raise ValueError(f"{name} {text!r} is out of range (0 to {maximum})")
    return value


def _float(text: str, name: str) -> float:
    if not text:
        raise ValueError(f"{name} is missing")
    try:
        value = float(text.replace(",", "."))
    except ValueError:
        raise ValueError(f"{name} {text!r} is not a number") from None
    if not math.isfinite(value):
        raise ValueError(f"{name} {text!r} is not a finite number")
    return value


class AdresseCsv:
    name = "kartverket-adresse-csv"
    register = "matrikkel"
    order = 20

    def matches(self, inner_name: str, head: bytes) -> bool:
        return head.lstrip(b"\xef\xbb\xbf").startswith(b"lokalid;kommunenummer;")

    def complete_scope(self, declared: Completeness) -> sql.Composable:
        return address_scope(declared)

    def near_miss(self, inner_name: str, head: bytes) -> str | None:
        """Kartverket's header, separated by something other than ``;``."""
        first = head.lstrip(b"\xef\xbb\xbf")[:40].decode("utf-8", errors="ignore")
        if first.startswith("lokalid") and first[7:8] not in ("", ";"):
            return (
                "looks like Kartverket's address CSV, but its columns are separated by "
                f"{first[7:8]!r} where ';' is expected"
            )
        return None

    def read(self, stream: BinaryIO, context: LoadContext) -> Iterator[AdresseRad]:
        lines = Lines(stream, context.source.name, context.report.reject)
        rows = iter(lines)
        header = next(rows, "").split(";")
        missing = [column for column in HEADER if column not in header]
        if missing:
            raise SourceError(
                f"{context.source.name}: line 1: not the header of Kartverket's address "
                f"file: missing column(s) {', '.join(missing)}"
            )
        index = {column: header.index(column) for column in HEADER}
        for line in rows:
            number = lines.number
            if not line:
                continue
            if "\x00" in line:
                context.report.reject(f"line {number}", "holds a NUL character")
                continue
            fields = line.split(";")
            if len(fields) != len(header):
                problem = f"{len(fields)} columns, expected {len(header)}"
                if not lines.complete:
                    raise lines.truncated(f"has {problem}")
                context.report.reject(f"line {number}", problem)
                continue
            row = {column: fields[i].strip() for column, i in index.items()}
            try:
                record = self._record(number, row, context)
            except (ValueError, InvalidIdentifier) as exc:
                context.report.reject(f"line {number}", str(exc))
                continue
            yield record

    def _record(self, number: int, row: dict[str, str], context: LoadContext) -> AdresseRad:
        adresse_id = _int_or_none(row["adresseId"] or row["lokalid"], "adresseId", BIGINT_MAX)
        if adresse_id is None:
            raise ValueError("adresseId and lokalid are missing")
        if row["adressetype"] not in ADRESSETYPER:
            raise ValueError(f"adressetype {row['adressetype']!r} is not one of {ADRESSETYPER}")
        try:
            kommune = parse_kommunenummer(row["kommunenummer"])
        except InvalidIdentifier as exc:
            raise ValueError(f"kommunenummer: {exc.reason}") from None
        nord = _float(row["Nord"], "Nord")
        oest = _float(row["Øst"], "Øst")
        epsg = _int_or_none(row["EPSG-kode"], "EPSG-kode")
        if epsg is None:
            raise ValueError("EPSG-kode is missing")
        gnr = _int_or_none(row["gardsnummer"], "gardsnummer")
        bnr = _int_or_none(row["bruksnummer"], "bruksnummer")
        fnr = _int_or_none(row["festenummer"], "festenummer") or 0
        matrikkelnummer = (
            f"{kommune.value}-{gnr}/{bnr}/{fnr}/0" if gnr is not None and bnr is not None else None
        )
        try:
            oppdatert = (
                parse_tidspunkt(row["oppdateringsdato"]) if row["oppdateringsdato"] else None
            )
            if row["datauttaksdato"] and context.extract_date is None:
                context.extract_date = parse_tidspunkt(row["datauttaksdato"])
        except ValueError:
            raise ValueError("a date is not dd.MM.yyyy HH:mm:ss") from None
        values = (
            adresse_id, row["adressetype"], kommune.value,
            _int_or_none(row["adressekode"], "adressekode"), row["adressenavn"] or None,
            _int_or_none(row["nummer"], "nummer"), row["bokstav"] or None,
            _int_or_none(row["undernummer"], "undernummer"), row["adresseTekst"],
            row["adressetilleggsnavn"] or None, row["postnummer"] or None,
            row["poststed"] or None, matrikkelnummer, row["uuidAdresse"] or None, oppdatert,
            oest, nord, epsg, oppdatert or context.extract_date,
        )  # fmt: skip
        return AdresseRad(number, values)

    def write(
        self, conn: psycopg.Connection, records: Iterable[AdresseRad], context: LoadContext
    ) -> WriteCounts:
        content = [c for c in ADRESSE.columns if c != "punkt"]
        rows = ((r.line, *r.values) for r in records)
        stage.copy_points(conn, "adresse_raw", ADRESSE.name, content, rows)
        for line, adresse_id in conn.execute(
            "DELETE FROM adresse_raw r USING adresse_raw o WHERE r.adresse_id = o.adresse_id "
            "AND r.line > o.line RETURNING r.line, r.adresse_id"
        ).fetchall():
            context.report.reject(f"line {line}", f"adresseId {adresse_id} repeated in the file")
        stage.reject_bad_points(conn, "adresse_raw", context)
        order = {"register": "matrikkel.adresse", "key": "adresse_id"}
        history = extract_order.reject_older(
            conn, context, staging="adresse_raw", what="adresseId", table=ADRESSE, **order
        )
        conn.execute(
            f"CREATE TEMP TABLE adresse_stage ON COMMIT DROP AS "
            f"SELECT {', '.join(content)}, punkt, coalesce(gyldig_fra, %s) AS gyldig_fra "
            "FROM adresse_raw",
            [stage.default_valid_from(conn, context)],
        )
        ended = end_addresses_not_in_file(conn, ADRESSE, context) if context.complete else 0
        counts = stage.merge(conn, ADRESSE, "adresse_stage", context) + WriteCounts(
            inserted=history, ended=ended
        )
        extract_order.remember(conn, context, staging="adresse_stage", **order)
        conn.execute(
            "INSERT INTO matrikkel.adressenavn (sokenavn, adressenavn) "
            "SELECT DISTINCT ON (matrikkel.sokeform(adressenavn)) "
            "matrikkel.sokeform(adressenavn), adressenavn FROM adresse_stage "
            "WHERE adressenavn IS NOT NULL ON CONFLICT DO NOTHING"
        )
        conn.execute(
            "INSERT INTO matrikkel.adressenavn_sted (sokenavn, kommunenummer, postnummer, "
            "poststed, poststedform) SELECT DISTINCT matrikkel.sokeform(adressenavn), "
            "kommunenummer, postnummer, poststed, matrikkel.sokeform(poststed) "
            "FROM adresse_stage WHERE adressenavn IS NOT NULL ON CONFLICT DO NOTHING"
        )
        stage.analyze(conn, ADRESSE.name, "matrikkel.adressenavn", "matrikkel.adressenavn_sted")
        return counts
