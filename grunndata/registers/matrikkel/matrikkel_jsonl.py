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
from dataclasses import dataclass
from datetime import datetime
from typing import Any, BinaryIO

import psycopg

from grunndata.identifiers import InvalidIdentifier, parse_orgnr, parse_person_id
from grunndata.loaders.bulk import copy_rows, create_staging
from grunndata.loaders.formats import LoadContext, WriteCounts
from grunndata.loaders.lines import Lines
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


@dataclass(frozen=True)
class Rad:
    """One checked line: its kind and its values, named as the staging columns."""

    line: int
    kind: str
    data: dict[str, Any]


def _eier(forhold: dict[str, Any], line: int, context: LoadContext) -> dict[str, Any]:
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
    return {
        "andel_teller": andel.get("teller"), "andel_nevner": andel.get("nevner"),
        "navn": eier.get("navn"), "identifikasjonsnummer": ident, "organisasjonsnummer": orgnr,
    }  # fmt: skip


def _not_json(constant: str) -> Any:
    """Python's json reads NaN and Infinity; JSON (and PostgreSQL's jsonb) has neither."""
    raise ValueError(f"{constant} is not a JSON number")


def _has_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_nul(v) for v in value)
    return False


class MatrikkelJsonl:
    name = "matrikkel-jsonl"
    register = "matrikkel"
    order = 5

    def matches(self, inner_name: str, head: bytes) -> bool:
        return inner_name.lower().endswith((".jsonl", ".ndjson")) and b'"objekttype"' in head

    def read(self, stream: BinaryIO, context: LoadContext) -> Iterator[Rad]:
        lines = Lines(stream, context.source.name, context.report.reject)
        for line in lines:
            number, text = lines.number, line.strip()
            if not text:
                continue
            try:
                obj = json.loads(text, parse_constant=_not_json)
                if _has_nul(obj):
                    raise ValueError("a string holds a NUL character (\\u0000), which text cannot")
                problems = check_matrikkel(obj)
                if problems:
                    raise ValueError("; ".join(problems[:3]))
                yield self._record(number, obj, context)
            except json.JSONDecodeError as exc:
                if not lines.complete:
                    raise lines.truncated(f"is not whole JSON ({exc.msg})") from None
                context.report.reject(f"line {number}", f"not JSON: {exc.msg}")
            except InvalidIdentifier as exc:
                context.report.reject(f"line {number}", str(exc))
            except ValueError as exc:
                context.report.reject(f"line {number}", str(exc))

    def _record(self, line: int, obj: dict[str, Any], context: LoadContext) -> Rad:
        fra = valid_from(obj.get("gyldigFra"))
        gyldig_fra = fra.isoformat() if fra else None
        if obj["objekttype"] == "bygning":
            punkt = obj.get("representasjonspunkt") or {}
            return Rad(line, "bygning", {
                "bygningsnummer": obj["bygningsnummer"],
                "bygningstype": obj.get("bygningstypeKode"),
                "bygningsstatus": obj.get("bygningsstatusKode"),
                "matrikkelnumre": [str(matrikkelnummer_fra(m)) for m in obj["matrikkelenheter"]],
                "x": punkt.get("x"), "y": punkt.get("y"), "epsg": punkt.get("epsg"),
                "gyldig_fra": gyldig_fra,
            })  # fmt: skip
        nummer = matrikkelnummer_fra(obj["matrikkelnummer"])
        tidligere = [str(matrikkelnummer_fra(m)) for m in obj.get("tidligereMatrikkelnumre", [])]
        return Rad(line, "matrikkelenhet", {
            "matrikkelnummer": str(nummer), "kommunenummer": nummer.kommunenummer,
            "gardsnummer": nummer.gardsnummer, "bruksnummer": nummer.bruksnummer,
            "festenummer": nummer.festenummer, "seksjonsnummer": nummer.seksjonsnummer,
            "matrikkelenhetstype": obj["matrikkelenhetstype"],
            "status": obj.get("status", "aktiv"), "bruksnavn": obj.get("bruksnavn"),
            "gyldig_fra": gyldig_fra,
            "tidligere": tidligere,
            "eiere": [_eier(f, line, context) for f in obj.get("eierforhold", [])],
        })  # fmt: skip

    def write(
        self, conn: psycopg.Connection, records: Iterable[Rad], context: LoadContext
    ) -> WriteCounts:
        # Every line streams into one raw table (memory stays flat); SQL spreads it over
        # the staging tables of units, former numbers, owners and buildings.
        conn.execute(
            "CREATE TEMP TABLE matrikkel_raw (line integer, kind text, key text, data jsonb) "
            "ON COMMIT DROP"
        )
        rows = (
            (r.line, r.kind, str(r.data.get("matrikkelnummer") or r.data["bygningsnummer"]),
             json.dumps(r.data, ensure_ascii=False))
            for r in records
        )  # fmt: skip
        copy_rows(conn, "matrikkel_raw", ("line", "kind", "key", "data"), rows)
        for line, kind, key in conn.execute(
            "DELETE FROM matrikkel_raw r USING matrikkel_raw o WHERE r.kind = o.kind "
            "AND r.key = o.key AND r.line > o.line RETURNING r.line, r.kind, r.key"
        ).fetchall():
            context.report.reject(f"line {line}", f"{kind} {key} repeated in the file")
        default = stage.default_valid_from(conn, context)
        counts = self._write_matrikkelenheter(conn, default, context)
        counts += self._write_bygninger(conn, default, context)
        stage.analyze(conn, MATRIKKELENHET.name, TIDLIGERE.name, EIERFORHOLD.name, BYGNING.name)
        return counts

    def _write_matrikkelenheter(
        self, conn: psycopg.Connection, default: datetime, context: LoadContext
    ) -> WriteCounts:
        for table, name in ((MATRIKKELENHET, "enhet_stage"), (TIDLIGERE, "tidligere_stage"),
                            (EIERFORHOLD, "eier_stage")):  # fmt: skip
            create_staging(conn, name, table.name, table.columns)
            conn.execute(f"ALTER TABLE {name} ADD gyldig_fra timestamptz")
        valid = "coalesce((r.data->>'gyldig_fra')::timestamptz, %(default)s)"
        conn.execute(
            "INSERT INTO enhet_stage SELECT (jsonb_populate_record(NULL::enhet_stage, r.data)).* "
            "FROM matrikkel_raw r WHERE r.kind = 'matrikkelenhet'"
        )
        conn.execute(
            "UPDATE enhet_stage SET gyldig_fra = %(default)s WHERE gyldig_fra IS NULL",
            {"default": default},
        )
        conn.execute(
            f"INSERT INTO tidligere_stage SELECT r.key, t.tidligere, {valid} "
            "FROM matrikkel_raw r, jsonb_array_elements_text(r.data->'tidligere') AS t(tidligere) "
            "WHERE r.kind = 'matrikkelenhet'",
            {"default": default},
        )
        conn.execute(
            "INSERT INTO eier_stage SELECT r.key, e.andel_teller, e.andel_nevner, e.navn, "
            f"e.identifikasjonsnummer, e.organisasjonsnummer, {valid} FROM matrikkel_raw r, "
            "jsonb_to_recordset(r.data->'eiere') AS e(andel_teller integer, "
            "andel_nevner integer, navn text, identifikasjonsnummer text, "
            "organisasjonsnummer text) WHERE r.kind = 'matrikkelenhet'",
            {"default": default},
        )
        counts = stage.merge(conn, MATRIKKELENHET, "enhet_stage", context)
        counts += stage.merge(conn, TIDLIGERE, "tidligere_stage", context, covered="enhet_stage")
        return counts + stage.merge(conn, EIERFORHOLD, "eier_stage", context, covered="enhet_stage")

    def _write_bygninger(
        self, conn: psycopg.Connection, default: datetime, context: LoadContext
    ) -> WriteCounts:
        content = ["bygningsnummer", "bygningstype", "bygningsstatus", "matrikkelnumre"]
        stage.copy_points(conn, "bygning_raw", BYGNING.name, content, ())
        conn.execute(
            "INSERT INTO bygning_raw SELECT (jsonb_populate_record(NULL::bygning_raw, "
            "r.data || jsonb_build_object('line', r.line))).* FROM matrikkel_raw r "
            "WHERE r.kind = 'bygning' AND r.data->>'x' IS NOT NULL"
        )
        stage.reject_bad_points(conn, "bygning_raw", context)
        conn.execute(
            "CREATE TEMP TABLE bygning_stage ON COMMIT DROP AS SELECT bygningsnummer, "
            "bygningstype, bygningsstatus, matrikkelnumre, punkt, "
            "coalesce(gyldig_fra, %(default)s) AS gyldig_fra FROM bygning_raw UNION ALL "
            "SELECT (r.data->>'bygningsnummer')::bigint, r.data->>'bygningstype', "
            "r.data->>'bygningsstatus', "
            "ARRAY(SELECT jsonb_array_elements_text(r.data->'matrikkelnumre')), NULL, "
            "coalesce((r.data->>'gyldig_fra')::timestamptz, %(default)s) "
            "FROM matrikkel_raw r WHERE r.kind = 'bygning' AND r.data->>'x' IS NULL",
            {"default": default},
        )
        return stage.merge(conn, BYGNING, "bygning_stage", context)
