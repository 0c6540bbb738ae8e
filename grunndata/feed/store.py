"""Reading the feed: the highest number a snapshot holds, and a page of events after a
number, filtered in SQL (so a page is full and its cursor honest whatever a consumer may
not see). Each reader has a sync and an async form (``a``-prefixed) over one statement.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import psycopg

from grunndata.feed import retention

LAST = "SELECT coalesce(max(sekvensnummer), 0) FROM felles.hendelse"
OLDEST = "SELECT min(sekvensnummer) FROM felles.hendelse"
COLUMNS = "sekvensnummer, last_id, tidspunkt, register, entitet, noekkel, hendelsestype"
#: A graded person's event without the field groups that would say the address changed.
UNPLACED = (
    "CASE WHEN register || '/' || entitet = ANY(%(unplaced)s) AND EXISTS (SELECT 1 FROM "
    "felles.adressebeskyttelse a WHERE a.identifikasjonsnummer = noekkel AND a.gradert @> "
    "now()) THEN ARRAY(SELECT g FROM unnest(feltgrupper) g WHERE g <> ALL(%(address)s)) "
    "ELSE feltgrupper END"
)


@dataclass(frozen=True)
class Hendelse:
    sekvensnummer: int
    last_id: int
    tidspunkt: datetime
    register: str
    entitet: str
    noekkel: str
    hendelsestype: str
    feltgrupper: list[str]


def last_sequence(conn: psycopg.Connection) -> int:
    """The highest sequence number in the connection's snapshot (0: no event yet)."""
    return conn.execute(LAST).fetchone()[0]  # type: ignore[index]


async def alast_sequence(conn: psycopg.AsyncConnection) -> int:
    return (await (await conn.execute(LAST)).fetchone())[0]  # type: ignore[index]


def _page(
    after: int,
    limit: int,
    registers: Sequence[str] | None,
    entities: Sequence[str] | None,
    types: Sequence[str] | None,
    hidden: Sequence[tuple[str, str]],
    unplaced: Sequence[tuple[str, str, Sequence[str]]],
) -> tuple[str, dict[str, Any]]:
    where = ["sekvensnummer > %(after)s"]
    params: dict[str, Any] = {"after": after, "limit": limit}
    groups = "feltgrupper"
    if unplaced:
        groups = UNPLACED
        params["unplaced"] = [f"{register}/{entitet}" for register, entitet, _ in unplaced]
        params["address"] = sorted({g for _, _, address in unplaced for g in address})
    for column, values in (("register", registers), ("entitet", entities),
                           ("hendelsestype", types)):  # fmt: skip
        if values is not None:
            where.append(f"{column} = ANY(%({column})s)")
            params[column] = list(values)
    if hidden:
        where.append("register || '/' || entitet <> ALL(%(hidden)s)")
        params["hidden"] = [f"{register}/{entitet}" for register, entitet in hidden]
    statement = (
        f"SELECT {COLUMNS}, {groups} FROM felles.hendelse WHERE {' AND '.join(where)} "
        "ORDER BY sekvensnummer LIMIT %(limit)s"
    )
    return statement, params


def read_events(
    conn: psycopg.Connection,
    *,
    after: int,
    limit: int,
    registers: Sequence[str] | None = None,
    entities: Sequence[str] | None = None,
    types: Sequence[str] | None = None,
    hidden: Sequence[tuple[str, str]] = (),
    unplaced: Sequence[tuple[str, str, Sequence[str]]] = (),
) -> list[Hendelse]:
    """Up to ``limit`` events after ``after``, in order, of the given registers, entities
    and types (None: all), leaving out ``hidden`` (register, entitet) pairs; for
    ``unplaced`` (register, entitet, address field groups), a person whose address is
    graded now gets no address field group. Raises ``CursorExpired`` when events after
    ``after`` were pruned (checked after reading, so a prune racing the read is caught
    too)."""
    statement, params = _page(after, limit, registers, entities, types, hidden, unplaced)
    rows = conn.execute(statement, params).fetchall()  # type: ignore[arg-type]
    retention.check(after, conn.execute(OLDEST).fetchone()[0])  # type: ignore[index]
    return [Hendelse(*row) for row in rows]


async def aread_events(
    conn: psycopg.AsyncConnection,
    *,
    after: int,
    limit: int,
    registers: Sequence[str] | None = None,
    entities: Sequence[str] | None = None,
    types: Sequence[str] | None = None,
    hidden: Sequence[tuple[str, str]] = (),
    unplaced: Sequence[tuple[str, str, Sequence[str]]] = (),
) -> list[Hendelse]:
    """``read_events`` on an async connection."""
    statement, params = _page(after, limit, registers, entities, types, hidden, unplaced)
    rows = await (await conn.execute(statement, params)).fetchall()  # type: ignore[arg-type]
    oldest = await (await conn.execute(OLDEST)).fetchone()
    retention.check(after, oldest[0])  # type: ignore[index]
    return [Hendelse(*row) for row in rows]
