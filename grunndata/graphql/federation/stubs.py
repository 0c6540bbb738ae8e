"""Stubs: another register's entity type as a subgraph knows it (its key fields, the
fields this register contributes, ``@external`` what they require), and ``Context.entity``
for such a type (a reference, nothing loaded)."""

from __future__ import annotations

import copy
from collections.abc import Sequence
from typing import Any

import strawberry
from strawberry.federation.schema_directives import External, Key, Requires
from strawberry.types.base import get_object_definition

from grunndata.graphql.context import Context, EntityBatch
from grunndata.graphql.federation.keys import (
    EntityKey,
    key_field_type,
    primary_key,
    required_field_type,
)
from grunndata.graphql.names import python_name
from grunndata.graphql.tid import Tidspunkt


def stub_type(type_name: str, key: EntityKey, extensions: Sequence[Any]) -> type:
    """Another register's entity as this subgraph knows it: one key's fields, and the
    fields this register contributes (``extensions``: ``TypeExtension``s), which make it
    resolvable here; the fields they require are ``@external``, the ones requiring them
    ``@requires``."""
    annotations = {python_name(f): key_field_type(type_name, f) for f in key.fields}
    namespace: dict[str, Any] = {}
    for field in required_fields(extensions):
        required = required_field_type(type_name, field)
        annotations[python_name(field)] = required | None  # type: ignore[operator]
        namespace[python_name(field)] = strawberry.field(
            name=field, graphql_type=required, directives=[External()], default=None,
        )  # fmt: skip
    for extension in extensions:
        if not extension.requires:
            continue
        for field in get_object_definition(extension.fields, strict=True).fields:
            requiring = copy.copy(field)
            requiring.directives = [*field.directives, Requires(fields=extension.requires)]  # type: ignore[arg-type]
            namespace[field.python_name] = requiring
    bases = tuple(e.fields for e in extensions)
    cls = type(type_name, bases, {"__annotations__": annotations, **namespace})
    directive = Key(fields=key.selection, resolvable=bool(extensions))  # type: ignore[arg-type]
    return strawberry.type(cls, name=type_name, directives=[directive])


def required_fields(extensions: Sequence[Any]) -> tuple[str, ...]:
    """The fields ``extensions`` require (GraphQL names, in order, each once)."""
    return tuple(dict.fromkeys(f for e in extensions for f in e.requires.split()))


def reference_key(
    type_name: str, keys: Sequence[EntityKey], extensions: Sequence[Any]
) -> EntityKey:
    """The one key a subgraph names another register's ``type_name`` by: the key its
    extensions of that type read, else the primary key. One only, so that every reference
    carries every key field of its stub (the gateway picks a key without looking at data)."""
    wanted = {getattr(e, "key", "") or primary_key(type_name) for e in extensions}
    if len(wanted) > 1:
        raise TypeError(f"{type_name}: a subgraph's extensions must read one key, not {wanted}")
    selection = wanted.pop() if wanted else primary_key(type_name)
    for key in keys:
        if key.selection == selection:
            return key
    raise TypeError(f"{type_name}: no register serves it by {selection!r}")


def stub_batch(stub: type, key: EntityKey) -> EntityBatch:
    """Context.entity for a type this subgraph does not own: a reference, nothing loaded."""

    async def batch(context: Context, tid: Tidspunkt, keys: list[Any]) -> list[Any]:
        return [stub(**key.attributes(k)) for k in keys]

    return batch


async def no_reference(context: Context, tid: Tidspunkt, keys: list[Any]) -> list[Any]:
    """Context.entity by a key this subgraph's stub does not carry: no reference (a link
    trying several keys goes on to the next)."""
    return [None] * len(keys)
