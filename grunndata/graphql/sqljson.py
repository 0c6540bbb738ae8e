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

Access control (``grunndata.graphql.access``) holds on both paths, from the same rules: a
query selecting any field the request's principal may not read goes to the resolvers
(which answer null and the error); the limits (``limits.refusal``) are checked alike. Rows
of persons (a type with a ``PersonForm``) and of what names one (``linked_person``) carry a
mark in the statement's JSON, taken out before sending: the identifier the lookup log
records, whether the person's address is graded now, and the field groups read. A graded
person in an answer to a principal without ``folkeregister/adressebeskyttelse`` sends the
query to the resolvers (rare), which hide or refuse as the rules say; every other person
returned is logged as the resolvers log it. ``tests/access/test_sqlguard.py`` checks it.

"Graded now" is asked in the statement (a probe of ``felles.adressebeskyttelse`` per mark)
only for roots of ``PROBED_SHAPES``; the other roots' marks leave it unasked, and it is
asked once for all the identifiers they name, only for a principal without the scope: with
the lookup log's write when the answer has persons to log (``oppslagslogg.write_found``'s
``check``: one round trip for both; a graded one means nothing is written and the
resolvers answer), else on the answer's connection (``gradering.any_graded_sql``).
Measured in process on the benchmark data (docs/benchmarks.md): a list of 100 units with
owners has 400 marks naming 200 persons, whose probes cost ~0.27 ms of PostgreSQL's
execution against ~0.13 ms for the one statement more; a single entity has a handful of
marks, and the round trip cost more than its probes (``eiendom`` 0.35 → 0.50 ms an
answer), so ``Shape.ONE`` roots keep the probes.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from enum import Enum
from functools import lru_cache
from typing import Any

import orjson
import psycopg
from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLNamedType,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
    get_named_type,
    parse,
    validate,
)
from graphql.execution.values import get_argument_values, get_variable_values
from psycopg_pool import AsyncConnectionPool, PoolTimeout
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from grunndata.config import SecuritySettings
from grunndata.graphql import access, gradering, limits, oppslagslogg
from grunndata.graphql.auth import ANONYMOUS, Principal
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
class PersonForm:
    """What access control asks of a person's row ``{t}`` (as the type's hooks answer it):
    ``identifier``, the one the lookup log records (SQL as a ``Column``'s, ``{as_of}`` the
    query's instants), and ``graded``, whether the address is graded now (a boolean; its
    ``{as_of}`` is "now")."""

    identifier: str
    graded: str


@dataclass(frozen=True)
class SqlType:
    """A GraphQL type's fields in SQL; ``by_key`` (``FROM … WHERE …`` over ``{r}``,
    ``{key}`` and ``{as_of}``) finds an entity by key for other rooms' ``ByKey``.
    ``person``: the type is a person; ``linked_person``: its rows name one by this
    identifier (SQL over ``{t}``), as ``access``'s ``linked_person`` hook."""

    name: str
    fields: Mapping[str, Field]
    by_key: str = ""
    person: PersonForm | None = None
    linked_person: str | None = None


#: The key of a mark in the statement's JSON (no caller's key may start with "__").
MARK = "__m"
#: A mark's value is one string, ``<logged><graded>|<field groups>|<identifier>``: logged
#: ``+`` (a person's own row, or a row naming a person and showing a guarded field group:
#: the identifier goes to the lookup log) or ``-`` (a row naming a person, only to know if
#: they are graded); graded now ``t``, ``f`` or ``n`` (not asked in the statement,
#: ``PROBED_SHAPES``); the field groups read, comma-separated; the identifier, empty when
#: there is none. So an owner's mark and their person's are the same string, noted once.
#: Text concatenation, where a ``json_build_array`` per mark had cost PostgreSQL about 1 ms
#: on a 100-item list (docs/benchmarks.md).
LOGGED = "+"
NOT_LOGGED = "-"
#: A mark as PostgreSQL's ``json_build_object`` writes it: the last pair of its object
#: (``, "__m" : "…"}``). It cannot be matched inside a string: there every ``"`` is escaped,
#: so no ``"`` follows a space; nor in jsonb (written ``"key": value``) or in a caller's key
#: (``_fields``). A mark whose identifier JSON had to escape is not matched (``MARK_LEFT``).
MARK_TEXT = re.compile(r', "__m" : "([^"\\]*)"(?=\})')
#: A mark left after ``MARK_TEXT`` took the marks out (written in another form).
MARK_LEFT = '"__m" : '
#: Any mark, its string as JSON wrote it, escapes and all.
MARK_ESCAPED = re.compile(r', "__m" : "((?:[^"\\]|\\.)*)"(?=\})')


