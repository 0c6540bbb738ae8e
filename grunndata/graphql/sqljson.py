"""Whole answers built in SQL: one statement per root field, JSON straight to the caller.

Executing a query field by field costs Python ~30 µs per field (graphql-core's completion
plus strawberry's resolver wrapping); a 100-item list with nested lists selects over a
thousand fields. So rooms may describe their types in SQL too: a ``SqlType`` maps a
GraphQL field to a ``Column`` (an SQL expression over the row), a ``Nested`` object built
from the same row, or ``Related`` rows (a correlated subquery, one per relation, inside
the same statement). A root field with an ``SqlRoot`` then answers a query whose every
selected field has such a form with one statement building the whole JSON, which the
server sends as it comes (``SqlFirst``).

Anything else runs through the resolvers as before, which stay the reference: a field
without an SQL form, any directive, a field argument, a root field whose ``SqlRoot``
declines (``None``: e.g. a malformed key, for the resolver to report), or a null answer
where the resolver may have more to say (``RootPlan.fall_back_on_null``: a former
matrikkelnummer, an error). ``tests/test_sqljson.py`` checks both paths answer alike.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import OrderedDict
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

import orjson
import psycopg
from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLSchema,
    InlineFragmentNode,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
    parse,
    validate,
)
from graphql.execution.values import get_argument_values, get_variable_values
from psycopg_pool import AsyncConnectionPool, PoolTimeout
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from grunndata.graphql.tid import Tidspunkt

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Column:
    """A leaf: an SQL expression over the row ``{t}`` giving exactly what the resolver
    serialises (ids as text, GeoJSON as json, ...). It may be a subquery over rows
    ``{x}`` with ``{as_of}`` the query's Tidspunkt condition on them."""

    sql: str


@dataclass(frozen=True)
class Nested:
    """An object built from the same row, or from ``at`` (SQL over ``{t}``, e.g. a part
    of a JSON column) as its row; null when ``null_if`` (SQL over ``{t}``) holds."""

    type_name: str
    null_if: str | None = None
    at: str = "{t}"


@dataclass(frozen=True)
class Related:
    """Rows of ``type_name`` linked to the row ``{t}``: ``source`` is ``FROM … WHERE …``
    over ``{t}`` and the related row ``{r}``, where ``{as_of}`` stands for the query's
    Tidspunkt condition on ``{r}``. A list (``many``, in ``order_by``) or one row."""

    type_name: str
    source: str
    order_by: str = ""
    many: bool = True


@dataclass(frozen=True)
class ByKey:
    """The entity ``type_name`` whose key is ``key`` (SQL over ``{t}``), as it is now, as
    ``Context.entity`` gives it: found by the type's own ``by_key``, so that a room never
    writes SQL over another room's tables."""

    type_name: str
    key: str


Field = Column | Nested | Related | ByKey


@dataclass(frozen=True)
class SqlType:
    """A GraphQL type's fields in SQL; ``by_key`` (``FROM … WHERE …`` over ``{r}``,
    ``{key}`` and ``{as_of}``) finds an entity by key for other rooms' ``ByKey``."""

    name: str
    fields: Mapping[str, Field]
    by_key: str = ""


class Shape(Enum):
    ONE = "one"
    CONNECTION = "connection"


@dataclass(frozen=True)
class RootPlan:
    """What a root field asks for: rows of ``type_name`` from ``source`` (``FROM … WHERE
    …`` over ``{r}``, ``{as_of}`` as in ``Related``) with ``params``, as of ``tid``."""

    type_name: str
    tid: Tidspunkt
    source: str
    params: Mapping[str, Any]
    shape: Shape = Shape.ONE
    order_by: str = ""
    limit: int = 0
    offset: int = 0
    fall_back_on_null: bool = False


#: A root field's SQL form: its (coerced) arguments and the request's instant → a plan,
#: or None to leave the field to its resolver.
SqlRoot = Callable[[Mapping[str, Any], dt.datetime], RootPlan | None]


