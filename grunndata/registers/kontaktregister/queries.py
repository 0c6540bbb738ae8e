"""The SQL the register answers with: one statement for many persons."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from psycopg import AsyncConnection
from psycopg.rows import dict_row

from grunndata.graphql.tid import Tidspunkt

Row = dict[str, Any]


async def kontakter(
    conn: AsyncConnection, tid: Tidspunkt, numbers: Sequence[str]
) -> list[Row | None]:
    """The version of each person's entry ``tid`` sees, in the keys' order (None: no entry
    then)."""
    as_of, params = tid.as_of_sql("k")
    async with conn.cursor(row_factory=dict_row) as cursor:
        await cursor.execute(
            f"SELECT k.* FROM kontaktregister.kontakt k "
            f"WHERE k.personidentifikator = ANY(%(keys)s) AND {as_of}",
            {**params, "keys": list(numbers)},
        )
        rows = await cursor.fetchall()
    found = {row["personidentifikator"]: row for row in rows}
    return [found.get(number) for number in numbers]