def mark_sql(logged: str, identifier: str, graded: str | None, groups: str) -> str:
    """SQL building a mark's value: ``logged`` (``LOGGED`` or ``NOT_LOGGED``),
    ``identifier`` (SQL, may be null), ``graded`` (SQL, a boolean; None: not asked),
    ``groups`` (field group names, comma-separated, sorted)."""
    flag = "'n'" if graded is None else (
        f"CASE ({graded}) WHEN true THEN 't' WHEN false THEN 'f' ELSE 'n' END")  # fmt: skip
    return f"'{logged}' || {flag} || '|{groups}|' || coalesce(({identifier})::text, '')"


class Shape(Enum):
    ONE = "one"
    CONNECTION = "connection"


#: Roots whose marks ask in the statement whether their person is graded (one probe per
#: mark); the others' marks leave it unasked (``n``) and ``SqlAnswers.answer`` asks once for all.
PROBED_SHAPES = frozenset({Shape.ONE})


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


@dataclass(frozen=True)
class SqlAnswer:
    """A whole response ``body`` and the persons it shows, for the lookup log:
    (identifier, sorted field groups) once each, as ``access.Lookups.identified``.
    ``check``: identifiers not yet known to be ungraded, asked with the log's write
    (``oppslagslogg.write_found``); if one is graded, the resolvers must answer."""

    body: bytes
    persons: list[tuple[str, list[str]]]
    operation: str | None
    check: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class _Statement:
    key: str
    sql: str
    params: dict[str, Any]
    fall_back_on_null: bool
    marked: bool  # its JSON holds person marks to take out


