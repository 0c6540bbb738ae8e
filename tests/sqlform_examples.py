"""Queries generated from the schema itself, one per field reachable from a root field, for
the equality test between the SQL forms and the resolvers
(``tests/graphql/test_sqlform_coverage.py``): no hand-kept list of fields.

The schema's types are walked breadth first from the root fields (``schema_examples``);
every field of every type reached gets one ``Example``: a path from a root to its type, then
the field, with the least selection below it (``__typename`` on a type with an SQL form, else
its first leaf). A field whose arguments are all optional is asked without them; a root
field is asked with the arguments the test gives it.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from graphql import (
    GraphQLField,
    GraphQLObjectType,
    GraphQLSchema,
    get_named_type,
    is_leaf_type,
    is_required_argument,
)

from grunndata.graphql.sql.forms import ByKey, Link, Nested, Paged, Related, SqlType


@dataclass(frozen=True)
class Example:
    """A query selecting ``type_name.field`` below the root field ``root``."""

    root: str
    type_name: str
    field: str
    path: tuple[str, ...]  # from the root's type to ``type_name``

    @property
    def key(self) -> str:
        """How the list of known gaps names it."""
        return f"{self.type_name}.{self.field}"

    def query(
        self, schema: GraphQLSchema, forms: Mapping[str, Any], arguments: Mapping[str, Any]
    ) -> str:
        type_ = schema.get_type(self.type_name)
        assert isinstance(type_, GraphQLObjectType)
        inner = f"{self.field}{least_selection(type_.fields[self.field], forms)}"
        for step in reversed(self.path):
            inner = f"{step} {{ {inner} }}"
        args = ", ".join(f"{name}: {literal(value)}" for name, value in arguments.items())
        root = f"{self.root}({args})" if args else self.root
        return f"{{ {root} {{ {inner} }} }}"


def schema_examples(
    schema: GraphQLSchema, forms: Mapping[str, SqlType], form_roots: Iterable[str]
) -> Iterator[Example]:
    """An example for every field of every object type reachable from a root field, each
    type asked once, below the first root (breadth first) that reaches it: first along
    the fields the forms follow (``Nested``, ``Related``, ``Paged``, ``ByKey``, ``Link``, and
    what a type without a form selects, e.g. a connection's ``edges``) from the roots with a
    form, then along any field from any root."""
    query_type = schema.query_type
    assert query_type is not None
    assigned: dict[str, tuple[str, tuple[str, ...]]] = {}
    _walk(schema, [r for r in query_type.fields if r in set(form_roots)], assigned, forms)
    _walk(schema, list(query_type.fields), assigned, None)
    for type_name, (root, path) in assigned.items():
        type_ = schema.get_type(type_name)
        assert isinstance(type_, GraphQLObjectType)
        for name in type_.fields:
            yield Example(root, type_name, name, path)


def _walk(
    schema: GraphQLSchema, roots: list[str], assigned: dict[str, tuple[str, tuple[str, ...]]],
    forms: Mapping[str, SqlType] | None,
) -> None:  # fmt: skip
    """Types reached from ``roots``, breadth first, into ``assigned`` (type → root, path);
    with ``forms``, only along the fields they follow."""
    query_type = schema.query_type
    assert query_type is not None
    queue: list[tuple[GraphQLObjectType, str, tuple[str, ...]]] = []
    for type_name, (root, path) in assigned.items():  # walked on, along any field
        type_ = schema.get_type(type_name)
        assert isinstance(type_, GraphQLObjectType)
        queue.append((type_, root, path))
    for root in roots:
        start = get_named_type(query_type.fields[root].type)
        if isinstance(start, GraphQLObjectType) and start.name not in assigned:
            assigned[start.name] = (root, ())
            queue.append((start, root, ()))
    while queue:
        type_, root, path = queue.pop(0)
        form = forms.get(type_.name) if forms is not None else None
        for name, definition in type_.fields.items():
            named = get_named_type(definition.type)
            if not isinstance(named, GraphQLObjectType) or named.name in assigned:
                continue
            if required(definition):
                continue
            if (
                forms is not None
                and form is not None
                and not isinstance(form.fields.get(name), Nested | Related | Paged | ByKey | Link)
            ):
                continue
            assigned[named.name] = (root, (*path, name))
            queue.append((named, root, (*path, name)))


def required(definition: GraphQLField) -> list[str]:
    """The arguments ``definition`` cannot be asked without."""
    return [name for name, arg in definition.args.items() if is_required_argument(arg)]


def least_selection(definition: GraphQLField, forms: Mapping[str, Any]) -> str:
    """The least selection below a field: none for a leaf, ``__typename`` for a type with an
    SQL form, else its first leaf (or its first field, and so on)."""
    named = get_named_type(definition.type)
    if is_leaf_type(named):
        return ""
    assert isinstance(named, GraphQLObjectType)
    if named.name in forms:
        return " { __typename }"
    fields = [(n, d) for n, d in named.fields.items() if not required(d)]
    for name, field in fields:
        if is_leaf_type(get_named_type(field.type)):
            return f" {{ {name} }}"
    name, field = fields[0]
    return f" {{ {name}{least_selection(field, forms)} }}"


def literal(value: Any) -> str:
    """``value`` (str, int, float, bool, list, dict) as a GraphQL literal."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, list):
        return "[" + ", ".join(literal(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {literal(v)}" for k, v in value.items()) + "}"
    return json.dumps(value)
