"""Each register alone as an Apollo Federation v2 subgraph (``grunndata serve --subgraph``).

A subgraph is built from the same room classes as the single-process schema; only the
schema build differs, and only for that build (nothing global changes, so any number of
schemas can be built in one process):

- the entity types the register owns get their ``@key`` directives;
- another register's entity type, wherever the register's fields reach it (a lazy
  annotation such as ``Rolleinnehaver.person``), becomes a *stub*: its key fields only,
  plus the fields this register contributes to it (``Register.extensions``), which the
  gateway resolves here through ``_entities``;
- ``Context.entity`` for a type the register does not own answers a stub reference (its
  key, nothing loaded), which the owning subgraph resolves: no subgraph reads another
  register's tables. A stub has one key (see ``_reference_key``); by any other key
  ``Context.entity`` answers None;
- shared machinery types (``PageInfo``, ...) are ``@shareable``.

The swap happens in the schema converter, where every type of the schema passes once:
``_SubgraphConverter.from_object`` turns a room's definition into the subgraph's.
"""

from __future__ import annotations

import copy
import dataclasses
import json
import re
import shutil
import subprocess
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import strawberry
from graphql import GraphQLObjectType
from strawberry.federation.schema import FederationAny
from strawberry.federation.schema_directives import External, Key, Requires, Shareable
from strawberry.schema.config import StrawberryConfig
from strawberry.schema.schema_converter import GraphQLCoreConverter
from strawberry.types import Info
from strawberry.types.base import (
    StrawberryContainer,
    StrawberryObjectDefinition,
    get_object_definition,
)
from strawberry.types.lazy_type import LazyType
from strawberry.types.union import StrawberryUnion

from grunndata.config import SecuritySettings
from grunndata.errors import InvalidArgument, SetupError
from grunndata.graphql.access import guard_schema
from grunndata.graphql.context import Context, EntityBatch
from grunndata.graphql.oppslagslogg import OppslagsloggQuery
from grunndata.graphql.schema import SCHEMA_EXTENSIONS, Schema, security_extensions
from grunndata.graphql.tid import Tidspunkt
from grunndata.registers import REGISTERS, Register

#: Every entity type's primary key field (GraphQL name). Alternative keys are the
#: ``Register.entities`` names ``"Type:<fields>"``; their text after ``:`` is the
#: ``@key(fields: ...)`` string.
PRIMARY_KEYS: Mapping[str, str] = {
    "Person": "identifikasjonsnummer",
    "Enhet": "organisasjonsnummer",
    "Eiendom": "matrikkelnummer",
    "Adresse": "adresseId",
}

#: The GraphQL type of each key field, as its owner declares it (``ID!`` for primary keys):
#: what a stub declares and a representation is checked against. Not listed: ``String``.
KEY_FIELD_TYPES: Mapping[str, object] = {
    **{field: strawberry.ID for field in PRIMARY_KEYS.values()},
    "kommunenummer": str,
    "adressekode": int | None,
    "nummer": int | None,
    "bokstav": str | None,
    "normalisertPostadresse": str | None,
    "folkeregisternoekkel": strawberry.ID,
}

#: The GraphQL type of each field a stub declares ``@external`` for a ``@requires``
#: (``TypeExtension.requires``), as its owner declares it.
REQUIRED_FIELD_TYPES: Mapping[str, object] = {
    "adresseId": strawberry.ID,
    "kommunenummer": str,
    "adressekode": int | None,
    "nummer": int | None,
    "bokstav": str | None,
    "undernummer": int | None,
}

SUBGRAPH_NAMES = tuple(register.name for register in REGISTERS)


def python_name(graphql_name: str) -> str:
    """``adresseId`` → ``adresse_id``: the attribute strawberry camel-cases to the field."""
    return re.sub(r"(?<!^)(?=[A-Z])", "_", graphql_name).lower()


@dataclass(frozen=True)
class EntityKey:
    """One way of naming an entity: ``Register.entities`` name and its key fields."""

    type_name: str
    entity_name: str  # "Adresse" or "Adresse:kommunenummer adressekode nummer bokstav"
    fields: tuple[str, ...]  # GraphQL names, in key order

    @classmethod
    def of(cls, entity_name: str) -> EntityKey:
        type_name, _, fields = entity_name.partition(":")
        return cls(type_name, entity_name, tuple(fields.split() or [PRIMARY_KEYS[type_name]]))

    @property
    def selection(self) -> str:
        return " ".join(self.fields)

    def key_value(self, representation: Mapping[str, Any]) -> Any:
        """The value ``Context.entity`` takes for this key: the string of a one-field key,
        the tuple (in key order) of a compound one."""
        values = tuple(representation[field] for field in self.fields)
        return values[0] if len(values) == 1 else values

    def attributes(self, key: Any) -> dict[str, Any]:
        values = (key,) if len(self.fields) == 1 else tuple(key)
        return {python_name(f): v for f, v in zip(self.fields, values, strict=True)}


