"""The build: one register's subgraph schema (``build_subgraph_schema``), its own entity
types keyed, other registers' entities as stubs, shared machinery ``@shareable``."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import strawberry
from graphql import GraphQLObjectType
from strawberry.federation.schema_directives import Key, Shareable
from strawberry.schema.config import StrawberryConfig
from strawberry.schema.schema_converter import GraphQLCoreConverter
from strawberry.types.base import (
    StrawberryContainer,
    StrawberryObjectDefinition,
    get_object_definition,
)
from strawberry.types.lazy_type import LazyType

from grunndata.config import SecuritySettings
from grunndata.errors import InvalidArgument
from grunndata.graphql.access import guard_schema
from grunndata.graphql.context import EntityBatch
from grunndata.graphql.federation.entities import entities_query
from grunndata.graphql.federation.felles import FELLES, build_felles_schema
from grunndata.graphql.federation.keys import EntityKey, entity_keys
from grunndata.graphql.federation.stubs import (
    no_reference,
    reference_key,
    required_fields,
    stub_batch,
    stub_type,
)
from grunndata.graphql.oppslagslogg import OppslagsloggQuery
from grunndata.graphql.schema import (
    SCHEMA_EXTENSIONS,
    Schema,
    add_log_links,
    security_extensions,
)
from grunndata.registers import REGISTERS, Register

SUBGRAPH_NAMES = tuple(register.name for register in REGISTERS)
#: Every subgraph: each register's, and the engine's own (``felles``: the change feed).
ALL_SUBGRAPHS = (*SUBGRAPH_NAMES, FELLES)


class _SubgraphConverter(GraphQLCoreConverter):
    """Converts the room classes into the subgraph's types (see the package docstring)."""

    plan: SubgraphPlan

    def from_object(self, object_type: StrawberryObjectDefinition) -> GraphQLObjectType:
        return super().from_object(self.plan.definition_for(object_type))


@dataclass
class SubgraphPlan:
    """What changes for one register's subgraph, decided before the schema is built:
    ``definition_for`` gives the definition the subgraph uses for a room's definition."""

    owned_keys: dict[str, list[EntityKey]]
    stubs: dict[str, type]
    _done: dict[int, StrawberryObjectDefinition] = dataclasses.field(default_factory=dict)

    def definition_for(self, definition: StrawberryObjectDefinition) -> StrawberryObjectDefinition:
        if id(definition) in self._done:
            return self._done[id(definition)]
        result = definition
        if definition.name in self.owned_keys and not definition.is_input:
            keys = [Key(fields=k.selection) for k in self.owned_keys[definition.name]]  # type: ignore[arg-type]
            result = dataclasses.replace(
                definition,
                directives=[*definition.directives, *keys],
                # The room's instances carry the room's definition: _Entity tells them
                # by class.
                is_type_of=definition.is_type_of or _instance_of(definition.origin),
            )
        elif definition.name in self.stubs:
            result = get_object_definition(self.stubs[definition.name], strict=True)
        elif _is_shared_machinery(definition):
            result = dataclasses.replace(
                definition, directives=[*definition.directives, Shareable()]
            )
        self._done[id(definition)] = result
        return result


def _instance_of(cls: type) -> Any:
    return lambda obj, info: isinstance(obj, cls)


def _is_shared_machinery(definition: StrawberryObjectDefinition) -> bool:
    """Types of grunndata's own GraphQL machinery (``PageInfo``), in every subgraph."""
    module = getattr(definition.origin, "__module__", "")
    return module.startswith("grunndata.graphql.") and definition.name != "Query"


class SubgraphSchema(Schema, strawberry.federation.Schema):
    """A Federation v2 subgraph schema whose converter is this build's own."""

    def __init__(self, *, plan: SubgraphPlan, **kwargs: Any) -> None:
        self.plan = plan
        super().__init__(**kwargs)

    @property  # type: ignore[override]
    def schema_converter(self) -> GraphQLCoreConverter:
        return self._converter

    @schema_converter.setter
    def schema_converter(self, converter: GraphQLCoreConverter) -> None:
        # The base class makes a GraphQLCoreConverter and converts the types at once: this
        # instance (and only it) converts through the subgraph's plan.
        converter.__class__ = _SubgraphConverter
        converter.plan = self.plan  # type: ignore[attr-defined]
        self._converter = converter


