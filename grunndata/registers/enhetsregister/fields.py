"""Every field of Brønnøysund's enhet and underenhet, once: its JSON name, its CSV
column(s), its database column and its kind.

The JSON names (``enheter/lastned``) are the canonical ones and are what GraphQL calls
the fields; the CSV (``/lastned/csv``) spells a few differently (see ``CSV_ALIASES``) and
flattens objects into dotted columns. A record becomes a ``Row``: a dict keyed by
database column, with Brønnøysund's quirks cleaned away (``""`` as a date or in address
lines, ``null`` in address lines).

>>> column("registreringsdatoAntallAnsatteNAVAaregisteret")
'registreringsdato_antall_ansatte_nav_aaregisteret'
>>> normalise_adresse({"adresse": ["Tyvholmen 1", None, ""], "postnummer": "0101"})
{'adresse': ['Tyvholmen 1'], 'postnummer': '0101', 'poststed': None, 'kommune': None, \
'kommunenummer': None, 'land': None, 'landkode': None}
"""

from __future__ import annotations

import enum
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from functools import cache, cached_property
from typing import Any


class Kind(enum.Enum):
    TEXT = "text"
    DATE = "date"
    BOOL = "boolean"
    INT = "integer"
    CODE = "code"  # {kode, beskrivelse}: two columns, <name>_kode and <name>_beskrivelse
    ADDRESS = "address"  # {adresse[], postnummer, ...}: one jsonb column
    LIST = "list"  # [text]: one text[] column


def column(json_name: str) -> str:
    """The database column for a JSON name: snake case, runs of capitals kept together."""
    words = re.findall(r"[A-Z]+(?=[A-Z][a-z]|$)|[A-Z]?[a-z0-9]+|[A-Z]+", json_name)
    return "_".join(word.lower() for word in words)


@dataclass(frozen=True)
class Field:
    name: str
    kind: Kind
    hovedenhet: bool = True
    underenhet: bool = True

    @cached_property
    def columns(self) -> tuple[str, ...]:
        base = column(self.name)
        if self.kind is Kind.CODE:
            return (f"{base}_kode", f"{base}_beskrivelse")
        return (base,)

    @property
    def sql_type(self) -> str:
        return {Kind.ADDRESS: "jsonb", Kind.LIST: "text[]", Kind.CODE: "text"}.get(
            self.kind, self.kind.value
        )


T, D, B, N, C, A, L = Kind.TEXT, Kind.DATE, Kind.BOOL, Kind.INT, Kind.CODE, Kind.ADDRESS, Kind.LIST