def _entity_keys(registers: Sequence[Register]) -> dict[str, list[EntityKey]]:
    keys: dict[str, list[EntityKey]] = {}
    for register in registers:
        for entity_name in register.entities:
            key = EntityKey.of(entity_name)
            keys.setdefault(key.type_name, []).append(key)
    return keys


def _check_value(field: str, value: Any) -> str | None:
    """Why ``value`` cannot be key field ``field``, or None when it can."""
    expected = KEY_FIELD_TYPES.get(field, str | None)
    nullable = expected is not strawberry.ID and expected is not str
    if value is None:
        return None if nullable else f"{field} is required"
    wants_int = expected in (int, int | None)
    if wants_int and not (isinstance(value, int) and not isinstance(value, bool)):
        return f"{field} must be an integer"
    if not wants_int and not isinstance(value, str):
        return f"{field} must be a string"
    return None


def parse_representation(
    representation: Any, keys: Mapping[str, Sequence[EntityKey]], index: int
) -> tuple[EntityKey, Any]:
    """The entity key and key value a gateway's representation names, or
    ``InvalidArgument`` saying what is wrong with it."""
    where = f"representations[{index}]"
    if not isinstance(representation, dict):
        raise InvalidArgument(f"{where}: expected an object with __typename and key fields")
    type_name = representation.get("__typename")
    if not isinstance(type_name, str) or type_name not in keys:
        known = ", ".join(sorted(keys))
        raise InvalidArgument(
            f"{where}: __typename {type_name!r} is not an entity of this subgraph ({known})"
        )
    given = set(representation) - {"__typename"}
    for key in keys[type_name]:
        if set(key.fields) <= given:
            for field in key.fields:
                reason = _check_value(field, representation[field])
                if reason is not None:
                    raise InvalidArgument(f"{where}: {type_name}.{reason}")
            return key, key.key_value(representation)
    wanted = " | ".join(f'"{k.selection}"' for k in keys[type_name])
    raise InvalidArgument(f"{where}: {type_name} needs the key fields {wanted}")


# -- stubs ----------------------------------------------------------------------------