MAX_JSON_KEYS = 50  # json_build_object takes at most 100 arguments


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
    _sql: dict[tuple[Any, ...], tuple[str, bool]] = field(default_factory=dict)
    _rules: dict[tuple[str, Any], list[tuple[str, access.Rule]]] = field(default_factory=dict)
    _measured: dict[str, frozenset[str]] = field(default_factory=dict)
    _refused: dict[tuple[Any, ...], bool] = field(default_factory=dict)
    _refused_access: dict[tuple[Any, ...], bool] = field(default_factory=dict)

    async def answer(
        self,
        pool: AsyncConnectionPool,
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
        operation = document and _operation(document, body.get("operationName"))
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
        seen = _Seen()
        sees_graded = principal.has(access.ADRESSEBESKYTTELSE)
        try:
            async with pool.connection() as conn:
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
                if check and not seen.groups:  # nothing to log: ask now
                    if await _any_graded(conn, check, now):
                        return None
                    check = []
        except (psycopg.Error, PoolTimeout, Unsupported) as exc:  # the resolvers answer
            log.info("sql answer failed, resolvers take over: %s", type(exc).__name__)
            return None
        body_bytes = ('{"data":{' + ",".join(parts) + "}}").encode()
        named = oppslagslogg.operation_name(name, query)
        return SqlAnswer(body_bytes, seen.found(), named, check)

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
            rules = list(_rules_of(self.schema, operation.selection_set, root, fragments))
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
            compiled = self._sql.get(cache_key)
            if compiled is None:
                compiled = self._root_sql(plan, node, fragments)
                self._sql[cache_key] = compiled
            as_of_params = plan.tid.as_of_sql("r")[1]
            params = {**as_of_params, **plan.params, "limit": plan.limit, "offset": plan.offset,
                      "naa": now}  # fmt: skip
            yield _Statement(key, compiled[0], params, plan.fall_back_on_null, compiled[1])

    def _root_sql(self, plan: RootPlan, node: FieldNode, fragments: Fragments) -> tuple[str, bool]:
        """The statement and whether its JSON holds person marks."""
        compiler = _Compiler(self.types, fragments, plan.tid, self.schema,
                             probe=plan.shape in PROBED_SHAPES)  # fmt: skip
        if plan.shape is Shape.ONE:
            inner = compiler.object_sql(plan.type_name, node.selection_set, "r0")
            source = compiler.source(plan.source, "r0")
            return f"SELECT ({inner})::text {source} LIMIT 1", compiler.marked
        return compiler.connection_sql(plan, node.selection_set), compiler.marked


async def _any_graded(
    conn: psycopg.AsyncConnection[Any], identifiers: list[str], now: dt.datetime
) -> bool:
    """Whether any person holding one of ``identifiers`` is graded now: one statement for
    the whole answer."""
    numbers = oppslagslogg.text_array(identifiers)
    params = {"identifikatorer": numbers, "naa": now}
    row = await (await conn.execute(gradering.any_graded_sql(), params)).fetchone()
    return bool(row and row[0])


def _rules_of(
    schema: GraphQLSchema, selection: SelectionSetNode, parent: GraphQLNamedType,
    fragments: Fragments,
) -> Iterator[tuple[str, access.Rule]]:  # fmt: skip
    """(``Type.field``, rule) of every field selected below ``parent`` that has a rule."""
    for node, owner in limits.selected_fields(schema, selection, parent, fragments):
        definition = getattr(owner, "fields", {}).get(node.name.value)
        if owner is None or definition is None:  # __typename (else validation fails)
            continue
        named = get_named_type(definition.type)
        rule = access.rule_for(owner.name, node.name.value, named)
        if rule is not None:
            yield f"{owner.name}.{node.name.value}", rule
        if node.selection_set is not None:
            yield from _rules_of(schema, node.selection_set, named, fragments)


@dataclass
class _Seen:
    """The persons an answer's marks show, the marks taken out."""

    #: identifier → the field groups of its marks, as the marks write them ("a,b")
    groups: dict[str, str] = field(default_factory=dict)
    graded: bool = False  # a mark said graded
    unchecked: set[str] = field(default_factory=set)  # identifiers marked without a flag

    def unmarked_text(self, text: str) -> str:
        """PostgreSQL's JSON ``text`` without its marks, noted: found in the text
        (``MARK_TEXT``), without parsing the answer; a mark whose string JSON escaped, by a
        slower pattern (``MARK_ESCAPED``), and decoded."""
        parts = MARK_TEXT.split(text)  # text, mark, text, mark, ..., text
        self.note(set(parts[1::2]))  # a list's rows often name the same person
        kept = "".join(parts[::2])
        if MARK_LEFT in kept:  # rare: an identifier JSON had to escape
            parts = MARK_ESCAPED.split(kept)
            self.note(orjson.loads(f'"{mark}"') for mark in parts[1::2])
            kept = "".join(parts[::2])
            if MARK_LEFT in kept:
                raise Unsupported("a mark in a form neither pattern knows")
        return kept

    def note(self, marks: Iterable[str]) -> None:
        """Marks (``mark_sql``): the logged ones' identifiers go to the log with their field
        groups; graded ``n``: asked after, for the whole answer. (A list's answer has
        hundreds of marks: one plain loop.)"""
        groups_of, unchecked = self.groups, self.unchecked
        for mark in marks:
            head, names, number = mark.split("|", 2)
            flag = head[1:]
            if flag == "t":
                self.graded = True
            if not number:
                continue
            if flag == "n":
                unchecked.add(number)
            if head[0] == LOGGED:
                known = groups_of.get(number)
                groups_of[number] = names if known is None else _merged(known, names)

    def found(self) -> list[tuple[str, list[str]]]:
        """(identifier, sorted field groups) of each person to log: each distinct group
        list split once (a list's persons mostly share one)."""
        split = {names: _group_names(names) for names in set(self.groups.values())}
        return [(number, list(split[names])) for number, names in self.groups.items()]


@lru_cache(maxsize=256)
def _group_names(written: str) -> tuple[str, ...]:
    """The field groups of a mark's ``written`` list ("a,b"), once each."""
    return tuple(name for name in written.split(",") if name)


def _merged(one: str, other: str) -> str:
    """Two marks' field group lists as one, sorted."""
    if one == other:
        return one
    return ",".join(sorted({*_group_names(one), *_group_names(other)}))


Fragments = Mapping[str, FragmentDefinitionNode]


@dataclass
class _Compiler:
    types: Mapping[str, SqlType]
    fragments: Fragments
    tid: Tidspunkt
    schema: GraphQLSchema
    depth: int = 0
    at_now: bool = False  # inside an entity reached by key: "now", whatever the query's tid
    marked: bool = False  # a person mark was added
    probe: bool = True  # marks ask whether the person is graded (else null: asked after)

    def as_of(self, alias: str) -> str:
        if self.at_now:
            return self.now(alias)
        return self.tid.as_of_sql(alias)[0]

    @staticmethod
    def now(alias: str) -> str:
        """Tidspunkt(gyldig=now).as_of_sql, with its own parameter."""
        return f"{alias}.gyldig @> %(naa)s::timestamptz AND upper_inf({alias}.registrert)"

    def subquery(self, sql: str, row: str, *, now: bool = False) -> str:
        """``sql`` over the row ``{t}``, its subquery rows ``{x}`` as of the query (or now)."""
        if "{x}" not in sql:
            return sql.format(t=row)
        self.depth += 1
        alias = f"x{self.depth}"
        return sql.format(t=row, x=alias, as_of=self.now(alias) if now else self.as_of(alias))

    def marks(self, sql_type: SqlType, keys: list[tuple[str, FieldNode]], row: str,
              identifier: str | None = None) -> str | None:  # fmt: skip
        """The access-control mark of a person's row or of a row naming one, else None
        (``mark_sql``): its identifier computed here unless given, graded now asked only
        when ``probe``."""
        if sql_type.person is None and sql_type.linked_person is None:
            return None
        graphql_type = self.schema.get_type(sql_type.name)
        fields = graphql_type.fields if isinstance(graphql_type, GraphQLObjectType) else {}
        groups = set()
        for _, node in keys:
            definition = fields.get(node.name.value)
            if definition is None:
                continue
            rule = access.rule_for(sql_type.name, node.name.value, get_named_type(definition.type))
            if rule is not None and rule.group:
                groups.add(rule.group)
        self.marked = True
        names = ",".join(sorted(groups))
        if sql_type.person is not None:
            identifier = identifier or self.subquery(sql_type.person.identifier, row)
            graded = self.subquery(sql_type.person.graded, row, now=True) if self.probe else None
            return f"'{MARK}', {mark_sql(LOGGED, identifier, graded, names)}"
        key = str(sql_type.linked_person).format(t=row)
        graded = gradering.graded_sql(key) if self.probe else None
        logged = LOGGED if names else NOT_LOGGED  # shows no guarded field of the person
        return f"'{MARK}', {mark_sql(logged, key, graded, names)}"

    def source(self, source: str, alias: str, parent: str = "") -> str:
        return source.format(r=alias, t=parent, as_of=self.as_of(alias))

    def object_sql(self, type_name: str, selection: SelectionSetNode | None, row: str) -> str:
        sql_type = self.types.get(type_name)
        if sql_type is None or selection is None:
            raise Unsupported(type_name)
        pairs = []
        keys = list(_fields(selection, type_name, self.fragments))
        shared = self.shared_identifier(sql_type, keys)
        for key, node in keys:
            if shared is not None and node.name.value in shared[1]:
                pairs.append(f"'{key}', {shared[0]}.v")
            else:
                pairs.append(f"'{key}', {self.field_sql(sql_type, node, row)}")
        identifier = f"{shared[0]}.v" if shared is not None else None
        mark = self.marks(sql_type, keys, row, identifier) if pairs else None
        if mark is not None:
            pairs.append(mark)
        if not pairs or len(pairs) > MAX_JSON_KEYS:
            raise Unsupported(type_name)
        built = f"json_build_object({', '.join(pairs)})"
        if shared is None:
            return built
        assert sql_type.person is not None
        value = self.subquery(sql_type.person.identifier, row)
        return f"(SELECT {built} FROM (SELECT {value} AS v OFFSET 0) {shared[0]})"

    def shared_identifier(
        self, sql_type: SqlType, keys: list[tuple[str, FieldNode]]
    ) -> tuple[str, set[str]] | None:
        """When a person's mark and a selected field are the same identifier (a subquery):
        an alias to compute it once under (``OFFSET 0`` keeps PostgreSQL from inlining it
        twice), and the names of those fields."""
        if sql_type.person is None:
            return None
        same = {name for name, definition in sql_type.fields.items()
                if definition == Column(sql_type.person.identifier)}  # fmt: skip
        if not any(node.name.value in same for _, node in keys):
            return None
        self.depth += 1
        return f"i{self.depth}", same

    def field_sql(self, sql_type: SqlType, node: FieldNode, row: str) -> str:
        name = node.name.value
        if name == "__typename":
            return f"'{sql_type.name}'"
        definition = sql_type.fields.get(name)
        if definition is None or node.arguments:
            raise Unsupported(f"{sql_type.name}.{name}")
        if isinstance(definition, Column):  # perhaps a subquery, e.g. an aggregate
            return self.subquery(definition.sql, row)
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


def _fields(
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
            answer = await self._answer(scope, headers, body)
        if answer is None:
            await self.app(scope, _replay([{"type": "http.request", "body": raw}], receive), send)
            return
        await send({
            "type": "http.response.start", "status": 200,
            "headers": [(b"content-type", b"application/json"),
                        (b"content-length", str(len(answer)).encode())],
        })  # fmt: skip
        await send({"type": "http.response.body", "body": answer})

    async def _answer(
        self, scope: Scope, headers: Mapping[bytes, bytes], body: Mapping[str, Any]
    ) -> bytes | None:
        """The answer, its persons logged, or None for the resolvers (``logged_answer``)."""
        state = scope.get("state", {})
        purpose = headers.get(b"behandlingsgrunnlag")
        answer = await logged_answer(
            self.answers,
            scope["app"].state.pool,
            scope["app"].state.lookup_log,
            body,
            now=dt.datetime.now(dt.UTC),
            principal=state.get("principal", ANONYMOUS),
            request_id=state.get("request_id", ""),
            behandlingsgrunnlag=purpose.decode("latin-1")[:500] if purpose else None,
        )
        return answer and answer.body


async def logged_answer(
    answers: SqlAnswers,
    pool: AsyncConnectionPool,
    writer: oppslagslogg.LookupLogWriter,
    body: Mapping[str, Any],
    *,
    now: dt.datetime,
    principal: Principal,
    request_id: str,
    behandlingsgrunnlag: str | None,
) -> SqlAnswer | None:
    """The SQL forms' answer to ``body``, its persons logged as the resolvers log them
    (committed before this returns), or None for the resolvers: when the forms decline,
    when a person the log's write was to check is graded (``SqlAnswer.check``: the
    resolvers hide or refuse them), or when the log cannot be written (they report it)."""
    answer = await answers.answer(pool, body, now, principal)
    if answer is None or not answer.persons:
        return answer
    try:
        written = await oppslagslogg.write_found(
            writer,
            answer.persons,
            principal=principal,
            now=now,
            request_id=request_id,
            operation=answer.operation,
            behandlingsgrunnlag=behandlingsgrunnlag,
            check=answer.check,
        )
    except Exception:
        log.info("lookup log not written by the SQL path: the resolvers take over")
        return None
    return answer if written else None


def _replay(messages: list[Message], then: Receive | None = None) -> Receive:
    async def receive() -> Message:
        if messages:
            return messages.pop(0)
        if then is None:
            return {"type": "http.disconnect"}
        return await then()

    return receive
