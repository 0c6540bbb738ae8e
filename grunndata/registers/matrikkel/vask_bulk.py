"""Address washing in bulk: CSV (any delimiter) or JSON Lines in, the same rows out with
the official address added, batch by batch (one statement per batch).

Each output row keeps the input's columns and adds ``adresseId``, ``adressetekst`` (the
official text), ``kategori``, ``korreksjoner`` (codes, ``|``-separated), ``begrunnelse``
and ``x``/``y`` in the EPSG asked. A row that cannot be read (wrong column count, bad
JSON, a missing field, a line over ``MAX_LINE`` bytes, a text over the length cap or with
control characters) is kept with ``begrunnelse`` ``AVVIST: …`` and counted as rejected.
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field

import orjson
from psycopg import AsyncConnection

from grunndata.errors import InvalidArgument
from grunndata.registers.matrikkel import geometri
from grunndata.registers.matrikkel.vask import CONTROL, KODER, MAX_LENGTH, vask_mange

MAX_LINE = 64 * 1024
BATCH = 500
ADDED = ("adresseId", "adressetekst", "kategori", "korreksjoner", "begrunnelse", "x", "y")
_DELIMITERS = ";,\t|"


class LineSplitter:
    """Bytes in, lines out; a line over ``MAX_LINE`` bytes comes out as ``None`` (and is
    never held whole in memory)."""

    def __init__(self) -> None:
        self.buffer = bytearray()
        self.skipping = False

    def feed(self, chunk: bytes) -> list[bytes | None]:
        out: list[bytes | None] = []
        self.buffer += chunk
        while True:
            at = self.buffer.find(b"\n")
            if at < 0:
                if len(self.buffer) > MAX_LINE:
                    if not self.skipping:
                        out.append(None)
                    self.skipping = True
                    self.buffer.clear()
                return out
            line = bytes(self.buffer[:at]).rstrip(b"\r")
            del self.buffer[: at + 1]
            if self.skipping:
                self.skipping = False
            elif len(line) > MAX_LINE:
                out.append(None)
            else:
                out.append(line)

    def end(self) -> list[bytes | None]:
        rest = bytes(self.buffer).rstrip(b"\r")
        self.buffer.clear()
        return [rest] if rest and not self.skipping else []


@dataclass
class Oppsummering:
    kategorier: Counter[str] = field(default_factory=Counter)
    rader: int = 0
    windows_1252: bool = False

    def tekst(self) -> str:
        k = self.kategorier
        parts = [f"{k[c]} {c}" for c in ("A", "B", "C")]
        parts += [f"{k['ingen']} uten kandidat", f"{k['avvist']} avvist"]
        return f"{self.rader} rader: " + ", ".join(parts)


class Tabell:
    """The input's shape (CSV with its delimiter and header, or JSON Lines) and how a
    row's address text is made from ``kolonne`` or ``kolonner``."""

    def __init__(self, jsonl: bool, kolonner: Sequence[str], source: str) -> None:
        if not kolonner:
            raise InvalidArgument("give the column holding the address (kolonne or kolonner)")
        self.jsonl = jsonl
        self.kolonner = list(kolonner)
        self.source = source
        self.header: list[str] = []
        self.delimiter = ";"
        self.summary = Oppsummering()

    def decode(self, line: bytes) -> str:
        try:
            return line.decode("utf-8").lstrip("\ufeff")
        except UnicodeDecodeError:
            self.summary.windows_1252 = True
            return line.decode("cp1252", errors="replace")

    def read_header(self, line: str) -> str:
        """The output header line; ``InvalidArgument`` naming the missing columns."""
        self.delimiter = max(_DELIMITERS, key=line.count)
        self.header = next(csv.reader([line], delimiter=self.delimiter))
        missing = [k for k in self.kolonner if k not in self.header]
        if missing:
            raise InvalidArgument(
                f"{self.source}: no column {', '.join(missing)} in the header "
                f"(columns: {', '.join(self.header)})"
            )
        return self._csv([*self.header, *(_name(a, self.header) for a in ADDED)])

    def _csv(self, values: Sequence[object]) -> str:
        out = io.StringIO()
        csv.writer(out, delimiter=self.delimiter, lineterminator="\n").writerow(values)
        return out.getvalue()

    def parse(self, line: str) -> tuple[object, str | None, str | None]:
        """The row as read, its address text, and why it is rejected (or None)."""
        if self.jsonl:
            try:
                row = orjson.loads(line)
            except orjson.JSONDecodeError as exc:
                return {"linje": line[:200]}, None, f"ikke gyldig JSON ({exc})"
            if not isinstance(row, dict):
                return {"linje": line[:200]}, None, "ikke et JSON-objekt"
            missing = [k for k in self.kolonner if k not in row]
            values = [row.get(k) for k in self.kolonner]
        else:
            fields = next(csv.reader([line], delimiter=self.delimiter), [])
            if len(fields) != len(self.header):
                return fields, None, f"{len(fields)} kolonner, ventet {len(self.header)}"
            row, missing = fields, []
            values = [fields[self.header.index(k)] for k in self.kolonner]
        if missing:
            return row, None, f"mangler {', '.join(missing)}"
        text = " ".join(str(v) for v in values if v not in (None, ""))
        if len(text) > MAX_LENGTH:
            return row, None, f"adressen er over {MAX_LENGTH} tegn"
        if CONTROL.search(text):
            return row, None, "adressen har kontrolltegn"
        return row, text, None

    def write(self, row: object, added: Sequence[object]) -> str:
        if self.jsonl:
            base = dict(row) if isinstance(row, dict) else {}
            names = [_name(a, list(base)) for a in ADDED]
            return orjson.dumps(base | dict(zip(names, added, strict=True))).decode() + "\n"
        fields = list(row) if isinstance(row, list) else []
        fields = (fields + [""] * len(self.header))[: len(self.header)]
        return self._csv([*fields, *added])


