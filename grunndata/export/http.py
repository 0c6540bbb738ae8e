"""``GET /eksport/<register>/<kommunenummer>.gpkg``: a register's GeoPackage of one kommune
(``Eksport.nedlasting``), for GIS users who never touch the command line.

The file is the export ``grunndata export REGISTER --format gpkg --kommune K`` writes. It
is made once per sequence number of the change feed and kept in the data directory
(``eksport/``); its ETag is the register, the kommune and that number, so a client that
has it gets ``304 Not Modified`` after one cheap probe, and nothing is rebuilt until the
database has changed. Made in a worker thread, one at a time per file; streamed from disk.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from pathlib import Path

from starlette.requests import Request
from starlette.responses import FileResponse, Response
from starlette.routing import BaseRoute, Route

from grunndata.config import SecuritySettings
from grunndata.export.check import Ask, ExportRefused
from grunndata.export.run import export
from grunndata.feed.store import alast_sequence
from grunndata.graphql.gate import RateLimiter
from grunndata.identifiers import InvalidIdentifier, parse_kommunenummer
from grunndata.ogc.http import not_modified
from grunndata.ogc.problem import Problem, not_found
from grunndata.ogc.routes import answering

GPKG = "application/geopackage+sqlite3"
PATH = "/eksport/{register}/{fil}"


class Downloads:
    """The GeoPackages of the registers that offer them (``registers``), cached in
    ``cache``, made from ``database_url``."""

    def __init__(self, database_url: str, cache: Path, registers: Sequence[str]) -> None:
        self.database_url = database_url
        self.cache = cache
        self.registers = frozenset(registers)
        self._locks: dict[tuple[str, str], asyncio.Lock] = {}

    async def get(self, request: Request) -> Response:
        register, kommune = self._asked(request)
        async with request.app.state.pool.connection() as conn:
            sekvensnummer = await alast_sequence(conn)
        cached = self._path(register, kommune, sekvensnummer)
        if (done := not_modified(request, _tag(register, kommune, sekvensnummer))) is not None:
            return done
        if not cached.exists():
            async with self._locks.setdefault((register, kommune), asyncio.Lock()):
                cached = await self._made(register, kommune, sekvensnummer)
        number = int(cached.stem.rpartition("-")[2])
        return FileResponse(
            cached, media_type=GPKG, filename=f"{register}-{kommune}.gpkg",
            headers={"ETag": _tag(register, kommune, number), "Cache-Control": "no-cache"},
        )  # fmt: skip

    def _asked(self, request: Request) -> tuple[str, str]:
        register, fil = request.path_params["register"], request.path_params["fil"]
        if register not in self.registers:
            offered = ", ".join(sorted(self.registers))
            raise not_found(f"No download of {register[:50]!r}; offered: {offered}")
        given, dot, suffix = fil.rpartition(".")
        if not dot or suffix != "gpkg":
            raise not_found(f"No {fil[:50]!r}: ask for <kommunenummer>.gpkg")
        try:
            return register, parse_kommunenummer(given).value
        except InvalidIdentifier as exc:
            raise not_found(f"No kommune {given[:20]!r}: {exc.reason}") from None

    def _path(self, register: str, kommune: str, sekvensnummer: int) -> Path:
        return self.cache / register / f"{kommune}-{sekvensnummer}.gpkg"

    async def _made(self, register: str, kommune: str, sekvensnummer: int) -> Path:
        """The file at ``sekvensnummer`` or later: made now unless another request did."""
        folder = self.cache / register
        newest = _newest(folder, kommune)
        if newest is not None and int(newest.stem.rpartition("-")[2]) >= sekvensnummer:
            return newest
        folder.mkdir(parents=True, exist_ok=True)
        work = folder / f"{kommune}-making.gpkg"
        ask = Ask(register, work, "gpkg", (kommune,))
        try:
            done = await asyncio.to_thread(export, self.database_url, ask)
        except ExportRefused as exc:
            raise Problem(400, "InvalidParameterValue", exc.message) from None
        made = self._path(register, kommune, done.stamp.sekvensnummer)
        work.replace(made)
        for old in folder.glob(f"{kommune}-*.gpkg"):
            if old != made:
                old.unlink(missing_ok=True)  # a client still reading it keeps its copy
        return made


def _newest(folder: Path, kommune: str) -> Path | None:
    made = [p for p in folder.glob(f"{kommune}-*.gpkg") if p.stem.rpartition("-")[2].isdigit()]
    return max(made, key=lambda p: int(p.stem.rpartition("-")[2]), default=None)


def _tag(register: str, kommune: str, sekvensnummer: int) -> str:
    return f'"{register}-{kommune}-{sekvensnummer}"'


def eksport_routes(
    database_url: str, cache: Path, registers: Sequence[str], security: SecuritySettings
) -> list[BaseRoute]:
    """The download route, limited per client as the OGC API is (none when no register
    offers a download)."""
    if not registers:
        return []
    downloads = Downloads(database_url, cache, registers)
    limiter = RateLimiter(security.ogc_rate_limit_per_minute, security.ogc_rate_limit_burst)
    return [Route(PATH, answering(downloads.get, limiter), methods=["GET", "HEAD"])]
