"""Synthetic ``lastned`` files: any number of made-up enheter with every field filled in
(or left out) the way Brønnøysund does, for tests, benchmarks and trying a load.

>>> from grunndata.identifiers import parse_orgnr
>>> records = list(enheter(3, seed=1))
>>> [parse_orgnr(r["organisasjonsnummer"]).value == r["organisasjonsnummer"] for r in records]
[True, True, True]
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import random
from collections.abc import Callable, Iterable, Iterator
from datetime import date
from pathlib import Path
from typing import Any

from grunndata.identifiers.orgnr import orgnumre
from grunndata.registers.enhetsregister import fields
from grunndata.registers.enhetsregister.fields import CSV_LIST_SEPARATOR, Kind

FORMER = [
    ("AS", "Aksjeselskap"),
    ("ENK", "Enkeltpersonforetak"),
    ("ANS", "Ansvarlig selskap"),
    ("FLI", "Forening/lag/innretning"),
    ("STI", "Stiftelse"),
]
UNDER_FORMER = [
    ("BEDR", "Underenhet til næringsdrivende og offentlig forvaltning"),
    ("AAFY", "Underenhet til ikke-næringsdrivende"),
]
NAERINGER = [
    ("62.010", "Programmeringstjenester"),
    ("41.200", "Oppføring av bygninger"),
    ("56.101", "Drift av restauranter og kafeer"),
    ("69.201", "Revisjon"),
    ("49.410", "Godstransport på vei"),
    ("68.209", "Utleie av fast eiendom ellers"),
    ("62.020", "Konsulentvirksomhet tilknyttet informasjonsteknologi"),
]
ORD = "KORSVIK VARDÅS STRAND SØRLANDET HOLM AAS BYGG IT REGNSKAP TRANSPORT EIENDOM KAFÉ".split()  # noqa: SIM905
KOMMUNER = [
    ("4204", "KRISTIANSAND", "4638", "KRISTIANSAND S"),
    ("0301", "OSLO", "0150", "OSLO"),
    ("4601", "BERGEN", "5003", "BERGEN"),
    ("5001", "TRONDHEIM", "7010", "TRONDHEIM"),
]


def _date(rng: random.Random, start: int = 1950, end: int = 2025) -> str:
    return date.fromordinal(_ORDINALS[start] + rng.randrange((end - start) * 365)).isoformat()


_ORDINALS = {year: date(year, 1, 1).toordinal() for year in (1950, 2000)}


def _adresse(rng: random.Random) -> dict[str, Any]:
    kommunenummer, kommune, postnummer, poststed = rng.choice(KOMMUNER)
    lines = [f"{rng.choice(ORD).title()}veien {rng.randint(1, 200)}"]
    if rng.random() < 0.2:
        lines.insert(0, f"c/o {rng.choice(ORD).title()}")
    return {
        "land": "Norge",
        "landkode": "NO",
        "postnummer": postnummer,
        "poststed": poststed,
        "adresse": lines,
        "kommune": kommune,
        "kommunenummer": kommunenummer,
    }


Maker = Callable[[random.Random], Any]


def _code(source: list[tuple[str, str]]) -> Maker:
    def code(rng: random.Random) -> Any:
        kode, beskrivelse = rng.choice(source)
        return {"kode": kode, "beskrivelse": beskrivelse}

    return code


def _lines(rng: random.Random) -> list[str]:
    return [f"{rng.choice(ORD).title()} og annen virksomhet." for _ in range(rng.randint(1, 2))]


def _maker(f: fields.Field) -> Maker:
    """How a value of field ``f`` is made up."""
    if f.kind is Kind.CODE:
        return _code({"organisasjonsform": FORMER}.get(f.name, NAERINGER))
    return {
        Kind.ADDRESS: _adresse,
        Kind.LIST: _lines,
        Kind.DATE: _date,
        Kind.BOOL: lambda rng: rng.random() < 0.5,
        Kind.INT: lambda rng: rng.randint(0, 500),
    }.get(f.kind, lambda rng: f"{rng.choice(ORD).lower()}{rng.randint(1, 999)}")


def _maybe(make: Maker) -> Maker:
    """``make``'s value six times in ten (made first, so the draws stay as they were)."""

    def maybe(rng: random.Random) -> Any:
        value = make(rng)
        return value if rng.random() < 0.6 else None

    return maybe


#: The fields every unit has.
_ALWAYS = ("organisasjonsform", "naeringskode1", "registreringsdatoEnhetsregisteret")


