"""Entities as records: exactly what the GraphQL API answers a token with the export's
scopes, read in the export's snapshot, every person returned written to the lookup log.

The keys come from the register's SQL (a server-side cursor in the snapshot); each batch
of keys is one GraphQL operation on the engine's own schema (``build_schema``: the access
rules of ``grunndata.graphql.access`` guard it as they guard ``/graphql``), and its
persons are logged (``grunndata.graphql.oppslagslogg.write``) before its records are
written. A field the scopes do not allow is null, as the API answers it.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson
import psycopg
import strawberry

from grunndata.errors import GrunndataError
from grunndata.export import layers
from grunndata.export.declare import Features, Records
from grunndata.export.snapshot import Imported
from grunndata.graphql import oppslagslogg
from grunndata.graphql.auth import Principal
from grunndata.graphql.context import Context
from grunndata.graphql.tid import Tidspunkt

#: Keys per GraphQL operation: a batch root takes up to 1000; aliased roots fewer.
BATCH = 1000
ALIASED = 100
#: Refusals the API answers as a null field; any other error stops the export.
ACCESS_CODES = frozenset({"FORBIDDEN", "UNAUTHENTICATED"})
OPERATION = "eksport"


@dataclass(frozen=True)
class Record:
    entitet: str
    noekkel: str
    data: dict[str, Any]


def keys(
    conn: psycopg.Connection[Any], records: Records, naa: datetime, kommuner: tuple[str, ...]
) -> Iterator[list[str]]:
    """The current entities' keys in batches, in the register's order."""
    tid = Tidspunkt(gyldig=naa)
    as_of = {f"as_of_{alias}": tid.as_of_sql(alias)[0] for alias in records.versioned}
    sql = records.keys.format(**as_of)
    if kommuner:
        sql = f"SELECT * FROM ({sql}) AS k WHERE {records.kommune}"
    size = BATCH if records.batch else ALIASED
    params = {**tid.as_of_sql("x")[1], "kommuner": list(kommuner)}
    with conn.cursor(name=f"eksport_{records.entitet.lower()}") as cursor:
        cursor.execute(sql, params)
        while rows := cursor.fetchmany(size):
            yield [str(row[0]) for row in rows]


def document(records: Records, batch: list[str]) -> str:
    """The operation answering ``batch`` (keys as string literals: no variables)."""
    literal = [orjson.dumps(key).decode() for key in batch]
    if records.batch:
        arg = "[" + ", ".join(literal) + "]"
        root = f"r: {records.root}({records.argument}: {arg})"
        return f"query Eksport {{ {root} {{ {records.selection} }} }}"
    fields = (
        f"k{n}: {records.root}({records.argument}: {key}) {{ {records.selection} }}"
        for n, key in enumerate(literal)
    )
    return "query Eksport { " + " ".join(fields) + " }"


async def read(
    schema: strawberry.Schema,
    snapshot: Imported,
    records: Records,
    batches: Iterator[list[str]],
    *,
    principal: Principal,
    naa: datetime,
    log: oppslagslogg.LookupLogWriter,
) -> AsyncIterator[Record]:
    """The records of every batch, in key order; an entity the API answers null for (gone
    or unknown) is left out."""
    run = uuid.uuid4().hex[:12]
    for number, batch in enumerate(batches):
        context = Context(
            pool=snapshot, request_id=f"{OPERATION}-{run}-{number}",
            entities=getattr(schema, "entity_batches", {}), now=naa, principal=principal,
        )  # fmt: skip
        result = await schema.execute(document(records, batch), context_value=context)
        for error in result.errors or ():
            code = getattr(error.original_error, "code", None)
            if code not in ACCESS_CODES:
                raise GrunndataError(
                    f"export of {records.entitet}: the API refused {error.path}: {error.message}"
                )
        answers = _answers(records, result.data or {}, len(batch))
        await oppslagslogg.write(context, log, operation=OPERATION, behandlingsgrunnlag=None)
        for answer in answers:
            if answer is not None:
                yield Record(records.entitet, str(answer[records.key]), answer)


def _answers(records: Records, data: dict[str, Any], count: int) -> list[Any]:
    if records.batch:
        return list(data.get("r") or [])
    return [data.get(f"k{n}") for n in range(count)]


async def features(
    conn: psycopg.Connection[Any], declared: Features, naa: datetime, kommuner: tuple[str, ...]
) -> AsyncIterator[Record]:
    """The layer's features as records, in key order, as the OGC API's item answers them
    (CRS84)."""
    for text in layers.features_json(conn, declared.layer, 4326, naa, kommuner):
        feature = orjson.loads(text)
        data = {"geometry": feature["geometry"], "properties": feature["properties"]}
        yield Record(declared.entitet, str(feature["id"]), data)
