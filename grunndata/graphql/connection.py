"""Relay-style connections: ``edges { cursor node } pageInfo { ... } totalCount``.

Cursors are opaque to callers; they encode an offset into the query's order, so every
list query must have a total order (ties broken by the key). ``Connection[Eiendom]``
is named ``EiendomConnection`` in the schema.

>>> p = page(2, None)
>>> c = connection(["a", "b"], p, total=5)
>>> [e.node for e in c.edges], c.page_info.has_next_page, c.total_count
(['a', 'b'], True, 5)
>>> page(10, c.page_info.end_cursor).offset
2
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

import strawberry

from grunndata.errors import InvalidArgument

T = TypeVar("T")

DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 1000
_PREFIX = "o:"


@strawberry.type(description="Where a page lies in the whole list.")
class PageInfo:
    has_next_page: bool
    has_previous_page: bool
    start_cursor: str | None
    end_cursor: str | None


@strawberry.type
class Edge(Generic[T]):
    cursor: str
    node: T


@strawberry.type
class Connection(Generic[T]):
    edges: list[Edge[T]]
    page_info: PageInfo
    total_count: int = strawberry.field(description="How many items match, on all pages.")


@dataclass(frozen=True)
class Page:
    limit: int
    offset: int


def encode_cursor(offset: int) -> str:
    return base64.urlsafe_b64encode(f"{_PREFIX}{offset}".encode()).decode()


def decode_cursor(cursor: str) -> int:
    try:
        text = base64.urlsafe_b64decode(cursor.encode("ascii")).decode()
        if not text.startswith(_PREFIX) or not text[len(_PREFIX) :].isdigit():
            raise ValueError
        return int(text[len(_PREFIX) :])
    except (ValueError, UnicodeError, binascii.Error):
        raise InvalidArgument(f"after: {cursor!r} is not a cursor this API gave out") from None


def page(
    first: int | None,
    after: str | None,
    *,
    default: int = DEFAULT_PAGE_SIZE,
    maximum: int = MAX_PAGE_SIZE,
) -> Page:
    """The page ``first``/``after`` ask for: ``limit`` items from ``offset``."""
    if first is None:
        first = default
    if first < 0 or first > maximum:
        raise InvalidArgument(f"first: must be between 0 and {maximum}, was {first}")
    offset = decode_cursor(after) + 1 if after is not None else 0
    return Page(limit=first, offset=offset)


def connection(nodes: Sequence[T], page: Page, total: int) -> Connection[T]:
    """The connection for ``nodes``, the items of ``page`` out of ``total``."""
    edges = [Edge(cursor=encode_cursor(page.offset + i), node=n) for i, n in enumerate(nodes)]
    return Connection(
        edges=edges,
        page_info=PageInfo(
            has_next_page=page.offset + len(nodes) < total,
            has_previous_page=page.offset > 0,
            start_cursor=edges[0].cursor if edges else None,
            end_cursor=edges[-1].cursor if edges else None,
        ),
        total_count=total,
    )