def _plan(underenhet: bool, parents: list[str] | None) -> list[tuple[str, Maker]]:
    """Each field of the kind (but navn and slettedato) and how its value is made up."""
    plan: list[tuple[str, Maker]] = []
    for f in fields.fields_of(underenhet):
        if f.name in ("navn", "slettedato"):
            continue
        if f.name == "overordnetEnhet":
            make: Maker = (lambda rng: rng.choice(parents)) if parents else (lambda rng: None)
        elif f.name == "organisasjonsform" and underenhet:
            make = _code(UNDER_FORMER)
        elif f.name in _ALWAYS:
            make = _maker(f)
        else:
            make = _maybe(_maker(f))
        plan.append((f.name, make))
    return plan


def enheter(
    n: int, *, seed: int = 0, underenhet: bool = False, parents: list[str] | None = None
) -> Iterator[dict[str, Any]]:
    """``n`` JSON records as ``enheter/lastned`` (or ``underenheter/lastned``) has them:
    every field of its kind present or absent at random, a few deleted units."""
    rng = random.Random(seed)
    numbers = orgnumre(rng, start=500000 * (seed % 100) + (300000 if underenhet else 0))
    plan = _plan(underenhet, parents)
    for _ in range(n):
        orgnr = next(numbers)
        if rng.random() < 0.02:  # deleted: only a few fields
            yield {
                "organisasjonsnummer": orgnr,
                "navn": _navn(rng),
                "organisasjonsform": {"kode": "AS", "beskrivelse": "Aksjeselskap"},
                "slettedato": _date(rng, 2000),
            }
            continue
        record: dict[str, Any] = {"organisasjonsnummer": orgnr, "navn": _navn(rng)}
        for name, make in plan:
            record[name] = make(rng)
        record["_links"] = {
            "self": {"href": f"https://data.brreg.no/enhetsregisteret/api/enheter/{orgnr}"}
        }
        yield record


#: Made-up name words: a few thousand, so that names are as varied as real ones.
STAVELSER = "kor svik var dås strand sør land holm aas berg dal vik nes by stad fjell".split()  # noqa: SIM905
STAVELSER += "tek bygg data rør elek kraft lys mat hav skog sand stein bro gård lund".split()  # noqa: SIM905


def _navn(rng: random.Random) -> str:
    if rng.random() < 0.1:
        words = rng.sample(ORD, rng.randint(1, 3))
    else:
        count = rng.randint(1, 3)
        words = ["".join(rng.sample(STAVELSER, rng.randint(2, 3))).upper() for _ in range(count)]
    return " ".join(words) + rng.choice([" AS", "", " ANS", " SA"])


def write_json_gz(path: Path, records: Iterable[dict[str, Any]]) -> Path:
    """A gzip'ed JSON array, one record per line, written as it streams."""
    with gzip.open(path, "wt", encoding="utf-8", compresslevel=1) as out:
        out.write("[")
        for i, record in enumerate(records):
            out.write(("," if i else "") + "\n" + json.dumps(record, ensure_ascii=False))
        out.write("\n]\n")
    return path


def csv_row(record: dict[str, Any], underenhet: bool) -> dict[str, str]:
    """One record as the CSV's cells (dotted columns; several values joined by line breaks)."""
    cells: dict[str, str] = {"organisasjonsnummer": record["organisasjonsnummer"]}
    get = record.get
    for name, kind, names in fields.csv_plan(underenhet):
        value = get(name)
        if kind is Kind.CODE:
            cells[names[0]] = (value or {}).get("kode") or ""
            cells[names[1]] = (value or {}).get("beskrivelse") or ""
        elif kind is Kind.ADDRESS:
            for part, column in zip(fields.ADDRESS_PARTS, names, strict=True):
                part_value = (value or {}).get(part)
                cells[column] = (
                    CSV_LIST_SEPARATOR.join(part_value or [])
                    if part == "adresse"
                    else part_value or ""
                )
        elif kind is Kind.LIST:
            cells[names[0]] = CSV_LIST_SEPARATOR.join(value or [])
        elif kind is Kind.BOOL:
            cells[names[0]] = "" if value is None else ("true" if value else "false")
        else:
            cells[names[0]] = "" if value is None else str(value)
    return cells


def write_csv_gz(
    path: Path, records: Iterable[dict[str, Any]], *, underenhet: bool = False
) -> Path:
    """A gzip'ed CSV in Brønnøysund's columns (plus ``slettedato``), every cell quoted."""
    header = [*fields.csv_header(underenhet), "slettedato"]
    with gzip.open(path, "wt", encoding="utf-8", newline="", compresslevel=1) as out:
        writer = csv.DictWriter(out, header, quoting=csv.QUOTE_ALL)
        writer.writeheader()
        for record in records:
            writer.writerow(csv_row(record, underenhet))
    return path


def json_bytes(records: Iterable[dict[str, Any]]) -> bytes:
    buffer = io.StringIO()
    json.dump(list(records), buffer, ensure_ascii=False)
    return buffer.getvalue().encode()
