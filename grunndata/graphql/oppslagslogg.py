"""The lookup log: every person a request returned, written once per request, append-only.

``felles.oppslagslogg`` holds one row per request and set of field groups returned (usually
one), the persons' identifiers as an array (``identifikasjonsnumre``, GIN-indexed). The
application role may only INSERT into it and SELECT from it.

Writing is a group commit: one ``LookupLogWriter`` per app (made in the server's
lifespan) takes every request's rows, from the resolvers, the SQL forms and a subgraph's
``_entities`` alike. When no flush runs, a request's rows are flushed at once; requests
that arrive during a flush go together in the next one, as one INSERT. Each request waits
until its rows are committed before its answer leaves; when a flush fails, every request
in it fails (``LOOKUP_LOG_UNAVAILABLE``).

Reading it: ``oppslagslogg`` (scope ``tilsyn``: any person's log) and ``mineOppslag`` (a
citizen's token with ``pid``: who looked me up), one ``Oppslag`` per person per lookup.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import re
from collections import deque
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import orjson
import psycopg
import strawberry
from psycopg.rows import dict_row
from psycopg_pool import AsyncConnectionPool
from strawberry.types import Info

from grunndata.db import pools
from grunndata.errors import Forbidden, InvalidArgument, Unauthenticated
from grunndata.graphql.access import policy
from grunndata.graphql.auth import Principal
from grunndata.graphql.context import Context
from grunndata.graphql.tid import aware
from grunndata.identifiers import parse_person_id

log = logging.getLogger(__name__)

MAX_ROWS = 1000
#: A flush takes whole requests up to this many persons (a bigger request goes alone): one
#: statement's JSON stays within a few hundred kB.
MAX_BATCH_PERSONS = 5000
OPERATION_NAME = re.compile(r"\b(query|mutation|subscription)\s+([_A-Za-z][_0-9A-Za-z]*)")
#: The GraphQL type of one lookup: registers add their links to it (``Register.log_links``).
LOG_TYPE = "Oppslag"
COLUMNS = (
    "tidspunkt", "konsument", "scopes", "pid", "feltgrupper", "identifikasjonsnumre",
    "operasjon", "request_id", "behandlingsgrunnlag",
)  # fmt: skip
#: One statement for any batch (prepared once per connection): the rows as one JSON array
#: of objects. Binding nine parameters a row made psycopg re-parse a new statement text
#: for every batch of over five requests (it caches statements of up to 50 parameters).
#: (Whether a person is graded is asked in the request's own snapshot, ``graphql.snapshot``,
#: never here: the log's connection sees a later state of the database.)
FLUSH_SQL = (
    f"INSERT INTO felles.oppslagslogg ({', '.join(COLUMNS)}) "
    f"SELECT {', '.join(COLUMNS)} FROM json_to_recordset(%s::json) AS r("
    "tidspunkt timestamptz, konsument text, scopes text[], pid text, feltgrupper text[], "
    "identifikasjonsnumre text[], operasjon text, request_id text, behandlingsgrunnlag text)"
)

#: One row of the log: ``COLUMNS`` to their values.
Row = dict[str, Any]


def text_array(values: Iterable[str]) -> str:
    """``values`` as a PostgreSQL array literal: digits as they are, the rest quoted.

    Passing a literal costs a few microseconds where psycopg's adaptation of a list of 200
    strings costs about 0.4 ms."""
    return "{" + ",".join(v if v.isdigit() else _quoted(v) for v in values) + "}"


def _quoted(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def rows_of(
    found: list[tuple[str, list[str]]],
    *,
    principal: Principal,
    now: dt.datetime,
    request_id: str,
    operation: str | None,
    behandlingsgrunnlag: str | None,
) -> list[Row]:
    """The log rows for ``found`` (identifier, sorted field groups): one per field-group set."""
    by_groups: dict[tuple[str, ...], list[str]] = {}
    for number, groups in found:
        by_groups.setdefault(tuple(groups), []).append(number)
    scopes = sorted(principal.scopes)
    return [
        {"tidspunkt": now, "konsument": principal.orgnr, "scopes": scopes, "pid": principal.pid,
         "feltgrupper": list(groups), "identifikasjonsnumre": numbers, "operasjon": operation,
         "request_id": request_id, "behandlingsgrunnlag": behandlingsgrunnlag}
        for groups, numbers in by_groups.items()
    ]  # fmt: skip


class LookupLogUnavailable(RuntimeError):
    """The lookup log could not be written (the request must not answer)."""


@dataclass
class _Waiting:
    rows: list[Row]
    persons: int
    done: asyncio.Future[None] = field(repr=False)


class LookupLogWriter:
    """Group commit of the lookup log for one app: one INSERT per flush, no timer.

    ``write`` queues a request's rows and returns once they are committed (or raises).
    One flusher task at a time drains the queue, whole requests up to
    ``max_batch_persons`` per statement. A waiting request that is cancelled (its client
    went away) leaves its rows to be written; the flusher is never the request's task, so
    it cannot be cancelled with it. ``close`` flushes what is pending."""

    def __init__(
        self, pool: AsyncConnectionPool, *, max_batch_persons: int = MAX_BATCH_PERSONS
    ) -> None:
        self.pool = pool
        self.max_batch_persons = max_batch_persons
        self.statements = 0  # INSERTs run (flushes), for tests and the benchmark
        self._queue: deque[_Waiting] = deque()
        self._flusher: asyncio.Task[None] | None = None
        self._closed = False

    async def write(self, rows: list[Row]) -> None:
        """Log ``rows``; return when they are committed. Raises ``LookupLogUnavailable``."""
        if not rows:
            return
        if self._closed:
            raise LookupLogUnavailable("the lookup log writer is closed")
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        persons = sum(len(row["identifikasjonsnumre"]) for row in rows)
        self._queue.append(_Waiting(rows, persons, done))
        if self._flusher is None:
            self._flusher = asyncio.create_task(self._flush_all(), name="oppslagslogg")
        return await done

    async def close(self) -> None:
        """Refuse new rows, and wait until the pending ones are flushed."""
        self._closed = True
        if self._flusher is not None:
            await asyncio.shield(self._flusher)

    async def _flush_all(self) -> None:
        try:
            while self._queue:
                batch = self._take()
                try:
                    await self._insert(batch)
                except asyncio.CancelledError:
                    _fail(batch, LookupLogUnavailable("the writer was stopped"))
                    raise
                except Exception as exc:
                    log.exception("lookup log: a flush of %d requests failed", len(batch))
                    _fail(batch, LookupLogUnavailable(str(exc)))
                else:
                    for waiting in batch:
                        if not waiting.done.done():
                            waiting.done.set_result(None)
        except asyncio.CancelledError:
            _fail(self._queue, LookupLogUnavailable("the writer was stopped"))
            self._queue.clear()
            raise
        finally:
            self._flusher = None

    def _take(self) -> list[_Waiting]:
        batch = [self._queue.popleft()]
        persons = batch[0].persons
        while self._queue and persons + self._queue[0].persons <= self.max_batch_persons:
            persons += self._queue[0].persons
            batch.append(self._queue.popleft())
        return batch

    async def _insert(self, batch: list[_Waiting]) -> None:
        """Write ``batch``'s rows in one statement."""
        rows = [row for waiting in batch for row in waiting.rows]
        payload = [orjson.dumps(rows).decode()]
        try:
            async with self.pool.connection() as conn:
                await conn.execute(FLUSH_SQL, payload)
        except psycopg.OperationalError as exc:
            if not conn.broken:
                raise
            # The database went away. After a restart the INSERT met a dead connection and
            # reached no backend; at worst (it died between commit and answer) the rows
            # are written twice, which never hides a lookup. Replace the dead, try again.
            log.info("lookup log: a pooled connection was dead (%s); writing again", exc)
            await pools.replace_dead(self.pool)
            async with self.pool.connection() as conn:
                await conn.execute(FLUSH_SQL, payload)
        self.statements += 1


