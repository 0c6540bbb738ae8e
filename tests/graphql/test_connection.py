"""Relay connections: paging through a list visits every item once, in order."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from grunndata.errors import InvalidArgument
from grunndata.graphql.connection import connection, page


@given(st.integers(0, 60), st.integers(1, 25))
def test_paging_visits_every_item_once_in_order(total, size):
    items = list(range(total))
    seen: list[int] = []
    after = None
    pages = 0
    while True:
        p = page(size, after)
        c = connection(items[p.offset : p.offset + p.limit], p, total)
        assert c.total_count == total
        assert c.page_info.has_previous_page == (pages > 0 and p.offset > 0)
        seen += [edge.node for edge in c.edges]
        pages += 1
        if not c.page_info.has_next_page:
            break
        after = c.page_info.end_cursor
    assert seen == items
    assert pages == max(1, -(-total // size))


@pytest.mark.parametrize("first", [-1, 1001])
def test_page_sizes_are_bounded(first):
    with pytest.raises(InvalidArgument, match="first: must be between 0 and 1000"):
        page(first, None)


@pytest.mark.parametrize("cursor", ["", "garbage", "bzphYg==", "€", "bzotMQ=="])
def test_a_cursor_not_given_out_is_refused_by_name(cursor):
    with pytest.raises(InvalidArgument, match="is not a cursor this API gave out"):
        page(10, cursor)