FIELDS: tuple[Field, ...] = (
    Field("navn", T),
    Field("organisasjonsform", C),
    Field("naeringskode1", C),
    Field("naeringskode2", C),
    Field("naeringskode3", C),
    Field("hjelpeenhetskode", C),
    Field("harRegistrertAntallAnsatte", B),
    Field("antallAnsatte", N),
    Field("registreringsdatoAntallAnsatteEnhetsregisteret", D),
    Field("registreringsdatoAntallAnsatteNAVAaregisteret", D),
    Field("hjemmeside", T),
    Field("epostadresse", T),
    Field("telefon", T),
    Field("mobil", T),
    Field("postadresse", A),
    Field("forretningsadresse", A, underenhet=False),
    Field("beliggenhetsadresse", A, hovedenhet=False),
    Field("institusjonellSektorkode", C, underenhet=False),
    Field("sisteInnsendteAarsregnskap", T, underenhet=False),
    Field("registreringsdatoEnhetsregisteret", D),
    Field("stiftelsesdato", D, underenhet=False),
    Field("registrertIMvaregisteret", B),
    Field("registreringsdatoMerverdiavgiftsregisteret", D),
    Field("registreringsdatoMerverdiavgiftsregisteretEnhetsregisteret", D),
    Field("frivilligMvaRegistrertBeskrivelser", L),
    Field("registreringsdatoFrivilligMerverdiavgiftsregisteret", D),
    Field("registrertIFrivillighetsregisteret", B, underenhet=False),
    Field("registreringsdatoFrivillighetsregisteret", D, underenhet=False),
    Field("registrertIForetaksregisteret", B, underenhet=False),
    Field("registreringsdatoForetaksregisteret", D, underenhet=False),
    Field("registrertIStiftelsesregisteret", B, underenhet=False),
    Field("registrertIPartiregisteret", B, underenhet=False),
    Field("registreringsdatoPartiregisteret", D, underenhet=False),
    Field("konkurs", B, underenhet=False),
    Field("konkursdato", D, underenhet=False),
    Field("underAvvikling", B, underenhet=False),
    Field("underAvviklingDato", D, underenhet=False),
    Field("underTvangsavviklingEllerTvangsopplosning", B, underenhet=False),
    Field("tvangsopplostPgaManglendeDagligLederDato", D, underenhet=False),
    Field("tvangsopplostPgaManglendeRevisorDato", D, underenhet=False),
    Field("tvangsopplostPgaManglendeRegnskapDato", D, underenhet=False),
    Field("tvangsopplostPgaMangelfulltStyreDato", D, underenhet=False),
    Field("tvangsavvikletPgaManglendeSlettingDato", D, underenhet=False),
    Field("overordnetEnhet", T),
    Field("maalform", T, underenhet=False),
    Field("vedtektsdato", D, underenhet=False),
    Field("vedtektsfestetFormaal", L, underenhet=False),
    Field("aktivitet", L, underenhet=False),
    Field("oppstartsdato", D, hovedenhet=False),
    Field("datoEierskifte", D, hovedenhet=False),
    Field("nedleggelsesdato", D, hovedenhet=False),
    Field("slettedato", D),
)

#: Every content column of table ``enhet`` (besides the key), in table order.
CONTENT_COLUMNS: tuple[str, ...] = ("er_underenhet", *(c for f in FIELDS for c in f.columns))
ADDRESS_PARTS = (
    "adresse",
    "postnummer",
    "poststed",
    "kommune",
    "kommunenummer",
    "land",
    "landkode",
)

#: The JSON spellings that the CSV headers spell otherwise, per kind of file.
_NAV = "registreringsdatoAntallAnsatteNAVAaregisteret"
CSV_ALIASES: dict[bool, dict[str, str]] = {
    False: {
        "registreringsdatoEnhetsregisteret": "registreringsdatoenhetsregisteret",
        "registrertIMvaregisteret": "registrertIMvaRegisteret",
        _NAV: "registreringsdatoantallansatteNAVAaregisteret",
    },
    True: {
        "registreringsdatoEnhetsregisteret": "registreringsdatoIEnhetsregisteret",
        _NAV: "registreringsdatoantallansatteNAVAaregisteret",
    },
}

Row = dict[str, Any]


class FieldError(ValueError):
    """A field's value is not of its kind: the record is rejected with this reason."""


@cache
def fields_of(underenhet: bool) -> tuple[Field, ...]:
    return tuple(f for f in FIELDS if (f.underenhet if underenhet else f.hovedenhet))


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def parse_date(name: str, value: Any) -> date | None:
    if type(value) is str and len(value) == 10:
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    if _blank(value):
        return None
    try:
        return date.fromisoformat(str(value).strip()[:10])
    except ValueError:
        raise FieldError(f"{name}: {value!r} is not a date (YYYY-MM-DD)") from None


def parse_bool(name: str, value: Any) -> bool | None:
    if isinstance(value, bool) or value is None:
        return value
    text = str(value).strip().lower()
    if text in ("true", "ja", "j"):
        return True
    if text in ("false", "nei", "n"):
        return False
    if not text:
        return None
    raise FieldError(f"{name}: {value!r} is not true or false")


#: What an ``integer`` column holds; a larger number would fail the whole file in the database.
_INTEGER_RANGE = range(-(2**31), 2**31)


def parse_int(name: str, value: Any) -> int | None:
    if _blank(value):
        return None
    if isinstance(value, bool):
        raise FieldError(f"{name}: {value!r} is not a whole number")
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise FieldError(f"{name}: {value!r} is not a whole number") from None
    if number not in _INTEGER_RANGE:
        raise FieldError(f"{name}: {value!r} is out of range for a whole number")
    return number