def _fail(batch: Iterable[_Waiting], error: Exception) -> None:
    for waiting in batch:
        if not waiting.done.done():
            waiting.done.set_exception(error)


async def write(
    context: Context,
    writer: LookupLogWriter,
    *,
    operation: str | None,
    behandlingsgrunnlag: str | None,
    read: Callable[[], Awaitable[None]] | None = None,
) -> int:
    """Log the persons ``context``'s request returned (resolvers, ``_entities``); how many.
    ``read`` is called once the persons are known, before the log is waited for (the
    request's snapshot gives back its connection)."""
    found = await context.lookups.identified(context) if context.lookups else []
    if read is not None:
        await read()
    if not found:
        return 0
    await write_found(
        writer,
        found,
        principal=context.principal,
        now=context.now,
        request_id=context.request_id,
        operation=operation,
        behandlingsgrunnlag=behandlingsgrunnlag,
    )
    return len(found)


async def write_found(
    writer: LookupLogWriter,
    found: list[tuple[str, list[str]]],
    *,
    principal: Principal,
    now: dt.datetime,
    request_id: str,
    operation: str | None,
    behandlingsgrunnlag: str | None,
) -> None:
    """Log ``found`` (identifier, sorted field groups), whichever path (resolvers or SQL
    forms) answered; return when committed."""
    if not found:
        return
    rows = rows_of(found, principal=principal, now=now, request_id=request_id,
                   operation=operation, behandlingsgrunnlag=behandlingsgrunnlag)  # fmt: skip
    await writer.write(rows)


