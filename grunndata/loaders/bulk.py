r"""Bulk writing: COPY rows into a staging table that lives for one transaction.

COPY's text format hands each value to its column's input function, so a value may go as
the text PostgreSQL reads for its type: ``text_array`` and ``json_text`` write a list of
text and a JSON value so, several times faster than psycopg's dumpers for lists and
``Jsonb`` (which run in Python for every value).

>>> print(text_array(['Vei 1', 'c/o "Holm"', 'a\\b']))
{"Vei 1","c/o \"Holm\"","a\\b"}
>>> print(json_text({"adresse": ["Ås"], "postnummer": None}))
{"adresse": ["Ås"], "postnummer": null}
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import Any

import psycopg
from psycopg import sql


def create_staging(
    conn: psycopg.Connection,
    name: str,
    like: str,
    columns: Sequence[str],
    extra: Sequence[tuple[str, str]] = (),
) -> None:
    """A temporary table ``name`` with ``columns`` typed as in table ``like``, plus
    ``extra`` (name, SQL type) columns such as ``("gyldig_fra", "timestamptz")``; dropped
    at commit or rollback."""
    schema, table = like.split(".", 1)
    conn.execute(
        sql.SQL("CREATE TEMP TABLE {} ON COMMIT DROP AS SELECT {} FROM {}.{} WITH NO DATA").format(
            sql.Identifier(name),
            sql.SQL(", ").join(map(sql.Identifier, columns)),
            sql.Identifier(schema),
            sql.Identifier(table),
        )
    )
    for column, sql_type in extra:
        conn.execute(
            sql.SQL("ALTER TABLE {} ADD COLUMN {} {}").format(
                sql.Identifier(name), sql.Identifier(column), sql.SQL(sql_type)
            )
        )


def copy_rows(
    conn: psycopg.Connection, table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]
) -> int:
    """COPY ``rows`` into ``table`` (binary-safe, streaming); returns how many."""
    count = 0
    statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
        sql.Identifier(*table.split(".")), sql.SQL(", ").join(map(sql.Identifier, columns))
    )
    with conn.cursor() as cursor, cursor.copy(statement) as copy:
        for row in rows:
            copy.write_row(row)
            count += 1
    return count


def text_array(values: Iterable[str]) -> str:
    """A ``text[]`` literal of non-null ``values``, every element quoted."""
    return (
        "{"
        + ",".join('"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"' for v in values)
        + "}"
    )


_json = json.JSONEncoder(ensure_ascii=False).encode


def json_text(value: Any) -> str:
    """``value`` as JSON text, for a ``json`` or ``jsonb`` column."""
    return _json(value)
