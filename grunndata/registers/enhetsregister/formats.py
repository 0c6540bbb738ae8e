"""Brønnøysund's own files: enheter and underenheter (JSON and CSV ``lastned``), roller
(one enhet's document, or the bulk ``roller/totalbestand``).

Every reader streams; every file is one snapshot of the units (or roles) it holds, merged
into the versioned tables in the file's one transaction (``merge.merge``).
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Iterator
from datetime import date, datetime, time
from typing import Any, BinaryIO
from zoneinfo import ZoneInfo

import psycopg
from psycopg import sql

from grunndata.errors import SourceError
from grunndata.identifiers import InvalidIdentifier, parse_orgnr, parse_person_id
from grunndata.loaders import extract_order
from grunndata.loaders.bulk import copy_rows, json_text, text_array
from grunndata.loaders.complete import Completeness
from grunndata.loaders.formats import LoadContext, WriteCounts
from grunndata.loaders.jsonstream import json_values
from grunndata.loaders.lines import Lines
from grunndata.registers.enhetsregister import fields
from grunndata.registers.enhetsregister.complete import (
    complete_scope,
    end_roles_not_in_file,
    end_units_not_in_file,
    roller_scope,
)
from grunndata.registers.enhetsregister.extract_time import settle
from grunndata.registers.enhetsregister.identity import reject_other_kind
from grunndata.registers.enhetsregister.merge import merge, stage
from grunndata.registers.enhetsregister.tables import ENHET, ROLLE, ROLLE_CONTENT

OSLO = ZoneInfo("Europe/Oslo")
REGISTER = "enhetsregister"
#: How each content column goes into COPY: as is, or (an address, a list) as the text
#: PostgreSQL reads (``grunndata.loaders.bulk``).
_AS_TEXT = {fields.Kind.ADDRESS: json_text, fields.Kind.LIST: text_array}
_COPY_PLAN = tuple(
    (c, _AS_TEXT.get(next((f.kind for f in fields.FIELDS if c in f.columns), fields.Kind.TEXT)))
    for c in ENHET.content
)
EnhetRecord = tuple[str, fields.Row, int]
RolleRecord = tuple[str, list[tuple[Any, ...]], int]


def _midnight(day: date | None) -> datetime | None:
    return datetime.combine(day, time(), OSLO) if day else None


def _orgnr(
    value: Any, context: LoadContext, location: str, what: str, *, warn: bool = True
) -> str | None:
    """The checked number, or None after rejecting the record with the reason; warnings
    (a first digit other than 8 or 9, or Tenor's 2 and 3) are reported when ``warn``."""
    try:
        orgnr = parse_orgnr(value if isinstance(value, str) else str(value or ""))
    except InvalidIdentifier as exc:
        context.report.reject(location, f"{what} {value!r} is not valid: {exc.reason}")
        return None
    for warning in orgnr.warnings if warn else ():
        context.report.warn(
            location, f"{what} {orgnr.value}: {warning}", f"{what}: unusual first digit"
        )
    return orgnr.value


def _now(conn: psycopg.Connection) -> datetime:
    return conn.execute("SELECT clock_timestamp()").fetchone()[0]  # type: ignore[index]


def _json_head_kind(inner_name: str, head: bytes) -> str | None:
    """``roller``, ``underenheter``, ``enheter`` or None, for a JSON file's name and head."""
    start = head.lstrip(b"\xef\xbb\xbf \t\r\n")[:1]
    if start not in (b"[", b"{"):
        return None
    if b'"rollegrupper"' in head:
        return "roller"
    if b'"organisasjonsnummer"' not in head:
        return None
    name = inner_name.lower()
    if "underenhet" in name:
        return "underenheter"
    if "enhet" in name:
        return "enheter"
    hints = (b'"beliggenhetsadresse"', b'"oppstartsdato"', b'"nedleggelsesdato"')
    return "underenheter" if any(h in head for h in hints) else "enheter"


def _csv_head_kind(inner_name: str, head: bytes) -> str | None:
    first = head.lstrip(b"\xef\xbb\xbf").split(b"\n", 1)[0]
    if b"organisasjonsnummer" not in first or b"," not in first or first.lstrip()[:1] in b"[{":
        return None
    if "underenhet" in inner_name.lower() or b"beliggenhetsadresse." in first:
        return "underenheter"
    return "enheter"


class _EnhetFormat:
    register = REGISTER
    underenhet: bool
    kind: str
    #: What a record's number counts, in findings: JSON records, or CSV lines.
    numbering: str

    def write(
        self, conn: psycopg.Connection, records: Iterable[EnhetRecord], context: LoadContext
    ) -> WriteCounts:
        assert context.load_id is not None
        at = _now(conn)
        stage(conn, "enhet_staging", ENHET)
        columns = (*ENHET.columns, "foerst_gyldig_fra", "nr")
        rows = (
            (
                orgnr,
                *[
                    row[c] if as_text is None or row[c] is None else as_text(row[c])
                    for c, as_text in _COPY_PLAN
                ],
                _midnight(row["registreringsdato_enhetsregisteret"]),
                number,
            )
            for orgnr, row, number in records
        )
        copy_rows(conn, "enhet_staging", columns, rows)
        _drop_repeated(conn, context, "enhet_staging", self.numbering)
        reject_other_kind(conn, context, "enhet_staging", self.numbering)
        _warn_unknown_parents(conn, context, self.numbering)
        settle(context)
        order = {"register": ENHET.name, "staging": "enhet_staging", "key": "organisasjonsnummer"}
        history = extract_order.reject_older(
            conn, context, **order, what="organisasjonsnummer", location=self.numbering,
            number="nr", table=ENHET,
        )  # fmt: skip
        # after the older records are rejected: a complete file with rejects ends nothing
        ended = end_units_not_in_file(conn, self, context, at) if context.complete else 0
        counts = merge(conn, ENHET, "enhet_staging", load_id=context.load_id, at=at)
        extract_order.remember(conn, context, **order)
        return counts + WriteCounts(inserted=history, ended=ended)

    def complete_scope(self, declared: Completeness) -> sql.Composable:
        return complete_scope(self, declared)


def _drop_repeated(
    conn: psycopg.Connection, context: LoadContext, staging: str, numbering: str
) -> None:
    """A number twice in one file: the last record (a unit, or a unit's roller document)
    wins, with a warning."""
    repeated = conn.execute(
        sql.SQL(
            "DELETE FROM {staging} s USING (SELECT organisasjonsnummer, max(nr) AS nr "
            "FROM {staging} GROUP BY organisasjonsnummer) last "
            "WHERE last.organisasjonsnummer = s.organisasjonsnummer AND last.nr > s.nr "
            "RETURNING s.nr, s.organisasjonsnummer"
        ).format(staging=sql.Identifier(staging))
    ).fetchall()
    for number, orgnr in sorted(set(repeated)):
        context.report.warn(
            f"{numbering} {number}",
            f"organisasjonsnummer {orgnr} comes again later in the file; the last record is loaded",
        )


def _warn_unknown_parents(conn: psycopg.Connection, context: LoadContext, numbering: str) -> None:
    unknown = conn.execute(
        "SELECT s.nr, s.organisasjonsnummer, s.overordnet_enhet FROM enhet_staging s "
        "WHERE s.overordnet_enhet IS NOT NULL "
        "AND NOT EXISTS (SELECT 1 FROM enhet_staging p "
        "  WHERE p.organisasjonsnummer = s.overordnet_enhet) "
        "AND NOT EXISTS (SELECT 1 FROM enhetsregister.enhet e "
        "  WHERE e.organisasjonsnummer = s.overordnet_enhet AND upper_inf(e.registrert)) "
        "ORDER BY s.nr"
    )
    for number, orgnr, parent in unknown:
        context.report.warn(
            f"{numbering} {number}",
            f"{orgnr}: overordnetEnhet {parent} is not in the register (yet); "
            "it resolves to null until that enhet is loaded",
        )


class EnheterJson(_EnhetFormat):
    """``enheter/lastned`` (and ``underenheter/lastned``): a JSON array of units, gzip'ed
    or not; also one unit (the API's answer) or JSON Lines."""

    def __init__(self, underenhet: bool) -> None:
        self.underenhet = underenhet
        self.kind = "underenheter" if underenhet else "enheter"
        self.name = f"brreg-{self.kind}-json"
        self.numbering = "record"
        self.order = 20 if underenhet else 10

    def matches(self, inner_name: str, head: bytes) -> bool:
        return _json_head_kind(inner_name, head) == self.kind

    def read(self, stream: BinaryIO, context: LoadContext) -> Iterator[EnhetRecord]:
        for number, record in json_values(
            stream, context.source.name, reject=context.report.reject
        ):
            location = f"{self.numbering} {number}"
            if not isinstance(record, dict):
                context.report.reject(location, "not a JSON object")
                continue
            orgnr = _orgnr(
                record.get("organisasjonsnummer"), context, location, "organisasjonsnummer"
            )
            if orgnr is None:
                continue
            try:
                row = fields.row_from_json(record, self.underenhet)
            except fields.FieldError as exc:
                context.report.reject(location, f"{orgnr}: {exc}")
                continue
            if _checked_parent(row, context, location):
                yield orgnr, row, number


def _checked_parent(row: fields.Row, context: LoadContext, location: str) -> bool:
    parent = row["overordnet_enhet"]
    if parent is None:
        return True
    checked = _orgnr(parent, context, location, "overordnetEnhet", warn=False)
    row["overordnet_enhet"] = checked
    return checked is not None


class EnheterCsv(_EnhetFormat):
    """``enheter/lastned/csv`` (and ``underenheter/lastned/csv``): comma-separated,
    ``"``-quoted, dotted column names (``forretningsadresse.adresse``); several values in one
    cell (address lines, ``vedtektsfestetFormaal``, ``aktivitet``) are separated by
    line breaks."""

    def __init__(self, underenhet: bool) -> None:
        self.underenhet = underenhet
        self.kind = "underenheter" if underenhet else "enheter"
        self.name = f"brreg-{self.kind}-csv"
        self.numbering = "line"
        self.order = 21 if underenhet else 11

    def matches(self, inner_name: str, head: bytes) -> bool:
        return _csv_head_kind(inner_name, head) == self.kind

    def read(self, stream: BinaryIO, context: LoadContext) -> Iterator[EnhetRecord]:
        name = context.source.name
        lines = Lines(stream, name, context.report.reject, keep_ends=True)
        reader = csv.reader(lines)
        rows = _csv_rows(reader, name)
        header = next(rows, None)
        if header is None:
            raise SourceError(f"{name}: empty file: expected a CSV header")
        missing = [c for c in fields.csv_header(self.underenhet) if c not in header]
        if missing:
            raise SourceError(
                f"{name}: not a Brønnøysund {self.kind} CSV: the header lacks the column(s) "
                f"{', '.join(missing)}"
            )
        row_of = fields.csv_reader(header, self.underenhet)
        key = {name: i for i, name in enumerate(header)}["organisasjonsnummer"]
        for cells in rows:
            number = lines.number
            location = f"{self.numbering} {number}"
            if len(cells) != len(header):
                problem = f"{len(cells)} columns, expected {len(header)}"
                if not lines.complete:
                    raise lines.truncated(f"has {problem}")
                context.report.reject(location, problem)
                continue
            orgnr = _orgnr(cells[key], context, location, "organisasjonsnummer")
            if orgnr is None:
                continue
            try:
                row = row_of(cells)
            except fields.FieldError as exc:
                context.report.reject(location, f"{orgnr}: {exc}")
                continue
            if _checked_parent(row, context, location):
                yield orgnr, row, number


def _csv_rows(reader: Any, name: str) -> Iterator[list[str]]:
    """The reader's rows; what the csv module cannot read (a cell longer than its limit,
    as an unclosed quote makes) fails the file, naming the line. A line longer than the
    line limit is rejected and skipped before the csv module sees it."""
    try:
        yield from reader
    except csv.Error as exc:
        raise SourceError(f"{name}: line {reader.line_num} is not readable CSV: {exc}") from None


_ORGNR_IN_NAME = re.compile(r"(?<!\d)(\d{9})(?!\d)")


class RollerJson:
    """Roller: one enhet's document (``enheter/{orgnr}/roller``: ``rollegrupper``, the
    orgnr from ``_links.enhet.href`` or, failing that, the last 9-digit number in the file
    name) or the bulk ``roller/totalbestand`` (an array of ``{organisasjonsnummer,
    rollegrupper}``). A file speaks for every enhet it names: roles no longer in it end."""

    name = "brreg-roller-json"
    register = REGISTER
    order = 30

    def matches(self, inner_name: str, head: bytes) -> bool:
        return _json_head_kind(inner_name, head) == "roller"

    def read(self, stream: BinaryIO, context: LoadContext) -> Iterator[RolleRecord]:
        in_name = _ORGNR_IN_NAME.findall(context.source.inner_name)
        for number, document in json_values(
            stream, context.source.name, reject=context.report.reject
        ):
            location = f"record {number}"
            if not isinstance(document, dict) or not isinstance(document.get("rollegrupper"), list):
                context.report.reject(location, "not a roller document (no rollegrupper list)")
                continue
            given = document.get("organisasjonsnummer") or _from_link(document)
            on_command_line = context.given.get("organisasjonsnummer")
            if given is not None and on_command_line and _digits(given) != _digits(on_command_line):
                context.report.reject(
                    location,
                    f"the document is about {given}, not {on_command_line} (--organisasjonsnummer)",
                )
                continue
            given = given or on_command_line
            if given is None and in_name:
                given = in_name[-1]
            if given is None:
                context.report.reject(
                    location,
                    "no organisasjonsnummer: the document has no _links.enhet.href, none "
                    "was given (--organisasjonsnummer) and the file name carries no "
                    "9-digit number",
                )
                continue
            orgnr = _orgnr(given, context, location, "organisasjonsnummer")
            if orgnr is not None:
                yield orgnr, list(_roller(document["rollegrupper"], context, location)), number

    def write(
        self, conn: psycopg.Connection, records: Iterable[RolleRecord], context: LoadContext
    ) -> WriteCounts:
        assert context.load_id is not None
        at = _now(conn)
        stage(conn, "rolle_staging", ROLLE)
        columns = ("organisasjonsnummer", *ROLLE_CONTENT, "gyldig_fra", "foerst_gyldig_fra", "nr")
        empty = (None,) * (len(ROLLE_CONTENT) + 2)

        def rows() -> Iterator[tuple[Any, ...]]:
            for orgnr, roller, number in records:
                yield (orgnr, *empty, number)  # says: this file speaks for orgnr
                for rolle in roller:
                    sist_endret = _midnight(rolle[2])
                    yield (orgnr, *rolle, sist_endret, sist_endret, number)

        copy_rows(conn, "rolle_staging", columns, rows())
        _drop_repeated(conn, context, "rolle_staging", "record")
        # A role group is one entity (valid from its own sistEndret); a document speaks
        # for every group its unit has or had, so a group it lacks ends.
        conn.execute(
            "CREATE TEMP TABLE rolle_dokument ON COMMIT DROP AS SELECT organisasjonsnummer, "
            "min(nr) AS nr FROM rolle_staging GROUP BY organisasjonsnummer; "
            "DELETE FROM rolle_staging WHERE rollegruppe_kode IS NULL; "
            "CREATE TEMP TABLE rolle_covered ON COMMIT DROP AS "
            "SELECT organisasjonsnummer, rollegruppe_kode FROM rolle_staging UNION "
            "SELECT r.organisasjonsnummer, r.rollegruppe_kode FROM enhetsregister.rolle r "
            "JOIN rolle_dokument d USING (organisasjonsnummer) WHERE upper_inf(r.registrert)"
        )
        unknown = conn.execute(
            "SELECT d.nr, d.organisasjonsnummer FROM rolle_dokument d WHERE NOT EXISTS "
            "(SELECT 1 FROM enhetsregister.enhet e WHERE e.organisasjonsnummer = "
            "d.organisasjonsnummer AND upper_inf(e.registrert)) ORDER BY 1"
        )
        for number, orgnr in unknown:
            context.report.warn(
                f"record {number}",
                f"roller of {orgnr}, an enhet not in the "
                "register (yet): loaded, shown once it arrives",
            )
        ended = end_roles_not_in_file(conn, context, at) if context.complete else 0
        counts = merge(
            conn, ROLLE, "rolle_staging", load_id=context.load_id, at=at, covered="rolle_covered"
        )
        return counts + WriteCounts(ended=ended)

    def complete_scope(self, declared: Completeness) -> sql.Composable:
        """``roller/totalbestand`` holds the roles of every unit (``--complete``)."""
        return roller_scope(self.name, declared)


def _digits(number: str) -> str:
    return "".join(c for c in str(number) if c.isdigit())


def _from_link(document: dict[str, Any]) -> str | None:
    links = document.get("_links")
    href = links.get("enhet", {}).get("href") if isinstance(links, dict) else None
    if not isinstance(href, str):
        return None
    return href.rstrip("/").rsplit("/", 1)[-1]


def _code(value: Any) -> tuple[str | None, str | None]:
    if isinstance(value, dict):
        return fields.text(value.get("kode")), fields.text(value.get("beskrivelse"))
    return fields.text(value), None


def _roller(groups: list[Any], context: LoadContext, location: str) -> Iterator[tuple[Any, ...]]:
    """One tuple per role, in ``ROLLE_CONTENT`` order."""
    for group in groups:
        if not isinstance(group, dict):
            context.report.warn(location, "a rollegruppe that is not an object was left out")
            continue
        try:
            gruppe = _code(group.get("type"))
        except fields.FieldError as exc:
            context.report.warn(location, f"a rollegruppe was left out: {exc}")
            continue
        try:
            sist_endret = fields.parse_date("sistEndret", group.get("sistEndret"))
        except fields.FieldError as exc:
            context.report.warn(location, f"{exc}; read as unknown")
            sist_endret = None
        for rolle in group.get("roller") or []:
            row = _rolle(rolle, context, location)
            if row is not None and gruppe[0] is not None:
                yield (*gruppe, sist_endret, *row)


def _rolle(rolle: Any, context: LoadContext, location: str) -> tuple[Any, ...] | None:
    try:
        type_ = _code(rolle.get("type")) if isinstance(rolle, dict) else (None, None)
    except fields.FieldError as exc:
        context.report.warn(location, f"a rolle was left out: {exc}")
        return None
    if type_[0] is None:
        context.report.warn(location, "a rolle without a type was left out")
        return None
    person = rolle.get("person") if isinstance(rolle.get("person"), dict) else None
    enhet = rolle.get("enhet") if isinstance(rolle.get("enhet"), dict) else None
    person_columns: tuple[Any, ...] = (None,) * 6
    enhet_columns: tuple[Any, ...] = (None,) * 4
    ansvarsandel = rolle.get("ansvarsandel")
    try:
        if person is not None:
            person_columns = _person(person, context, location)
        if enhet is not None:
            enhet_columns = _enhet_holder(enhet, context, location)
        valgt_av = _code(rolle.get("valgtAv"))
        andel = fields.text(ansvarsandel if not isinstance(ansvarsandel, dict) else None)
        rekkefolge = fields.parse_int("rekkefolge", rolle.get("rekkefolge"))
        fratraadt = fields.parse_bool("fratraadt", rolle.get("fratraadt"))
    except fields.FieldError as exc:
        context.report.warn(location, f"a rolle was left out: {exc}")
        return None
    return (*type_, *person_columns, *enhet_columns, *valgt_av, andel, fratraadt, rekkefolge)


def _person(person: dict[str, Any], context: LoadContext, location: str) -> tuple[Any, ...]:
    navn = person.get("navn") if isinstance(person.get("navn"), dict) else {}
    fnr = fields.text(person.get("fodselsnummer"))
    if fnr is not None:
        try:
            fnr = parse_person_id(fnr).value
        except InvalidIdentifier as exc:
            context.report.warn(location, f"fodselsnummer of a role holder left out: {exc}")
            fnr = None
    return (
        fnr,
        fields.parse_date("fodselsdato", person.get("fodselsdato")),
        fields.text(navn.get("fornavn")),
        fields.text(navn.get("mellomnavn")),
        fields.text(navn.get("etternavn")),
        fields.parse_bool("erDoed", person.get("erDoed")),
    )


def _enhet_holder(enhet: dict[str, Any], context: LoadContext, location: str) -> tuple[Any, ...]:
    orgnr = fields.text(enhet.get("organisasjonsnummer"))
    if orgnr is not None:
        try:
            orgnr = parse_orgnr(orgnr).value
        except InvalidIdentifier as exc:
            context.report.warn(location, f"organisasjonsnummer of a role holder left out: {exc}")
            orgnr = None
    navn = enhet.get("navn")
    lines = fields.text_list(navn) if isinstance(navn, list | str) else None
    return (
        orgnr,
        " ".join(lines) if lines else None,
        _code(enhet.get("organisasjonsform"))[0],
        fields.parse_bool("erSlettet", enhet.get("erSlettet")),
    )


FORMATS = (
    EnheterJson(underenhet=False),
    EnheterCsv(underenhet=False),
    EnheterJson(underenhet=True),
    EnheterCsv(underenhet=True),
    RollerJson(),
)
assert len(ROLLE_CONTENT) == 20