def _name(added: str, existing: Sequence[str]) -> str:
    return f"vask_{added}" if added in existing else added


async def _wash(
    conn: AsyncConnection, table: Tabell, batch: list[tuple[object, str | None, str | None]],
    epsg: int,
) -> list[str]:  # fmt: skip
    texts = sorted({text for _, text, _ in batch if text is not None})
    found = await vask_mange(conn, texts, punkt=False) if texts else []
    washed = dict(zip(texts, found, strict=True))
    points = {}
    if epsg != 25833:
        ids = [(v.kandidater[0].rad["x"], v.kandidater[0].rad["y"]) for v in washed.values()
               if v.kandidater]  # fmt: skip
        points = await _transformed(conn, ids, epsg)
    out = []
    for row, text, rejected in batch:
        table.summary.rader += 1
        if rejected is not None or text is None:
            table.summary.kategorier["avvist"] += 1
            out.append(table.write(row, ["", "", "", "", f"AVVIST: {rejected}", "", ""]))
            continue
        result = washed[text]
        if not result.kandidater:
            table.summary.kategorier["ingen"] += 1
            reason = f"{result.begrunnelse}: {KODER[result.begrunnelse or 'INGEN_TREFF']}"
            out.append(table.write(row, ["", "", "", "", reason, "", ""]))
            continue
        top = result.kandidater[0]
        table.summary.kategorier[result.kategori or "C"] += 1
        x, y = points.get((top.rad["x"], top.rad["y"]), (top.rad["x"], top.rad["y"]))
        out.append(table.write(row, [
            top.rad["adresse_id"], top.rad["adressetekst"], result.kategori,
            "|".join(top.korreksjoner), "", round(x, 6), round(y, 6),
        ]))  # fmt: skip
    return out


async def _transformed(
    conn: AsyncConnection, points: list[tuple[float, float]], epsg: int
) -> dict[tuple[float, float], tuple[float, float]]:
    if not points:
        return {}
    cursor = await conn.execute(
        "SELECT x, y, ST_X(g), ST_Y(g) FROM unnest(%s::float8[], %s::float8[]) AS p(x, y), "
        "LATERAL ST_Transform(ST_SetSRID(ST_MakePoint(x, y), 25833), %s::int) AS g",
        [[p[0] for p in points], [p[1] for p in points], epsg],
    )
    return {(r[0], r[1]): (r[2], r[3]) for r in await cursor.fetchall()}


async def vask_linjer(
    conn: AsyncConnection, table: Tabell, lines: AsyncIterator[bytes | None], epsg: int = 25833
) -> AsyncIterator[str]:
    """The output, line by line, for the input's ``lines`` (the header first, for CSV)."""
    await geometri.check_epsg(conn, epsg)
    batch: list[tuple[object, str | None, str | None]] = []
    header_done = table.jsonl
    async for raw in lines:
        if raw is None:
            batch.append(({}, None, f"linjen er over {MAX_LINE} byte"))
        elif not raw.strip():
            continue
        elif not header_done:
            yield table.read_header(table.decode(raw))
            header_done = True
            continue
        else:
            batch.append(table.parse(table.decode(raw)))
        if len(batch) >= BATCH:
            for line in await _wash(conn, table, batch, epsg):
                yield line
            batch = []
    if not header_done:
        raise InvalidArgument(f"{table.source}: empty, not even a header")
    if batch:
        for line in await _wash(conn, table, batch, epsg):
            yield line
