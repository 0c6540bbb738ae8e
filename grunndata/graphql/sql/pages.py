"""A connection's ``pageInfo`` in SQL, as ``grunndata.graphql.connection.connection`` makes
it: from the page asked for (``%(limit)s``, ``%(offset)s``) and the count of all rows."""

from __future__ import annotations

from graphql import SelectionSetNode

from grunndata.graphql.sql.forms import Unsupported
from grunndata.graphql.sql.selection import Fragments, response_fields


def cursor_sql(offset: str) -> str:
    """``encode_cursor(offset)``: ``offset`` is SQL giving an integer."""
    return f"translate(encode(convert_to('o:' || ({offset}), 'UTF8'), 'base64'), '+/', '-_')"


def page_info_sql(selection: SelectionSetNode | None, fragments: Fragments, count: str) -> str:
    """``pageInfo``'s object; ``count`` is SQL counting every row of the list."""
    if selection is None:
        raise Unsupported("pageInfo")
    shown = f"least(greatest(({count}) - %(offset)s, 0), %(limit)s)"  # rows on the page
    values = {
        "hasNextPage": f"%(offset)s + {shown} < ({count})",
        "hasPreviousPage": "%(offset)s > 0",
        "startCursor": f"CASE WHEN {shown} > 0 THEN {cursor_sql('%(offset)s')} END",
        "endCursor": f"CASE WHEN {shown} > 0 THEN {cursor_sql(f'%(offset)s + {shown} - 1')} END",
        "__typename": "'PageInfo'",
    }
    pairs = []
    for key, node in response_fields(selection, "PageInfo", fragments):
        value = values.get(node.name.value)
        if value is None:
            raise Unsupported(f"pageInfo {node.name.value}")
        pairs.append(f"'{key}', {value}")
    return f"json_build_object({', '.join(pairs)})"