class Unsupported(Exception):
    """The query selects something without an SQL form: the resolvers answer it."""


MAX_JSON_KEYS = 50  # json_build_object takes at most 100 arguments


@dataclass
class SqlAnswers:
    """Answers the queries it can from the types and roots the registers describe."""

    schema: GraphQLSchema
    types: Mapping[str, SqlType]
    roots: Mapping[str, SqlRoot]
    cache_size: int = 512
    _documents: OrderedDict[str, DocumentNode | None] = field(default_factory=OrderedDict)
    _sql: dict[tuple[Any, ...], str] = field(default_factory=dict)

    async def answer(
        self, pool: AsyncConnectionPool, body: Mapping[str, Any], now: dt.datetime
    ) -> bytes | None:
        """The whole response body for ``body`` (a GraphQL request), or None when the
        resolvers must answer it."""
        query, variables = body.get("query"), body.get("variables") or {}
        if not isinstance(query, str) or not isinstance(variables, dict):
            return None
        document = self._document(query)
        operation = document and _operation(document, body.get("operationName"))
        if document is None or operation is None:
            return None
        coerced = get_variable_values(self.schema, operation.variable_definitions or (), variables)
        if isinstance(coerced, list):  # errors: the resolvers' path reports them
            return None
        try:
            statements = list(self._statements(query, document, operation, coerced, now))
        except (Unsupported, GraphQLError):
            return None
        parts = []
        try:
            async with pool.connection() as conn:
                for key, sql, params, fall_back_on_null in statements:
                    row = await (await conn.execute(sql, params)).fetchone()
                    value = row[0] if row else None
                    if value is None and fall_back_on_null:
                        return None
                    parts.append(f'"{key}":{value if value is not None else "null"}')
        except (psycopg.Error, PoolTimeout) as exc:  # the resolvers report it properly
            log.info("sql answer failed, resolvers take over: %s", type(exc).__name__)
            return None
        return ('{"data":{' + ",".join(parts) + "}}").encode()

    def _document(self, query: str) -> DocumentNode | None:
        """``query`` parsed and valid, or None (the resolvers' path reports why)."""
        if query in self._documents:
            self._documents.move_to_end(query)
            return self._documents[query]
        try:
            document: DocumentNode | None = parse(query)
        except GraphQLError:
            document = None
        if document is not None and validate(self.schema, document):
            document = None
        self._documents[query] = document
        if len(self._documents) > self.cache_size:
            self._documents.popitem(last=False)
            self._sql.clear()
        return document

    def _statements(
        self,
        query: str,
        document: DocumentNode,
        operation: OperationDefinitionNode,
        variables: Any,
        now: dt.datetime,
    ) -> Iterator[tuple[str, str, dict[str, Any], bool]]:
        root_type = self.schema.query_type
        assert root_type is not None
        fragments = _fragments(document)
        for key, node in _fields(operation.selection_set, root_type.name, fragments):
            root = self.roots.get(node.name.value)
            if root is None:
                raise Unsupported(node.name.value)
            arguments = get_argument_values(root_type.fields[node.name.value], node, variables)
            plan = root(arguments, now)
            if plan is None:
                raise Unsupported(node.name.value)
            cache_key = (query, operation.name and operation.name.value, key, plan.source,
                         plan.shape, plan.tid.registrert is None)  # fmt: skip
            sql = self._sql.get(cache_key)
            if sql is None:
                sql = self._root_sql(plan, node, fragments)
                self._sql[cache_key] = sql
            as_of_params = plan.tid.as_of_sql("r")[1]
            params = {**as_of_params, **plan.params, "limit": plan.limit, "offset": plan.offset,
                      "naa": now}  # fmt: skip
            yield key, sql, params, plan.fall_back_on_null

    def _root_sql(self, plan: RootPlan, node: FieldNode, fragments: Fragments) -> str:
        compiler = _Compiler(self.types, fragments, plan.tid)
        if plan.shape is Shape.ONE:
            inner = compiler.object_sql(plan.type_name, node.selection_set, "r0")
            source = compiler.source(plan.source, "r0")
            return f"SELECT ({inner})::text {source} LIMIT 1"
        return compiler.connection_sql(plan, node.selection_set)


