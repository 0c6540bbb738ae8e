"""``Query._entities``: the gateway's representations resolved through ``Context.entity``."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from typing import Any

import strawberry
from strawberry.federation.schema import FederationAny
from strawberry.types import Info
from strawberry.types.union import StrawberryUnion

from grunndata.errors import InvalidArgument
from grunndata.graphql.context import Context
from grunndata.graphql.federation.keys import EntityKey, parse_representation
from grunndata.graphql.names import python_name


def entities_query(
    entity_types: Sequence[type],
    keys: Mapping[str, list[EntityKey]],
    required: Mapping[str, Sequence[str]],
) -> type:
    """``Query._entities``: every representation through ``Context.entity``, so each type
    and key kind is one batch (one SQL statement); an unknown key is null, a malformed
    representation an error for that item only. A stub gets the ``required`` fields of its
    type (``@requires``) from the representation."""
    from strawberry.annotation import StrawberryAnnotation

    entity_union = StrawberryUnion(
        "_Entity",
        type_annotations=tuple(StrawberryAnnotation(t) for t in entity_types),
    )

    async def resolve(info: Info[Context, None], representations: list[FederationAny]) -> Any:
        async def one(index: int, representation: Any) -> Any:
            try:
                key, value = parse_representation(representation, keys, index)
            except InvalidArgument as error:
                return error  # an error for this item alone
            entity = await info.context.entity(key.entity_name, value)
            fields = required.get(key.type_name)
            if entity is None or not fields:
                return entity
            given = {python_name(f): representation.get(f) for f in fields}
            return dataclasses.replace(entity, **given)

        return [one(i, r) for i, r in enumerate(representations)]

    resolve.__annotations__["return"] = list[entity_union | None]  # type: ignore[operator]

    @strawberry.type
    class EntitiesQuery:
        entities = strawberry.field(name="_entities", resolver=resolve)

    return EntitiesQuery
