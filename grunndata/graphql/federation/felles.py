"""The ``felles`` subgraph: the engine's own fields, which no register owns (the change
feed: ``hendelser``, ``sisteHendelse`` and the subscription ``hendelser``).

An event's links to its entity (``person``, ``eiendom``, ...) are references here: stubs
of the registers' entity types by their primary key, which the owning subgraphs resolve
through the gateway. Which links there are follows the registers' declarations
(``Register.hendelser``), as in the single process."""

from __future__ import annotations

from collections.abc import Sequence

from strawberry.schema.config import StrawberryConfig

from grunndata.composefile import FELLES
from grunndata.config import SecuritySettings
from grunndata.feed import graphql as feed_graphql
from grunndata.feed.subscription import HendelserSubscription
from grunndata.graphql.access import guard_schema
from grunndata.graphql.context import EntityBatch
from grunndata.graphql.federation.keys import entity_keys
from grunndata.graphql.federation.stubs import (
    no_reference,
    reference_key,
    stub_batch,
    stub_type,
)
from grunndata.graphql.schema import SCHEMA_EXTENSIONS, security_extensions
from grunndata.registers import Register

__all__ = ["FELLES", "build_felles_schema"]


def build_felles_schema(registers: Sequence[Register], security: SecuritySettings) -> object:
    """The feed as a Federation v2 subgraph; its entity links are references."""
    from grunndata.graphql.federation.build import SubgraphPlan, SubgraphSchema

    all_keys = entity_keys(registers)
    linked = sorted(set(feed_graphql.links().values()) & set(all_keys))
    stubs: dict[str, type] = {}
    batches: dict[str, EntityBatch] = {}
    for type_name in linked:
        key = reference_key(type_name, all_keys[type_name], ())
        stubs[type_name] = stub_type(type_name, key, ())
        batches.update({k.entity_name: no_reference for k in all_keys[type_name]})
        batches[key.entity_name] = stub_batch(stubs[type_name], key)
    scalars = {k: v for register in registers for k, v in register.scalars.items()}
    schema = SubgraphSchema(
        plan=SubgraphPlan(owned_keys={}, stubs=stubs),
        query=feed_graphql.HendelserQuery,
        subscription=HendelserSubscription,
        types=list(stubs.values()),
        config=StrawberryConfig(scalar_map=scalars),
        extensions=[*SCHEMA_EXTENSIONS, *security_extensions(security)],
        federation_version="2.7",
    )
    feed_graphql.add_links(schema, set(batches))
    guard_schema(schema._schema)
    schema.entity_batches = batches
    return schema
