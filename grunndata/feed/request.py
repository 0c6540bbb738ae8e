"""What a consumer asks of the feed, checked: where to start, how many, which registers,
entities and kinds; the same rules for GraphQL, the plain HTTP feed and subscriptions.
Each mistake is an ``INVALID_ARGUMENT`` naming the argument (as the caller spelled it)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from grunndata.errors import InvalidArgument
from grunndata.feed.access import declared
from grunndata.feed.declare import HENDELSESTYPER

#: The largest ``first``/``antall``.
MAX_PAGE = 1000
DEFAULT_PAGE = 100
MAX_SEQUENCE = 2**63 - 1


@dataclass(frozen=True)
class Utvalg:
    after: int
    limit: int
    registers: list[str] | None = None
    entities: list[str] | None = None
    types: list[str] | None = None


def sequence(value: str | None, name: str) -> int:
    """A cursor: a sequence number (``0``: from the start); None is 0."""
    if value is None:
        return 0
    text = value.strip()
    if not text.isascii() or not text.isdigit() or int(text) > MAX_SEQUENCE:
        raise InvalidArgument(
            f"{name}: {value[:40]!r} is not a sequence number (a whole number from 0, as "
            "sekvensnummer or a cursor gives it)"
        )
    return int(text)


def _names(given: Sequence[str] | None, known: Sequence[str], name: str) -> list[str] | None:
    if given is None:
        return None
    unknown = [value for value in given if value not in known]
    if unknown:
        raise InvalidArgument(
            f"{name}: unknown {', '.join(repr(u[:40]) for u in unknown[:5])}; "
            f"known: {', '.join(known)}"
        )
    return list(dict.fromkeys(given))


def utvalg(
    after: str | None,
    first: int | None,
    registers: Sequence[str] | None,
    entities: Sequence[str] | None,
    types: Sequence[str] | None,
    *,
    names: tuple[str, str, str, str, str] = (
        "after", "first", "registre", "entiteter", "hendelsestyper",
    ),
) -> Utvalg:  # fmt: skip
    """The checked request; ``names`` are the arguments as the caller's API spells them."""
    feeds = declared()
    limit = DEFAULT_PAGE if first is None else first
    if not 0 <= limit <= MAX_PAGE:
        raise InvalidArgument(f"{names[1]}: must be between 0 and {MAX_PAGE}, was {limit}")
    entity_names = list(dict.fromkeys(e for h in feeds.values() for e in h.entiteter))
    return Utvalg(
        after=sequence(after, names[0]),
        limit=limit,
        registers=_names(registers, list(feeds), names[2]),
        entities=_names(entities, entity_names, names[3]),
        types=_names(types, HENDELSESTYPER, names[4]),
    )
