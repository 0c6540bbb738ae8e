"""Answering: a GraphQL request as the registers' SQL forms answer it, or None for the
resolvers; the parsed documents, compiled statements and verdicts of limits and access
are remembered per query (``SqlAnswers``)."""

from __future__ import annotations

import datetime as dt
import logging
from collections import OrderedDict
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import psycopg
from graphql import (
    DocumentNode,
    FieldNode,
    GraphQLError,
    GraphQLField,
    GraphQLSchema,
    OperationDefinitionNode,
    parse,
    validate,
)
from graphql.execution.values import get_argument_values, get_variable_values
from psycopg_pool import PoolTimeout

from grunndata.config import SecuritySettings
from grunndata.errors import GrunndataError
from grunndata.graphql import access, admission, gradering, limits, oppslagslogg
from grunndata.graphql.auth import ANONYMOUS, Principal
from grunndata.graphql.connection import page
from grunndata.graphql.snapshot import Connections
from grunndata.graphql.sql.compiler import Compiler
from grunndata.graphql.sql.forms import RootPlan, Shape, SqlRoot, SqlType, Unsupported
from grunndata.graphql.sql.marks import Seen
from grunndata.graphql.sql.selection import Fragments, query_operation, response_fields

log = logging.getLogger(__name__)

#: Roots whose marks ask in the statement whether their person is graded (one probe per
#: mark); the others' marks leave it unasked (``n``) and ``SqlAnswers.answer`` asks once for all.
PROBED_SHAPES = frozenset({Shape.ONE})


@dataclass(frozen=True)
class SqlAnswer:
    """A whole response ``body`` and the persons it shows, for the lookup log:
    (identifier, sorted field groups) once each, as ``access.Lookups.identified``."""

    body: bytes
    persons: list[tuple[str, list[str]]]
    operation: str | None


@dataclass(frozen=True)
class _Statement:
    key: str
    sql: str
    params: dict[str, Any]
    fall_back_on_null: bool
    marked: bool  # its JSON holds person marks to take out


@dataclass(frozen=True)
class _Compiled:
    sql: str
    marked: bool  # its JSON holds person marks to take out
    #: fields paged below the root (``Compiler.pages``): their pages bound per request
    pages: tuple[tuple[str, FieldNode, GraphQLField], ...] = ()

    def page_params(self, variables: Mapping[str, Any]) -> dict[str, int]:
        """The limit and offset of each paged field, as ``connection.page`` reads its
        arguments (one it refuses: the resolvers report it)."""
        params = {}
        for prefix, node, definition in self.pages:
            arguments = get_argument_values(definition, node, variables)
            try:
                wanted = page(arguments.get("first"), arguments.get("after"))
            except GrunndataError as exc:
                raise Unsupported(str(exc)) from None
            params[f"{prefix}_limit"], params[f"{prefix}_offset"] = wanted.limit, wanted.offset
        return params