class _Unstorable(FieldError):
    """Text the database cannot store (a NUL character); the caller names the field."""


def _storable(text: str) -> str:
    if "\x00" in text:
        raise _Unstorable(f"{text!r} holds a NUL character, which the database cannot store")
    return text


def text(value: Any) -> str | None:
    if type(value) is str:
        return _storable(value.strip()) or None
    if value is None:
        return None
    return _storable(str(value).strip()) or None


def text_list(values: Any) -> list[str] | None:
    """A list of lines with ``null`` and ``""`` left out; an empty one is None."""
    if values is None:
        return None
    if isinstance(values, str):
        values = [values]
    lines = [_storable(str(v).strip()) for v in values if not _blank(v)]
    return lines or None


def normalise_adresse(value: Any) -> dict[str, Any] | None:
    """An address object with every part present and the lines cleaned; None when empty."""
    if not isinstance(value, dict):
        return None
    cleaned: dict[str, Any] = {"adresse": text_list(value.get("adresse")) or []}
    for part in ADDRESS_PARTS[1:]:
        cleaned[part] = text(value.get(part))
    if not cleaned["adresse"] and all(cleaned[p] is None for p in ADDRESS_PARTS[1:]):
        return None
    return cleaned


def row_from_json(record: dict[str, Any], underenhet: bool) -> Row:
    """The columns of one JSON enhet (without its key), quirks cleaned; ``FieldError``
    names a field that cannot be read."""
    row: Row = {"er_underenhet": underenhet}
    get = record.get
    for name, columns, read in _PLAN:
        _fill(row, name, columns, read, get(name))
    return row


def _fill(row: Row, name: str, columns: tuple[str, ...], read: Any, value: Any) -> None:
    """Field ``name``'s ``value`` into its ``columns`` of ``row`` (None: all null)."""
    if value is None:
        for c in columns:
            row[c] = None
        return
    try:
        read(row, columns, name, value)
    except _Unstorable as exc:
        raise FieldError(f"{name}: {exc}") from None


def _read_code(row: Row, columns: tuple[str, ...], name: str, value: Any) -> None:
    code = value if isinstance(value, dict) else {}
    row[columns[0]] = text(code.get("kode"))
    row[columns[1]] = text(code.get("beskrivelse"))


def _reader(kind: Kind) -> Any:
    """How a field of this kind goes into its column(s): ``read(row, columns, name, value)``."""
    if kind is Kind.CODE:
        return _read_code
    if kind is Kind.TEXT:

        def read_text(row: Row, columns: tuple[str, ...], name: str, value: Any) -> None:
            row[columns[0]] = text(value)

        return read_text
    if kind is Kind.LIST:

        def read_list(row: Row, columns: tuple[str, ...], name: str, value: Any) -> None:
            row[columns[0]] = text_list(value)

        return read_list
    if kind is Kind.ADDRESS:

        def read_address(row: Row, columns: tuple[str, ...], name: str, value: Any) -> None:
            row[columns[0]] = normalise_adresse(value)

        return read_address
    parse = {Kind.DATE: parse_date, Kind.BOOL: parse_bool, Kind.INT: parse_int}[kind]

    def read_parsed(row: Row, columns: tuple[str, ...], name: str, value: Any) -> None:
        row[columns[0]] = parse(name, value)

    return read_parsed


#: Each field's name, columns and reader, worked out once (the loader reads every field of
#: every record: a dispatch on its kind per value is a fifth of a load's time).
_PLAN = tuple((f.name, f.columns, _reader(f.kind)) for f in FIELDS)


@cache
def csv_columns(f: Field, underenhet: bool) -> tuple[str, ...]:
    """The CSV header names a field occupies."""
    name = CSV_ALIASES[underenhet].get(f.name, f.name)
    if f.kind is Kind.CODE:
        return (f"{name}.kode", f"{name}.beskrivelse")
    if f.kind is Kind.ADDRESS:
        return tuple(f"{name}.{part}" for part in ADDRESS_PARTS)
    return (name,)