def operation_name(given: Any, query: str | None) -> str | None:
    """The operation the log names: the request's ``operationName``, else the name of the
    (first) operation in ``query``."""
    if isinstance(given, str) and given:
        return given
    return _first_operation(query or "")


@lru_cache(maxsize=512)
def _first_operation(query: str) -> str | None:
    found = OPERATION_NAME.search(query)
    return found.group(2) if found else None


@strawberry.type(
    name=LOG_TYPE, description="One lookup of a person: who, when, why and what they got."
)
class Oppslag:
    """The log's own fields; the registers' links follow (``Register.log_links``: the
    consumer's unit, read from ``konsument``)."""

    tidspunkt: dt.datetime
    identifikasjonsnummer: strawberry.ID = strawberry.field(
        description="The identifier logged: the one the person held then (a lookup under a "
        "former D-nummer is listed with it)."
    )
    konsument: str | None = strawberry.field(
        description="The consumer's organisasjonsnummer (the token's consumer.ID)."
    )
    scopes: list[str]
    feltgrupper: list[str] = strawberry.field(
        description="Which field groups were returned: identitet, personopplysninger, adresse."
    )
    operasjon: str | None = strawberry.field(description="The GraphQL operation name.")
    request_id: str
    behandlingsgrunnlag: str | None = strawberry.field(
        description="The purpose the consumer gave (the Behandlingsgrunnlag header)."
    )


async def _read(
    context: Context, number: str, fra: dt.datetime | None, til: dt.datetime | None
) -> list[Oppslag]:
    if fra is not None and til is not None and aware(fra) > aware(til):
        raise InvalidArgument("fra is after til")
    numbers = await _identifiers_of(context, number)
    async with (context.log or context.pool).connection() as conn:
        cursor = await conn.cursor(row_factory=dict_row).execute(
            """SELECT tidspunkt, nummer AS identifikasjonsnummer, konsument, scopes,
                      feltgrupper, operasjon, request_id, behandlingsgrunnlag
               FROM felles.oppslagslogg, unnest(identifikasjonsnumre) AS nummer
               WHERE identifikasjonsnumre && %(numbers)s::text[]
                 AND nummer = ANY (%(numbers)s::text[])
                 AND (%(fra)s::timestamptz IS NULL OR tidspunkt >= %(fra)s)
                 AND (%(til)s::timestamptz IS NULL OR tidspunkt < %(til)s)
               ORDER BY tidspunkt DESC, id DESC, nummer LIMIT %(limit)s""",
            {
                "numbers": text_array(numbers),
                "fra": aware(fra) if fra else None,
                "til": aware(til) if til else None,
                "limit": MAX_ROWS,
            },
        )
        rows: list[dict[str, Any]] = await cursor.fetchall()
    return [Oppslag(**row) for row in rows]


async def _identifiers_of(context: Context, number: str) -> list[str]:
    """Every identifier the person ``number`` names has held (the log records the one in
    use at the time: lookups made under a former D-nummer are theirs too); just ``number``
    when the register that holds persons does not know it (``PersonAccess.type_name``;
    its entity answers ``person_identifiers``)."""
    person = await context.entity(policy().persons.type_name, number)
    identifiers = getattr(person, "person_identifiers", None)
    if identifiers is None:
        return [number]
    return list(dict.fromkeys([number, *await identifiers(context)]))


@strawberry.type
class OppslagsloggQuery:
    @strawberry.field(
        description=f"Who looked up this person (newest first, at most {MAX_ROWS}); "
        "needs scope tilsyn."
    )
    async def oppslagslogg(
        self,
        info: Info[Context, None],
        identifikasjonsnummer: strawberry.ID,
        fra: dt.datetime | None = None,
        til: dt.datetime | None = None,
    ) -> list[Oppslag] | None:
        number = parse_person_id(identifikasjonsnummer).value
        return await _read(info.context, number, fra, til)

    @strawberry.field(
        description="Who looked me up (newest first): needs a citizen's token (with pid)."
    )
    async def mine_oppslag(
        self,
        info: Info[Context, None],
        fra: dt.datetime | None = None,
        til: dt.datetime | None = None,
    ) -> list[Oppslag] | None:
        principal = info.context.principal
        if not principal.authenticated:
            raise Unauthenticated("mineOppslag needs a citizen's bearer token (with pid).")
        if principal.pid is None:
            raise Forbidden("mineOppslag needs a citizen's token: this one has no pid.")
        return await _read(info.context, principal.pid, fra, til)
