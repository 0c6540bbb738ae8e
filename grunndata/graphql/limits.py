"""Limits on what one request may ask: depth, aliases, tokens, cost and page size, and the
persisted-query allow-list. Each refusal is ``QUERY_TOO_COMPLEX`` (or
``PERSISTED_QUERY_NOT_ALLOWED``) naming the limit, before anything is executed.

Cost: every field selected costs 1, times how many parents it is selected for. A field with
``first: N`` multiplies what is below it by N; a list field without ``first`` by the number
of items of its longest list argument, else by ``LIST_ESTIMATE``; ``edges`` and ``nodes``
of a connection add no factor of their own (``first`` already did).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from graphql import (
    ArgumentNode,
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLNamedType,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    IntValueNode,
    ListValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    VariableNode,
    Visitor,
    get_named_type,
    get_nullable_type,
    is_list_type,
    visit,
)
from graphql.language import print_ast
from strawberry.extensions import SchemaExtension
from strawberry.schema.schema import validate_document

from grunndata.config import SecuritySettings
from grunndata.errors import SetupError

CODE = "QUERY_TOO_COMPLEX"
LIST_ESTIMATE = 10
CONNECTION_LISTS = frozenset({"edges", "nodes"})


def too_complex(message: str, limit: str, maximum: int, actual: int) -> GraphQLError:
    return GraphQLError(
        message,
        extensions={"code": CODE, "limit": limit, "maximum": maximum, "actual": actual},
    )


@dataclass
class Measure:
    depth: int = 0
    aliases: int = 0
    cost: int = 0
    largest_first: int = 0


def fragments_of(document: DocumentNode) -> dict[str, FragmentDefinitionNode]:
    """The document's fragment definitions by name."""
    return {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}


def selected_fields(
    schema: GraphQLSchema,
    selections: SelectionSetNode,
    parent: GraphQLNamedType | None,
    fragments: Mapping[str, FragmentDefinitionNode],
    seen: frozenset[str] = frozenset(),
) -> Iterator[tuple[FieldNode, GraphQLNamedType | None]]:
    """Every field of ``selections`` with the type it is selected on, fragments (inline
    and named, each once per path) spread: the one selection walk of the limits and of the
    SQL forms' access check."""
    for selection in selections.selections:
        if isinstance(selection, FieldNode):
            yield selection, parent
        elif isinstance(selection, InlineFragmentNode):
            inner = parent
            if selection.type_condition is not None:
                inner = schema.get_type(selection.type_condition.name.value)
            yield from selected_fields(schema, selection.selection_set, inner, fragments, seen)
        elif isinstance(selection, FragmentSpreadNode):
            name = selection.name.value
            fragment = fragments.get(name)
            if fragment is None or name in seen:
                continue
            inner = schema.get_type(fragment.type_condition.name.value)
            yield from selected_fields(
                schema, fragment.selection_set, inner, fragments, seen | {name}
            )


class _Walker:
    def __init__(
        self,
        schema: GraphQLSchema,
        fragments: Mapping[str, FragmentDefinitionNode],
        variables: Mapping[str, Any],
    ) -> None:
        self.schema = schema
        self.fragments = fragments
        self.variables = variables
        self.measure = Measure()

    def walk(self, selections: SelectionSetNode, parent: GraphQLNamedType | None,
             depth: int, seen: frozenset[str] = frozenset()) -> int:  # fmt: skip
        """The cost of ``selections`` once; records depth, aliases and page sizes."""
        self.measure.depth = max(self.measure.depth, depth)
        total = 0
        for node, owner in selected_fields(self.schema, selections, parent, self.fragments, seen):
            if node.alias is not None:
                self.measure.aliases += 1
            factor, child_type = self._factor(node, owner)
            below = 0
            if node.selection_set is not None:
                below = self.walk(node.selection_set, child_type, depth + 1, seen)
            total += 1 + factor * below
        return total

    def _factor(
        self, node: FieldNode, owner: GraphQLNamedType | None
    ) -> tuple[int, GraphQLNamedType | None]:
        definition = None
        if isinstance(owner, GraphQLObjectType) or hasattr(owner, "fields"):
            definition = owner.fields.get(node.name.value)  # type: ignore[union-attr]
        child_type = get_named_type(definition.type) if definition is not None else None
        first = None
        longest = 0
        for argument in node.arguments or ():
            value = self._value(argument.value)
            if argument.name.value == "first" and isinstance(value, int):
                first = value
            elif isinstance(value, list):
                longest = max(longest, len(value))
        if first is not None:
            self.measure.largest_first = max(self.measure.largest_first, first)
            return max(first, 1), child_type
        returns_list = definition is not None and is_list_type(get_nullable_type(definition.type))
        if not returns_list or node.name.value in CONNECTION_LISTS:
            return 1, child_type
        return max(longest, 1) if longest else LIST_ESTIMATE, child_type

    def _value(self, value: Any) -> Any:
        if isinstance(value, VariableNode):
            return self.variables.get(value.name.value)
        if isinstance(value, IntValueNode):
            return int(value.value)
        if isinstance(value, ListValueNode):
            return list(value.values)
        return None


def measure(
    schema: GraphQLSchema,
    document: DocumentNode,
    operation_name: str | None = None,
    variables: Mapping[str, Any] | None = None,
) -> Measure:
    """Depth, aliases, cost and largest ``first`` of the operation that would run."""
    fragments = fragments_of(document)
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    chosen = [
        o
        for o in operations
        if operation_name is None or (o.name is not None and o.name.value == operation_name)
    ]
    walker = _Walker(schema, fragments, variables or {})
    for operation in chosen[:1]:
        root = schema.get_root_type(operation.operation)
        walker.measure.cost = walker.walk(operation.selection_set, root, 1)
    return walker.measure


