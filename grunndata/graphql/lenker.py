"""Shared machinery of cross-register links (``Register.extensions``).

An extension's resolvers get the other register's entity as ``self``: in the single process
the owning room's object, in a federation subgraph a ``@key`` stub. ``key_of`` reads a key
the same way from both.
"""

from __future__ import annotations

from typing import Any

from strawberry.types import Info

from grunndata.graphql.context import Context
from grunndata.graphql.tid import Tidspunkt, tidspunkt


async def key_of(root: Any, name: str, info: Info[Context, None]) -> str | None:
    """The key attribute ``name`` of entity ``root``: ``root.key_<name>(info)`` when the
    type computes it (e.g. a person's current identifier), else the plain
    attribute ``root.<name>``."""
    computed = getattr(root, f"key_{name}", None)
    value = await computed(info) if computed is not None else getattr(root, name, None)
    return None if value is None else str(value)


def link_tid(
    info: Info[Context, None], gyldighetstidspunkt: Any, ajourholdstidspunkt: Any
) -> Tidspunkt:
    """The instant a link field asks about: its own arguments, "now" without them (never
    the parent's instant: a federation entity reference carries only its key)."""
    return tidspunkt(info, gyldighetstidspunkt, ajourholdstidspunkt)