Fragments = Mapping[str, FragmentDefinitionNode]


@dataclass
class _Compiler:
    types: Mapping[str, SqlType]
    fragments: Fragments
    tid: Tidspunkt
    depth: int = 0
    at_now: bool = False  # inside an entity reached by key: "now", whatever the query's tid

    def as_of(self, alias: str) -> str:
        if self.at_now:  # Tidspunkt(gyldig=now).as_of_sql, with its own parameter
            return f"{alias}.gyldig @> %(naa)s::timestamptz AND upper_inf({alias}.registrert)"
        return self.tid.as_of_sql(alias)[0]

    def source(self, source: str, alias: str, parent: str = "") -> str:
        return source.format(r=alias, t=parent, as_of=self.as_of(alias))

    def object_sql(self, type_name: str, selection: SelectionSetNode | None, row: str) -> str:
        sql_type = self.types.get(type_name)
        if sql_type is None or selection is None:
            raise Unsupported(type_name)
        pairs = []
        for key, node in _fields(selection, type_name, self.fragments):
            pairs.append(f"'{key}', {self.field_sql(sql_type, node, row)}")
        if not pairs or len(pairs) > MAX_JSON_KEYS:
            raise Unsupported(type_name)
        return f"json_build_object({', '.join(pairs)})"

    def field_sql(self, sql_type: SqlType, node: FieldNode, row: str) -> str:
        name = node.name.value
        if name == "__typename":
            return f"'{sql_type.name}'"
        definition = sql_type.fields.get(name)
        if definition is None or node.arguments:
            raise Unsupported(f"{sql_type.name}.{name}")
        if isinstance(definition, Column):
            if "{x}" not in definition.sql:
                return definition.sql.format(t=row)
            self.depth += 1  # a subquery of its own, e.g. an aggregate over related rows
            alias = f"x{self.depth}"
            return definition.sql.format(t=row, x=alias, as_of=self.as_of(alias))
        if isinstance(definition, Nested):
            inner = self.object_sql(
                definition.type_name, node.selection_set, definition.at.format(t=row)
            )
            if definition.null_if is None:
                return inner
            return f"CASE WHEN {definition.null_if.format(t=row)} THEN NULL ELSE {inner} END"
        self.depth += 1
        related = f"r{self.depth}"
        if isinstance(definition, ByKey):
            return self.by_key_sql(definition, node, row, related)
        inner = self.object_sql(definition.type_name, node.selection_set, related)
        source = self.source(definition.source, related, row)
        order = f" ORDER BY {definition.order_by.format(r=related)}" if definition.order_by else ""
        if not definition.many:
            return f"(SELECT {inner} {source}{order} LIMIT 1)"
        return f"(SELECT coalesce(json_agg({inner}{order}), '[]'::json) {source})"

    def by_key_sql(self, definition: ByKey, node: FieldNode, row: str, related: str) -> str:
        target = self.types.get(definition.type_name)
        if target is None or not target.by_key:
            raise Unsupported(definition.type_name)
        outer, self.at_now = self.at_now, True
        try:
            inner = self.object_sql(definition.type_name, node.selection_set, related)
            key = definition.key.format(t=row)
            source = target.by_key.format(r=related, key=key, as_of=self.as_of(related))
        finally:
            self.at_now = outer
        return f"(SELECT {inner} {source} LIMIT 1)"

    def connection_sql(self, plan: RootPlan, selection: SelectionSetNode | None) -> str:
        """``edges { cursor node }`` and ``totalCount`` of a page of ``plan``'s rows."""
        if selection is None:
            raise Unsupported("connection")
        source = self.source(plan.source, "r0")
        order = plan.order_by.format(r="r0")
        pairs = []
        for key, node in _fields(selection, "Connection", self.fragments):
            if node.name.value == "totalCount":
                pairs.append(f"'{key}', (SELECT count(*) {source})")
            elif node.name.value == "edges":
                pairs.append(f"'{key}', {self.edges_sql(plan, node.selection_set, source, order)}")
            else:
                raise Unsupported(f"connection {node.name.value}")
        return f"SELECT json_build_object({', '.join(pairs)})::text"

    def edges_sql(self, plan: RootPlan, selection: SelectionSetNode | None, source: str,
                  order: str) -> str:  # fmt: skip
        if selection is None:
            raise Unsupported("edges")
        pairs = []
        for key, node in _fields(selection, "Edge", self.fragments):
            if node.name.value == "cursor":  # as grunndata.graphql.connection.encode_cursor
                pairs.append(
                    f"'{key}', translate(encode(convert_to('o:' || (r0.n__ - 1), 'UTF8'), "
                    "'base64'), '+/', '-_')"
                )
            elif node.name.value == "node":
                node_sql = self.object_sql(plan.type_name, node.selection_set, "r0")
                pairs.append(f"'{key}', {node_sql}")
            else:
                raise Unsupported(f"edge {node.name.value}")
        edge = f"json_build_object({', '.join(pairs)})"
        return (
            f"(SELECT coalesce(json_agg({edge} ORDER BY r0.n__), '[]'::json) FROM "
            f"(SELECT r0.*, row_number() OVER (ORDER BY {order}) AS n__ {source} "
            f"ORDER BY {order} LIMIT %(limit)s OFFSET %(offset)s) AS r0)"
        )