def measured_variables(document: DocumentNode) -> frozenset[str]:
    """The variables ``measure`` may read: those given as an argument's whole value."""
    names: set[str] = set()

    class Arguments(Visitor):
        def enter_argument(self, node: ArgumentNode, *_: Any) -> None:
            if isinstance(node.value, VariableNode):
                names.add(node.value.name.value)

    visit(document, Arguments())
    return frozenset(names)


def measured_values(names: frozenset[str], variables: Mapping[str, Any]) -> tuple[Any, ...]:
    """What ``measure`` reads of ``variables`` (``names`` from ``measured_variables``): an
    int (a page size) as it is, a list by its length: the same key, the same measure."""
    values = ((name, variables.get(name)) for name in sorted(names))
    return tuple(
        (name, len(value) if isinstance(value, list) else value if isinstance(value, int) else None)
        for name, value in values
    )


def check(measured: Measure, settings: SecuritySettings) -> GraphQLError | None:
    """The first limit ``measured`` breaks, as a ``QUERY_TOO_COMPLEX`` error."""
    limits = (
        ("maxFirst", settings.max_first, measured.largest_first, "a page size (first)"),
        ("maxDepth", settings.max_depth, measured.depth, "the depth"),
        ("maxAliases", settings.max_aliases, measured.aliases, "the number of aliases"),
        ("maxCost", settings.max_cost, measured.cost, "the estimated cost"),
    )
    for limit, maximum, actual, what in limits:
        if actual > maximum:
            return too_complex(
                f"The query is too complex: {what} is {actual}, the limit ({limit}) is {maximum}.",
                limit,
                maximum,
                actual,
            )
    return None


class PersistedQueries:
    """The allow-list: sha256 (hex) of a query's text → the text. A JSON file holding
    either that mapping or a list of query texts (``GRUNNDATA_PERSISTED_QUERIES``)."""

    def __init__(self, queries: Mapping[str, str]) -> None:
        self.queries = dict(queries)

    @classmethod
    def load(cls, path: Path) -> PersistedQueries:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except OSError as exc:
            raise SetupError(f"GRUNNDATA_PERSISTED_QUERIES {path}: {exc.strerror}.") from None
        except ValueError as exc:
            raise SetupError(f"GRUNNDATA_PERSISTED_QUERIES {path} is not JSON: {exc}.") from None
        if isinstance(data, list) and all(isinstance(q, str) for q in data):
            return cls({sha256(q): q for q in data})
        if isinstance(data, dict) and all(isinstance(q, str) for q in data.values()):
            for key, text in data.items():
                if key.lower() != sha256(text):
                    raise SetupError(
                        f"GRUNNDATA_PERSISTED_QUERIES {path}: {key} is not the sha256 of its query."
                    )
            return cls({key.lower(): text for key, text in data.items()})
        raise SetupError(
            f"GRUNNDATA_PERSISTED_QUERIES {path}: expected a list of queries or an object "
            "of sha256 → query."
        )

    def text(self, sha: str) -> str | None:
        return self.queries.get(sha.lower())

    def allows(self, query: str) -> bool:
        return sha256(query) in self.queries


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def requested_hash(extensions: Mapping[str, Any] | None, document_id: Any = None) -> str | None:
    """The persisted query a request names: ``documentId`` or Apollo's
    ``extensions.persistedQuery.sha256Hash``."""
    if isinstance(document_id, str) and document_id:
        return document_id.removeprefix("sha256:")
    persisted = (extensions or {}).get("persistedQuery")
    if isinstance(persisted, dict) and isinstance(persisted.get("sha256Hash"), str):
        return str(persisted["sha256Hash"])
    return None


def limits_extension(
    settings: SecuritySettings, allow_list: PersistedQueries | None
) -> Callable[[], SchemaExtension]:
    """A schema extension factory: validation as usual, then the allow-list and limits."""

    class QueryLimits(SchemaExtension):
        def on_validate(self) -> Iterator[None]:
            context = self.execution_context
            if context.pre_execution_errors is None and context.graphql_document is not None:
                context.pre_execution_errors = validate_document(
                    context.schema._schema, context.graphql_document, context.validation_rules
                )
            if not context.pre_execution_errors and context.graphql_document is not None:
                error = refusal(
                    context.schema._schema,
                    context.graphql_document,
                    context.query,
                    context.operation_name,
                    context.variables,
                    settings,
                    allow_list,
                )
                if error is not None:
                    context.pre_execution_errors = [error]
            yield

    return QueryLimits


def refusal(
    schema: GraphQLSchema,
    document: DocumentNode,
    query: str | None,
    operation_name: str | None,
    variables: Mapping[str, Any] | None,
    settings: SecuritySettings,
    allow_list: PersistedQueries | None,
) -> GraphQLError | None:
    """Why a valid ``document`` may not run (the allow-list, then the limits), or None:
    asked by both paths (the resolvers' extension and the SQL forms)."""
    if allow_list is not None and not allow_list.allows(query or print_ast(document)):
        return GraphQLError(
            "Only persisted queries may run here, and this is not one of them.",
            extensions={"code": "PERSISTED_QUERY_NOT_ALLOWED"},
        )
    return check(measure(schema, document, operation_name, variables), settings)