@dataclass
class SqlAnswers:
    """Answers the queries it can from the types and roots the registers describe."""

    schema: GraphQLSchema
    types: Mapping[str, SqlType]
    roots: Mapping[str, SqlRoot]
    security: SecuritySettings = field(default_factory=SecuritySettings)
    allow_list: limits.PersistedQueries | None = None
    cache_size: int = 512
    _documents: OrderedDict[str, DocumentNode | None] = field(default_factory=OrderedDict)
    _sql: dict[tuple[Any, ...], _Compiled] = field(default_factory=dict)
    _rules: dict[tuple[str, Any], list[tuple[str, access.Rule]]] = field(default_factory=dict)
    _measured: dict[str, frozenset[str]] = field(default_factory=dict)
    _refused: dict[tuple[Any, ...], bool] = field(default_factory=dict)
    _refused_access: dict[tuple[Any, ...], bool] = field(default_factory=dict)

    async def answer(
        self,
        connections: Connections,
        body: Mapping[str, Any],
        now: dt.datetime,
        principal: Principal = ANONYMOUS,
    ) -> SqlAnswer | None:
        """The whole response for ``body`` (a GraphQL request) as ``principal`` may see
        it, or None when the resolvers must answer it."""
        query, variables = body.get("query"), body.get("variables") or {}
        if not isinstance(query, str) or not isinstance(variables, dict):
            return None
        document = self._document(query)
        operation = document and query_operation(document, body.get("operationName"))
        if document is None or operation is None:
            return None
        coerced = get_variable_values(self.schema, operation.variable_definitions or (), variables)
        if isinstance(coerced, list):  # errors: the resolvers' path reports them
            return None
        name = body.get("operationName")
        if self._refused_by_limits(query, document, name, variables):
            return None
        if self._refused_by_access(query, operation, document, principal):
            return None
        try:
            statements = list(self._statements(query, document, operation, coerced, now))
        except (Unsupported, GraphQLError):
            return None
        parts = []
        seen = Seen()
        sees_graded = principal.has(access.graded_scope())
        try:
            async with connections.connection() as conn:
                for statement in statements:
                    row = await (await conn.execute(statement.sql, statement.params)).fetchone()
                    value = row[0] if row else None
                    if value is None and statement.fall_back_on_null:
                        return None
                    if value is not None and statement.marked:
                        value = seen.unmarked_text(value)
                    parts.append(f'"{statement.key}":{value if value is not None else "null"}')
                if not sees_graded and seen.graded:
                    return None  # the resolvers hide or refuse the graded person, as the rules say
                check = sorted(seen.unchecked) if not sees_graded else []
                if check and await _any_graded(conn, check, now):
                    return None  # in the request's snapshot, like every other statement
        except (psycopg.Error, PoolTimeout, Unsupported, admission.Overloaded) as exc:
            # the resolvers answer (an overloaded snapshot refuses them at once)
            log.info("sql answer failed, resolvers take over: %s", type(exc).__name__)
            return None
        body_bytes = ('{"data":{' + ",".join(parts) + "}}").encode()
        named = oppslagslogg.operation_name(name, query)
        return SqlAnswer(body_bytes, seen.found(), named)

    def _refused_by_access(
        self, query: str, operation: OperationDefinitionNode, document: DocumentNode,
        principal: Principal,
    ) -> bool:  # fmt: skip
        """Whether a rule refuses ``principal`` a field the operation selects, remembered
        per query, operation and what the rules read of the principal."""
        key = (query, operation.name and operation.name.value, principal.scopes,
               principal.authenticated)  # fmt: skip
        return self._verdict(self._refused_access, key, lambda: any(
            access.refusal(rule, principal, where)
            for where, rule in self._access_rules(query, operation, document)))  # fmt: skip

    def _verdict(
        self, cache: dict[tuple[Any, ...], bool], key: tuple[Any, ...], decide: Callable[[], bool]
    ) -> bool:
        """``decide()``, remembered in ``cache`` under ``key``; the cache emptied when it
        holds ``cache_size * 8`` verdicts (e.g. many page sizes or scope sets)."""
        verdict = cache.get(key)
        if verdict is None:
            if len(cache) >= self.cache_size * 8:
                cache.clear()
            verdict = cache[key] = decide()
        return verdict

    def _access_rules(
        self, query: str, operation: OperationDefinitionNode, document: DocumentNode
    ) -> list[tuple[str, access.Rule]]:
        """Every guarded field the operation selects (``access.rule_for``), once per query."""
        key = (query, operation.name and operation.name.value)
        rules = self._rules.get(key)
        if rules is None:
            root = self.schema.query_type
            assert root is not None
            fragments = limits.fragments_of(document)
            rules = list(
                access.selected_rules(self.schema, operation.selection_set, root, fragments)
            )
            self._rules[key] = rules
        return rules

    def _refused_by_limits(
        self, query: str, document: DocumentNode, name: Any, variables: Mapping[str, Any]
    ) -> bool:
        """``limits.refusal``, remembered per query, operation and what the limits read of
        the variables (``limits.measured_values``: not the keys a lookup asks for)."""
        names = self._measured.get(query)
        if names is None:
            names = self._measured[query] = limits.measured_variables(document)
        operation = name if isinstance(name, str) else None
        key = (query, operation, limits.measured_values(names, variables))
        return self._verdict(self._refused, key, lambda: limits.refusal(
            self.schema, document, query, operation, variables, self.security,
            self.allow_list) is not None)  # fmt: skip

    def _document(self, query: str) -> DocumentNode | None:
        """``query`` parsed and valid, or None (the resolvers' path reports why)."""
        if query in self._documents:
            self._documents.move_to_end(query)
            return self._documents[query]
        try:
            document: DocumentNode | None = parse(query, max_tokens=self.security.max_tokens)
        except GraphQLError:
            document = None
        if document is not None and validate(self.schema, document):
            document = None
        self._documents[query] = document
        if len(self._documents) > self.cache_size:
            self._documents.popitem(last=False)
            self._sql.clear()
            self._rules.clear()
            self._measured.clear()
            self._refused.clear()
            self._refused_access.clear()
        return document

    def _statements(
        self,
        query: str,
        document: DocumentNode,
        operation: OperationDefinitionNode,
        variables: Any,
        now: dt.datetime,
    ) -> Iterator[_Statement]:
        root_type = self.schema.query_type
        assert root_type is not None
        fragments = limits.fragments_of(document)
        for key, node in response_fields(operation.selection_set, root_type.name, fragments):
            root = self.roots.get(node.name.value)
            if root is None:
                raise Unsupported(node.name.value)
            arguments = get_argument_values(root_type.fields[node.name.value], node, variables)
            plan = root(arguments, now)
            if plan is None:
                raise Unsupported(node.name.value)
            cache_key = (query, operation.name and operation.name.value, key, plan.source,
                         plan.shape, plan.tid.registrert is None)  # fmt: skip
            compiled = self._sql.get(cache_key)
            if compiled is None:
                compiled = self._root_sql(plan, node, fragments)
                self._sql[cache_key] = compiled
            as_of_params = plan.tid.as_of_sql("r")[1]
            params = {**as_of_params, **plan.params, "limit": plan.limit, "offset": plan.offset,
                      "naa": now, **compiled.page_params(variables)}  # fmt: skip
            yield _Statement(key, compiled.sql, params, plan.fall_back_on_null, compiled.marked)

    def _root_sql(self, plan: RootPlan, node: FieldNode, fragments: Fragments) -> _Compiled:
        """The statement, whether its JSON holds person marks, and its paged fields."""
        compiler = Compiler(self.types, fragments, plan.tid, self.schema,
                             probe=plan.shape in PROBED_SHAPES)  # fmt: skip
        if plan.shape is Shape.ONE:
            inner = compiler.object_sql(plan.type_name, node.selection_set, "r0")
            source = compiler.source(plan.source, "r0")
            sql = f"SELECT ({inner})::text {source} LIMIT 1"
        elif plan.shape is Shape.KEYS:
            sql = compiler.keys_sql(plan, node.selection_set)
        else:
            sql = compiler.connection_sql(plan, node.selection_set)
        return _Compiled(sql, compiler.marked, tuple(compiler.pages))


async def _any_graded(
    conn: psycopg.AsyncConnection[Any], identifiers: list[str], now: dt.datetime
) -> bool:
    """Whether any person holding one of ``identifiers`` is graded now: one statement for
    the whole answer."""
    numbers = oppslagslogg.text_array(identifiers)
    params = {"identifikatorer": numbers, "naa": now}
    row = await (await conn.execute(gradering.any_graded_sql(), params)).fetchone()
    return bool(row and row[0])
