"""A connection in SQL (``edges { cursor node }``, ``pageInfo``, ``totalCount``), as
``grunndata.graphql.connection.connection`` makes it: from the page asked for (its limit and
offset, SQL) and the count of all rows; a root field's or a field's below it (``Paged``)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from graphql import SelectionSetNode

from grunndata.graphql.sql.forms import Unsupported
from grunndata.graphql.sql.selection import Fragments, response_fields

#: A node's object: its selection and the row's alias → SQL (``Compiler.object_sql``).
NodeSql = Callable[[SelectionSetNode | None, str], str]


@dataclass(frozen=True)
class Window:
    """A page of rows of ``type_name``: ``source`` (``FROM … WHERE …``) and ``order`` (a
    total order) over ``alias``; ``limit`` and ``offset`` SQL giving integers."""

    type_name: str
    source: str
    order: str
    alias: str
    limit: str = "%(limit)s"
    offset: str = "%(offset)s"


def cursor_sql(offset: str) -> str:
    """``encode_cursor(offset)``: ``offset`` is SQL giving an integer."""
    return f"translate(encode(convert_to('o:' || ({offset}), 'UTF8'), 'base64'), '+/', '-_')"


def connection_sql(
    window: Window, selection: SelectionSetNode | None, fragments: Fragments, node_sql: NodeSql
) -> str:
    """The connection's object (``json_build_object``) for ``selection``."""
    if selection is None:
        raise Unsupported("connection")
    count = f"SELECT count(*) {window.source}"
    pairs = []
    for key, node in response_fields(selection, f"{window.type_name}Connection", fragments):
        if node.name.value == "totalCount":
            value = f"({count})"
        elif node.name.value == "edges":
            value = _edges_sql(window, node.selection_set, fragments, node_sql)
        elif node.name.value == "pageInfo":
            value = page_info_sql(window, node.selection_set, fragments, count)
        elif node.name.value == "__typename":
            value = f"'{window.type_name}Connection'"
        else:
            raise Unsupported(f"connection {node.name.value}")
        pairs.append(f"'{key}', {value}")
    return f"json_build_object({', '.join(pairs)})"


def _edges_sql(
    window: Window, selection: SelectionSetNode | None, fragments: Fragments, node_sql: NodeSql
) -> str:
    if selection is None:
        raise Unsupported("edges")
    row = window.alias
    pairs = []
    for key, node in response_fields(selection, f"{window.type_name}Edge", fragments):
        if node.name.value == "cursor":
            pairs.append(f"'{key}', {cursor_sql(f'{row}.n__ - 1')}")
        elif node.name.value == "node":
            pairs.append(f"'{key}', {node_sql(node.selection_set, row)}")
        elif node.name.value == "__typename":
            pairs.append(f"'{key}', '{window.type_name}Edge'")
        else:
            raise Unsupported(f"edge {node.name.value}")
    edge = f"json_build_object({', '.join(pairs)})"
    return (
        f"(SELECT coalesce(json_agg({edge} ORDER BY {row}.n__), '[]'::json) FROM "
        f"(SELECT {row}.*, row_number() OVER (ORDER BY {window.order}) AS n__ {window.source} "
        f"ORDER BY {window.order} LIMIT {window.limit} OFFSET {window.offset}) AS {row})"
    )


def page_info_sql(
    window: Window, selection: SelectionSetNode | None, fragments: Fragments, count: str
) -> str:
    """``pageInfo``'s object; ``count`` is SQL counting every row of the list."""
    if selection is None:
        raise Unsupported("pageInfo")
    limit, offset = window.limit, window.offset
    shown = f"least(greatest(({count}) - {offset}, 0), {limit})"  # rows on the page
    values = {
        "hasNextPage": f"{offset} + {shown} < ({count})",
        "hasPreviousPage": f"{offset} > 0",
        "startCursor": f"CASE WHEN {shown} > 0 THEN {cursor_sql(offset)} END",
        "endCursor": f"CASE WHEN {shown} > 0 THEN {cursor_sql(f'{offset} + {shown} - 1')} END",
        "__typename": "'PageInfo'",
    }
    pairs = []
    for key, node in response_fields(selection, "PageInfo", fragments):
        value = values.get(node.name.value)
        if value is None:
            raise Unsupported(f"pageInfo {node.name.value}")
        pairs.append(f"'{key}', {value}")
    return f"json_build_object({', '.join(pairs)})"
