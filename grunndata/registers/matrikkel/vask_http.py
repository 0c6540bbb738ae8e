"""``POST /adressevask``: a CSV or JSON Lines body washed, the rows streamed back.

``?kolonne=adresse`` or ``?kolonner=gate,nummer,postnummer`` say where the address is,
``?epsg=4326`` the coordinates' EPSG code (default 25833). JSON Lines when the
Content-Type is ``application/x-ndjson`` or ``application/jsonl`` (or ``?format=jsonl``),
else CSV. At most ``MAX_ROWS`` rows and ``MAX_BYTES`` bytes a request: more is refused
with 413 before anything is washed; a missing column or bad parameter is 400. Errors are
``{"error": {"code", "message"}}``. The server adapts this to its web framework
(``Register.http_endpoints``).
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import orjson

from grunndata.errors import GrunndataError, InvalidArgument
from grunndata.registers.base import HttpAnswer, HttpCall
from grunndata.registers.matrikkel import geometri
from grunndata.registers.matrikkel.vask_bulk import LineSplitter, Tabell, vask_linjer
from grunndata.registers.matrikkel.vask_fil import kolonneliste

PATH = "/adressevask"
MAX_ROWS = 10_000
MAX_BYTES = 10 * 1024 * 1024
_JSONL = ("application/x-ndjson", "application/jsonl", "application/json-lines")


def _error(status: int, code: str, message: str) -> HttpAnswer:
    body = orjson.dumps({"error": {"code": code, "message": message}})
    return HttpAnswer(status, "application/json", body)


async def _body_lines(body: AsyncIterator[bytes]) -> list[bytes | None] | None:
    """The body's lines, or None when it is over the caps (read no further than that)."""
    splitter, lines, size = LineSplitter(), [], 0
    async for chunk in body:
        size += len(chunk)
        lines += splitter.feed(chunk)
        if size > MAX_BYTES or len(lines) > MAX_ROWS + 1:
            return None
    lines += splitter.end()
    return lines if len(lines) <= MAX_ROWS + 1 else None


async def adressevask(call: HttpCall) -> HttpAnswer:
    query = call.query
    jsonl = query.get("format") == "jsonl" or call.content_type.split(";")[0].strip() in _JSONL
    try:
        columns = kolonneliste(query.get("kolonne"), query.get("kolonner"))
        epsg = int(query.get("epsg", "25833"))
        table = Tabell(jsonl, columns, "body")
        lines = await _body_lines(call.body)
        if lines is None:
            return _error(413, "REQUEST_TOO_LARGE", f"at most {MAX_ROWS} rows and "
                          f"{MAX_BYTES} bytes a request; split the file")  # fmt: skip
        first = next((line for line in lines if line and line.strip()), None)
        if first is None:
            raise InvalidArgument("body: empty")
        if not jsonl:
            table.read_header(table.decode(first))
        async with call.pool.connection() as conn:
            await geometri.check_epsg(conn, epsg)
    except ValueError:
        return _error(400, "INVALID_ARGUMENT", "epsg: not a number")
    except GrunndataError as exc:
        return _error(exc.http_status, exc.code, exc.message)

    async def rows() -> AsyncIterator[str]:
        async def source() -> AsyncIterator[bytes | None]:
            for line in lines:
                yield line

        async with call.pool.connection() as conn:
            async for line in vask_linjer(conn, table, source(), epsg):
                yield line

    media = "application/x-ndjson" if jsonl else "text/csv; charset=utf-8"
    return HttpAnswer(200, media, rows())


ENDPOINTS = {PATH: adressevask}
