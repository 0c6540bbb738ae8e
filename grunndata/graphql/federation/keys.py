"""Entity keys: which fields name each entity type, their GraphQL types, and a gateway's
representation read as the key ``Context.entity`` takes."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

import strawberry

from grunndata.errors import InvalidArgument
from grunndata.graphql.names import python_name
from grunndata.registers import REGISTERS, Register
from grunndata.registers.base import EntityKeys


@cache
def declared_keys() -> Mapping[str, EntityKeys]:
    """Every entity type's keys as its owner declares them (``Register.entity_keys``)."""
    return {keys.type_name: keys for register in REGISTERS for keys in register.entity_keys}


def primary_key(type_name: str) -> str:
    """The primary key field (GraphQL name) of entity type ``type_name``. Alternative keys
    are the ``Register.entities`` names ``"Type:<fields>"``; their text after ``:`` is the
    ``@key(fields: ...)`` string."""
    return declared_keys()[type_name].key


def key_field_type(type_name: str, field: str) -> object:
    """The GraphQL type of key field ``field`` of ``type_name``, as its owner declares it
    (``ID!`` for the primary key; not declared: ``String``): what a stub declares and a
    representation is checked against."""
    keys = declared_keys()[type_name]
    return strawberry.ID if field == keys.key else keys.field_types.get(field, str | None)


def required_field_type(type_name: str, field: str) -> object:
    """The GraphQL type of a field of ``type_name`` that a stub declares ``@external`` for
    a ``@requires`` (``TypeExtension.requires``), as its owner declares it."""
    keys = declared_keys()[type_name]
    return strawberry.ID if field == keys.key else keys.field_types[field]


@dataclass(frozen=True)
class EntityKey:
    """One way of naming an entity: ``Register.entities`` name and its key fields."""

    type_name: str
    entity_name: str  # "Type" (its primary key) or "Type:<key fields>"
    fields: tuple[str, ...]  # GraphQL names, in key order

    @classmethod
    def of(cls, entity_name: str) -> EntityKey:
        type_name, _, fields = entity_name.partition(":")
        return cls(type_name, entity_name, tuple(fields.split() or [primary_key(type_name)]))

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


def entity_keys(registers: Sequence[Register]) -> dict[str, list[EntityKey]]:
    keys: dict[str, list[EntityKey]] = {}
    for register in registers:
        for entity_name in register.entities:
            key = EntityKey.of(entity_name)
            keys.setdefault(key.type_name, []).append(key)
    return keys


def _check_value(type_name: str, field: str, value: Any) -> str | None:
    """Why ``value`` cannot be key field ``field`` of ``type_name``, or None when it can."""
    expected = key_field_type(type_name, field)
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
                reason = _check_value(type_name, field, representation[field])
                if reason is not None:
                    raise InvalidArgument(f"{where}: {type_name}.{reason}")
            return key, key.key_value(representation)
    wanted = " | ".join(f'"{k.selection}"' for k in keys[type_name])
    raise InvalidArgument(f"{where}: {type_name} needs the key fields {wanted}")