def _stub_type(type_name: str, key: EntityKey, extensions: Sequence[Any]) -> type:
    """Another register's entity as this subgraph knows it: one key's fields, and the
    fields this register contributes (``extensions``: ``TypeExtension``s), which make it
    resolvable here; the fields they require are ``@external``, the ones requiring them
    ``@requires``."""
    annotations = {python_name(f): KEY_FIELD_TYPES.get(f, str | None) for f in key.fields}
    namespace: dict[str, Any] = {}
    for field in required_fields(extensions):
        annotations[python_name(field)] = REQUIRED_FIELD_TYPES[field] | None
        namespace[python_name(field)] = strawberry.field(
            name=field, graphql_type=REQUIRED_FIELD_TYPES[field], directives=[External()],
            default=None,
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


def _reference_key(
    type_name: str, keys: Sequence[EntityKey], extensions: Sequence[Any]
) -> EntityKey:
    """The one key a subgraph names another register's ``type_name`` by: the key its
    extensions of that type read, else the primary key. One only, so that every reference
    carries every key field of its stub (the gateway picks a key without looking at data)."""
    wanted = {getattr(e, "key", "") or PRIMARY_KEYS[type_name] for e in extensions}
    if len(wanted) > 1:
        raise TypeError(f"{type_name}: a subgraph's extensions must read one key, not {wanted}")
    selection = wanted.pop() if wanted else PRIMARY_KEYS[type_name]
    for key in keys:
        if key.selection == selection:
            return key
    raise TypeError(f"{type_name}: no register serves it by {selection!r}")


def _stub_batch(stub: type, key: EntityKey) -> EntityBatch:
    """Context.entity for a type this subgraph does not own: a reference, nothing loaded."""

    async def batch(context: Context, tid: Tidspunkt, keys: list[Any]) -> list[Any]:
        return [stub(**key.attributes(k)) for k in keys]

    return batch


async def _no_reference(context: Context, tid: Tidspunkt, keys: list[Any]) -> list[Any]:
    """Context.entity by a key this subgraph's stub does not carry: no reference (a link
    trying several keys goes on to the next)."""
    return [None] * len(keys)


# -- the schema -------------------------------------------------------------------------


class _SubgraphConverter(GraphQLCoreConverter):
    """Converts the room classes into the subgraph's types (see the module docstring)."""

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


def _entities_query(
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
    if name not in by_name:
        raise InvalidArgument(f"no register {name!r}; choose one of {', '.join(by_name)}")
    register = by_name[name]
    all_keys = _entity_keys(registers)
    owned_keys = _entity_keys([register])
    extensions = _extensions_by_type(register)

    stubs: dict[str, type] = {}
    required: dict[str, tuple[str, ...]] = {}
    batches: dict[str, EntityBatch] = dict(register.entities)
    resolvable_keys = dict(owned_keys)
    for type_name, keys in all_keys.items():
        if type_name in owned_keys:
            continue
        contributed = extensions.get(type_name, ())
        key = _reference_key(type_name, keys, contributed)
        stubs[type_name] = _stub_type(type_name, key, contributed)
        required[type_name] = required_fields(contributed)
        batches.update({k.entity_name: _no_reference for k in keys})
        batches[key.entity_name] = _stub_batch(stubs[type_name], key)
        if contributed:
            resolvable_keys[type_name] = [key]
    roots: list[type] = [*register.types, *([register.query] if register.query else [])]
    entity_types = [*_find_classes(roots, set(owned_keys)), *(stubs[t] for t in extensions)]

    query_types: list[type] = [_entities_query(entity_types, resolvable_keys, required)]
    if register.query is not None:
        query_types.append(register.query)
    if "Person" in owned_keys:  # the lookup log, read where persons are: its Enhet a stub
        query_types.append(OppslagsloggQuery)
    schema = SubgraphSchema(
        plan=SubgraphPlan(owned_keys=owned_keys, stubs=stubs),
        query=merge_types("Query", tuple(query_types)),
        types=[*register.types, *(stubs[t] for t in extensions)],
        config=StrawberryConfig(scalar_map=dict(register.scalars)),
        extensions=[*SCHEMA_EXTENSIONS, *security_extensions(security)],
        federation_version="2.7",
    )
    guard_schema(schema._schema)
    schema.entity_batches = batches
    return schema


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


# -- composition ----------------------------------------------------------------------

#: The Node project (package.json, package-lock.json, compose.mjs, gateway config).
FEDERATION_DIR = Path(__file__).resolve().parents[2] / "federation"
#: Where the gateway reaches each subgraph unless told otherwise.
DEFAULT_SUBGRAPH_PORTS = {name: 4001 + i for i, name in enumerate(SUBGRAPH_NAMES)}


def subgraph_urls(given: Sequence[str] = ()) -> dict[str, str]:
    """Each subgraph's URL: the defaults, overridden by ``NAME=URL`` entries."""
    urls = {name: f"http://127.0.0.1:{p}/graphql" for name, p in DEFAULT_SUBGRAPH_PORTS.items()}
    for entry in given:
        name, sep, url = entry.partition("=")
        if not sep or name not in urls or not url.startswith(("http://", "https://")):
            raise InvalidArgument(
                f"--subgraph-url {entry!r}: expected NAME=http(s)://..., NAME one of "
                + ", ".join(urls)
            )
        urls[name] = url
    return urls


def compose_supergraph(urls: Mapping[str, str]) -> str:
    """The supergraph SDL of every register's subgraph, composed by
    ``@theguild/federation-composition`` (``federation/compose.mjs``)."""
    node = shutil.which("node")
    if node is None:
        raise SetupError("Node.js is missing; the composition needs Node 20 or newer.")
    if not (FEDERATION_DIR / "node_modules" / "@theguild").is_dir():
        raise SetupError(
            "the composition's npm packages are not installed",
            hint=f"run: npm ci --prefix {FEDERATION_DIR}",
        )
    subgraphs = [
        {"name": name, "url": url, "sdl": build_subgraph_schema(name).as_str()}
        for name, url in urls.items()
    ]
    done = subprocess.run(
        [node, str(FEDERATION_DIR / "compose.mjs")],
        input=json.dumps(subgraphs),
        capture_output=True,
        text=True,
        check=False,
        cwd=FEDERATION_DIR,
    )
    if done.returncode != 0:
        raise SetupError(f"the subgraphs do not compose:\n{done.stderr.strip()}")
    return done.stdout