def _operation(document: DocumentNode, name: Any) -> OperationDefinitionNode | None:
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    if name is not None:
        operations = [o for o in operations if o.name and o.name.value == name]
    if len(operations) != 1 or operations[0].operation is not OperationType.QUERY:
        return None
    return operations[0]


def _fragments(document: DocumentNode) -> dict[str, FragmentDefinitionNode]:
    return {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}


def _fields(
    selection: SelectionSetNode, type_name: str, fragments: Fragments
) -> Iterator[tuple[str, FieldNode]]:
    """The fields selected on ``type_name``, fragments spread, by response key; a
    directive or a key selected twice is left to the resolvers."""
    seen: set[str] = set()
    for key, node in _flattened(selection, type_name, fragments):
        if key in seen or node.directives:
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


class SqlFirst:
    """ASGI: a JSON POST the ``SqlAnswers`` can answer is answered so; any other request
    goes on to ``app`` (the resolvers) with its body intact."""

    def __init__(self, app: ASGIApp, answers: SqlAnswers) -> None:
        self.app = app
        self.answers = answers

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        headers = dict(scope.get("headers", ()))
        if scope["method"] != "POST" or not headers.get(b"content-type", b"").startswith(
            b"application/json"
        ):
            await self.app(scope, receive, send)
            return
        chunks = []
        while True:
            message = await receive()
            if message["type"] != "http.request":
                await self.app(scope, _replay([message]), send)
                return
            chunks.append(message.get("body", b""))
            if not message.get("more_body"):
                break
        raw = b"".join(chunks)
        answer = None
        try:
            body = orjson.loads(raw)
        except orjson.JSONDecodeError:
            body = None
        if isinstance(body, dict):
            now = dt.datetime.now(dt.UTC)
            answer = await self.answers.answer(scope["app"].state.pool, body, now)
        if answer is None:
            await self.app(scope, _replay([{"type": "http.request", "body": raw}], receive), send)
            return
        await send({
            "type": "http.response.start", "status": 200,
            "headers": [(b"content-type", b"application/json"),
                        (b"content-length", str(len(answer)).encode())],
        })  # fmt: skip
        await send({"type": "http.response.body", "body": answer})


def _replay(messages: list[Message], then: Receive | None = None) -> Receive:
    async def receive() -> Message:
        if messages:
            return messages.pop(0)
        if then is None:
            return {"type": "http.disconnect"}
        return await then()

    return receive