def build_subgraph_schema(
    name: str,
    registers: Sequence[Register] = REGISTERS,
    *,
    security: SecuritySettings | None = None,
) -> SubgraphSchema:
    """Register ``name`` alone as a Federation v2 subgraph, guarded and limited as the
    composed schema is (``access``, ``security``)."""
    security = security or SecuritySettings()
    from strawberry.tools import merge_types

    by_name = {register.name: register for register in registers}
    if name == FELLES and FELLES not in by_name:
        return build_felles_schema(registers, security)  # type: ignore[return-value]
    if name not in by_name:
        raise InvalidArgument(
            f"no subgraph {name!r}; choose one of {', '.join([*by_name, FELLES])}"
        )
    register = by_name[name]
    all_keys = entity_keys(registers)
    owned_keys = entity_keys([register])
    extensions = _extensions_by_type(register)

    stubs: dict[str, type] = {}
    required: dict[str, tuple[str, ...]] = {}
    batches: dict[str, EntityBatch] = dict(register.entities)
    resolvable_keys = dict(owned_keys)
    for type_name, keys in all_keys.items():
        if type_name in owned_keys:
            continue
        contributed = extensions.get(type_name, ())
        key = reference_key(type_name, keys, contributed)
        stubs[type_name] = stub_type(type_name, key, contributed)
        required[type_name] = required_fields(contributed)
        batches.update({k.entity_name: no_reference for k in keys})
        batches[key.entity_name] = stub_batch(stubs[type_name], key)
        if contributed:
            resolvable_keys[type_name] = [key]
    roots: list[type] = [*register.types, *([register.query] if register.query else [])]
    entity_types = [*_find_classes(roots, set(owned_keys)), *(stubs[t] for t in extensions)]

    query_types: list[type] = [entities_query(entity_types, resolvable_keys, required)]
    if register.query is not None:
        query_types.append(register.query)
    log_links: list[type] = []
    if register.access.persons is not None:  # the lookup log, read where persons are
        query_types.append(OppslagsloggQuery)
        log_links = [fields for other in registers for fields in other.log_links]
    linked = sorted({name for fields in log_links for name in _returned_types(fields)})
    schema = SubgraphSchema(
        plan=SubgraphPlan(owned_keys=owned_keys, stubs=stubs),
        query=merge_types("Query", tuple(query_types)),
        types=[
            *register.types,
            *(stubs[t] for t in extensions),
            *(stubs[t] for t in linked if t in stubs and t not in extensions),
        ],
        config=StrawberryConfig(scalar_map=dict(register.scalars)),
        extensions=[*SCHEMA_EXTENSIONS, *security_extensions(security)],
        federation_version="2.7",
    )
    add_log_links(schema, registers if log_links else ())
    guard_schema(schema._schema)
    schema.entity_batches = batches
    return schema


def _returned_types(fields: type) -> set[str]:
    """The names of the object types the fields of the strawberry type ``fields`` return
    (another room's entity becomes its stub here)."""
    names: set[str] = set()
    for field in get_object_definition(fields, strict=True).fields:
        type_: Any = field.type
        while isinstance(type_, StrawberryContainer | LazyType):
            is_container = isinstance(type_, StrawberryContainer)
            type_ = type_.of_type if is_container else type_.resolve_type()
        definition = get_object_definition(type_, strict=False)
        if definition is not None:
            names.add(definition.name)
    return names


def _extensions_by_type(register: Register) -> dict[str, tuple[Any, ...]]:
    """The register's ``TypeExtension``s (``Register.extensions``) by the type they extend."""
    found: dict[str, tuple[Any, ...]] = {}
    for extension in getattr(register, "extensions", ()):
        found[extension.type_name] = (*found.get(extension.type_name, ()), extension)
    return found


def _find_classes(roots: Sequence[type], names: set[str]) -> list[type]:
    """The classes of the object types called ``names`` reachable from ``roots`` through
    the fields, sorted by name (the register's own entity classes; another room's types,
    reached through lazy annotations, are not followed)."""
    found: dict[str, type] = {}
    seen: set[int] = set()
    stack: list[Any] = list(roots)
    while stack:
        type_ = stack.pop()
        while isinstance(type_, StrawberryContainer | LazyType):
            type_ = type_.of_type if isinstance(type_, StrawberryContainer) else None
        definition = get_object_definition(type_, strict=False)
        if definition is None or id(definition) in seen:
            continue
        seen.add(id(definition))
        if definition.name in names:
            found.setdefault(definition.name, definition.origin)
        stack.extend(field.type for field in definition.fields)
    missing = names - set(found)
    if missing:
        raise RuntimeError(f"entity types not reachable from the root fields: {missing}")
    return [found[name] for name in sorted(found)]