def csv_header(underenhet: bool) -> tuple[str, ...]:
    """The columns a CSV of this kind has, in Brønnøysund's order (the download's header row);
    a file must have them all (checked by name, not position). ``slettedato`` is read too
    when a file has it."""
    return UNDERENHETER_CSV_HEADER if underenhet else ENHETER_CSV_HEADER


ENHETER_CSV_HEADER: tuple[str, ...] = (
    "organisasjonsnummer",
    "navn",
    "organisasjonsform.kode",
    "organisasjonsform.beskrivelse",
    "naeringskode1.kode",
    "naeringskode1.beskrivelse",
    "naeringskode2.kode",
    "naeringskode2.beskrivelse",
    "naeringskode3.kode",
    "naeringskode3.beskrivelse",
    "hjelpeenhetskode.kode",
    "hjelpeenhetskode.beskrivelse",
    "harRegistrertAntallAnsatte",
    "antallAnsatte",
    "registreringsdatoAntallAnsatteEnhetsregisteret",
    "registreringsdatoantallansatteNAVAaregisteret",
    "hjemmeside",
    "epostadresse",
    "telefon",
    "mobil",
    "postadresse.adresse",
    "postadresse.poststed",
    "postadresse.postnummer",
    "postadresse.kommune",
    "postadresse.kommunenummer",
    "postadresse.land",
    "postadresse.landkode",
    "forretningsadresse.adresse",
    "forretningsadresse.poststed",
    "forretningsadresse.postnummer",
    "forretningsadresse.kommune",
    "forretningsadresse.kommunenummer",
    "forretningsadresse.land",
    "forretningsadresse.landkode",
    "institusjonellSektorkode.kode",
    "institusjonellSektorkode.beskrivelse",
    "sisteInnsendteAarsregnskap",
    "registreringsdatoenhetsregisteret",
    "stiftelsesdato",
    "registrertIMvaRegisteret",
    "registreringsdatoMerverdiavgiftsregisteret",
    "registreringsdatoMerverdiavgiftsregisteretEnhetsregisteret",
    "frivilligMvaRegistrertBeskrivelser",
    "registreringsdatoFrivilligMerverdiavgiftsregisteret",
    "registrertIFrivillighetsregisteret",
    "registreringsdatoFrivillighetsregisteret",
    "registrertIForetaksregisteret",
    "registreringsdatoForetaksregisteret",
    "registrertIStiftelsesregisteret",
    "registrertIPartiregisteret",
    "registreringsdatoPartiregisteret",
    "konkurs",
    "konkursdato",
    "underAvvikling",
    "underAvviklingDato",
    "underTvangsavviklingEllerTvangsopplosning",
    "tvangsopplostPgaManglendeDagligLederDato",
    "tvangsopplostPgaManglendeRevisorDato",
    "tvangsopplostPgaManglendeRegnskapDato",
    "tvangsopplostPgaMangelfulltStyreDato",
    "tvangsavvikletPgaManglendeSlettingDato",
    "overordnetEnhet",
    "maalform",
    "vedtektsdato",
    "vedtektsfestetFormaal",
    "aktivitet",
)
UNDERENHETER_CSV_HEADER: tuple[str, ...] = (
    "organisasjonsnummer",
    "navn",
    "organisasjonsform.kode",
    "organisasjonsform.beskrivelse",
    "naeringskode1.kode",
    "naeringskode1.beskrivelse",
    "naeringskode2.kode",
    "naeringskode2.beskrivelse",
    "naeringskode3.kode",
    "naeringskode3.beskrivelse",
    "hjelpeenhetskode.kode",
    "hjelpeenhetskode.beskrivelse",
    "harRegistrertAntallAnsatte",
    "antallAnsatte",
    "registreringsdatoAntallAnsatteEnhetsregisteret",
    "registreringsdatoantallansatteNAVAaregisteret",
    "hjemmeside",
    "epostadresse",
    "telefon",
    "mobil",
    "postadresse.adresse",
    "postadresse.poststed",
    "postadresse.postnummer",
    "postadresse.kommune",
    "postadresse.kommunenummer",
    "postadresse.land",
    "postadresse.landkode",
    "beliggenhetsadresse.adresse",
    "beliggenhetsadresse.poststed",
    "beliggenhetsadresse.postnummer",
    "beliggenhetsadresse.kommune",
    "beliggenhetsadresse.kommunenummer",
    "beliggenhetsadresse.land",
    "beliggenhetsadresse.landkode",
    "registreringsdatoIEnhetsregisteret",
    "frivilligMvaRegistrertBeskrivelser",
    "registreringsdatoFrivilligMerverdiavgiftsregisteret",
    "registrertIMvaregisteret",
    "registreringsdatoMerverdiavgiftsregisteret",
    "registreringsdatoMerverdiavgiftsregisteretEnhetsregisteret",
    "oppstartsdato",
    "datoEierskifte",
    "overordnetEnhet",
    "nedleggelsesdato",
)

