"""The selections the compiler reads: the one query operation of a document, and the
fields selected on a type with fragments spread."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    InlineFragmentNode,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
)

from grunndata.graphql.sql.forms import Unsupported

Fragments = Mapping[str, FragmentDefinitionNode]


def query_operation(document: DocumentNode, name: Any) -> OperationDefinitionNode | None:
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    if name is not None:
        operations = [o for o in operations if o.name and o.name.value == name]
    if len(operations) != 1 or operations[0].operation is not OperationType.QUERY:
        return None
    return operations[0]


def response_fields(
    selection: SelectionSetNode, type_name: str, fragments: Fragments
) -> Iterator[tuple[str, FieldNode]]:
    """The fields selected on ``type_name``, fragments spread, by response key; a
    directive or a key selected twice is left to the resolvers."""
    seen: set[str] = set()
    for key, node in _flattened(selection, type_name, fragments):
        if key in seen or node.directives or (key.startswith("__") and key != "__typename"):
            raise Unsupported(key)
        seen.add(key)
        yield key, node


def _flattened(
    selection: SelectionSetNode, type_name: str, fragments: Fragments
) -> Iterator[tuple[str, FieldNode]]:
    for node in selection.selections:
        if node.directives:
            raise Unsupported("directive")
        if isinstance(node, FieldNode):
            yield (node.alias or node.name).value, node
            continue
        if isinstance(node, FragmentSpreadNode):
            fragment = fragments[node.name.value]
            condition, inner = fragment.type_condition, fragment.selection_set
        elif isinstance(node, InlineFragmentNode):
            condition, inner = node.type_condition, node.selection_set
        else:
            raise Unsupported("selection")
        if condition is not None and condition.name.value != type_name:
            raise Unsupported("fragment on another type")
        yield from _flattened(inner, type_name, fragments)
