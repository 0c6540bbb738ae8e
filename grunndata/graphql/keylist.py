"""Root fields that take many keys at once (``personer``, ``kontaktinformasjoner``): at
most ``MAX_KEYS`` per call, answered in input order, ``null`` for an unknown key, and
``null`` with its error at its index for a malformed one (graphql completes a list's items
one by one, so an awaitable that raises fails that item alone)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Any, TypeVar

from grunndata.errors import InvalidArgument

MAX_KEYS = 1000
T = TypeVar("T")


async def _failed(error: Exception) -> None:
    raise error


async def in_input_order(
    values: Sequence[str],
    parse: Callable[[str], str],
    fetch: Callable[[list[str]], Awaitable[Sequence[T | None]]],
) -> list[T | Awaitable[Any] | None]:
    """Each of ``values`` parsed (a ``ValueError`` marks it malformed), the well-formed ones
    fetched in one call, in the callers' order."""
    if len(values) > MAX_KEYS:
        raise InvalidArgument(f"at most {MAX_KEYS} identifiers per call, got {len(values)}")
    keys: list[str | ValueError] = []
    for value in values:
        try:
            keys.append(parse(value))
        except ValueError as exc:
            keys.append(exc)
    found = iter(await fetch([k for k in keys if isinstance(k, str)]))
    return [next(found) if isinstance(k, str) else _failed(k) for k in keys]