#: How several values share one CSV cell (address lines, vedtektsfestetFormaal, ...).
CSV_LIST_SEPARATOR = "\n"


def row_from_csv(cells: dict[str, str], underenhet: bool) -> Row:
    """The columns of one CSV record (without its key), cells by header name."""
    return csv_reader(tuple(cells), underenhet)(list(cells.values()))


def csv_reader(header: Sequence[str], underenhet: bool) -> Callable[[Sequence[str]], Row]:
    """``row_from_csv`` for the records of a file with ``header``: each field's cells are
    found by position once, and read straight into the row (as ``row_from_json`` reads
    the same field; a column the header lacks reads as missing)."""
    at = {name: i for i, name in enumerate(header)}
    readers = {name: read for name, _, read in _PLAN}
    own = {name for name, _, _ in csv_plan(underenhet)}
    absent = {c: None for f in FIELDS if f.name not in own for c in f.columns}
    steps = [
        (name, f.columns, readers[name], _csv_value(kind, tuple(at.get(n) for n in names)))
        for f in FIELDS
        for name, kind, names in csv_plan(underenhet)
        if name == f.name
    ]

    def read(cells: Sequence[str]) -> Row:
        row: Row = {"er_underenhet": underenhet, **absent}
        for name, columns, reader, value_of in steps:
            _fill(row, name, columns, reader, value_of(cells))
        return row

    return read


def _csv_value(kind: Kind, positions: tuple[int | None, ...]) -> Callable[[Sequence[str]], Any]:
    """How a field of ``kind`` is taken from a record's cells at ``positions`` (None: a
    column the file lacks), as ``row_from_json`` takes it from a JSON record."""

    def cell(cells: Sequence[str], i: int | None) -> str | None:
        return None if i is None else cells[i]

    if kind is Kind.CODE:
        kode, beskrivelse = positions
        return lambda cells: {"kode": cell(cells, kode), "beskrivelse": cell(cells, beskrivelse)}
    if kind is Kind.ADDRESS:
        parts = tuple(zip(ADDRESS_PARTS, positions, strict=True))

        def address(cells: Sequence[str]) -> dict[str, Any]:
            value = {part: cell(cells, i) for part, i in parts}
            value["adresse"] = _split_list(value["adresse"])
            return value

        return address
    (i,) = positions
    if kind is Kind.LIST:
        return lambda cells: _split_list(cell(cells, i))
    if i is None:
        return lambda cells: None
    return lambda cells: cells[i]


@cache
def csv_plan(underenhet: bool) -> tuple[tuple[str, Kind, tuple[str, ...]], ...]:
    """Each field of the kind's CSV: its JSON name, its kind and the columns it occupies."""
    return tuple((f.name, f.kind, csv_columns(f, underenhet)) for f in fields_of(underenhet))


def _split_list(cell: str | None) -> list[str]:
    if not cell:
        return []
    return cell.replace("\r\n", "\n").split(CSV_LIST_SEPARATOR)
