"""The compiler: a root field's selection, with the registers' forms, as one SQL statement
building the whole JSON answer (person marks included, ``grunndata.graphql.sql.marks``)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from graphql import (
    FieldNode,
    GraphQLField,
    GraphQLObjectType,
    GraphQLSchema,
    SelectionSetNode,
    get_named_type,
)

from grunndata.graphql import access, gradering
from grunndata.graphql.sql.forms import (
    ByKey,
    Column,
    Link,
    Nested,
    Paged,
    RootPlan,
    SqlType,
    Unsupported,
)
from grunndata.graphql.sql.marks import LOGGED, MARK, NOT_LOGGED, mark_sql
from grunndata.graphql.sql.pages import NodeSql, Window, connection_sql
from grunndata.graphql.sql.selection import Fragments, response_fields
from grunndata.graphql.tid import Tidspunkt

MAX_JSON_KEYS = 50  # json_build_object takes at most 100 arguments


@dataclass
class Compiler:
    types: Mapping[str, SqlType]
    fragments: Fragments
    tid: Tidspunkt
    schema: GraphQLSchema
    depth: int = 0
    at_now: bool = False  # inside an entity reached by key: "now", whatever the query's tid
    marked: bool = False  # a person mark was added
    probe: bool = True  # marks ask whether the person is graded (else null: asked after)
    #: the fields paged below the root (``Paged``): parameter prefix, node, definition
    pages: list[tuple[str, FieldNode, GraphQLField]] = field(default_factory=list)

    def as_of(self, alias: str) -> str:
        if self.at_now:
            return self.now(alias)
        return self.tid.as_of_sql(alias)[0]

    @staticmethod
    def now(alias: str) -> str:
        """Tidspunkt(gyldig=now).as_of_sql, with its own parameter."""
        return f"{alias}.gyldig @> %(naa)s::timestamptz AND upper_inf({alias}.registrert)"

    def instant(self, now: bool = False) -> str:
        """The query's instant in valid time (``Tidspunkt.gyldig``, as ``as_of_sql`` names
        its parameter), or now."""
        return "%(naa)s::timestamptz" if now or self.at_now else "%(gyldig)s::timestamptz"

    def subquery(self, sql: str, row: str, *, now: bool = False) -> str:
        """``sql`` over the row ``{t}``, its subquery rows ``{x}`` as of the query (or now),
        ``{at}`` the instant."""
        if "{x}" not in sql:
            return sql.format(t=row, at=self.instant(now))
        self.depth += 1
        alias = f"x{self.depth}"
        as_of = self.now(alias) if now else self.as_of(alias)
        return sql.format(t=row, x=alias, as_of=as_of, at=self.instant(now))

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
        if not sql_type.graded_matters:
            graded = "false"
        logged = LOGGED if names else NOT_LOGGED  # shows no guarded field of the person
        return f"'{MARK}', {mark_sql(logged, key, graded, names)}"

    def recorded(self, alias: str) -> str:
        """The recorded-time half of ``as_of``: the versions registered at the query's
        ``ajourholdstidspunkt`` (or now), whatever their valid time."""
        if self.at_now or self.tid.registrert is None:
            return f"upper_inf({alias}.registrert)"
        return f"{alias}.registrert @> %(registrert)s::timestamptz"

    def source(self, source: str, alias: str, parent: str = "") -> str:
        return source.format(
            r=alias, t=parent, as_of=self.as_of(alias), recorded=self.recorded(alias)
        )

    def object_sql(self, type_name: str, selection: SelectionSetNode | None, row: str) -> str:
        sql_type = self.types.get(type_name)
        if sql_type is None or selection is None:
            raise Unsupported(type_name)
        pairs = []
        keys = list(response_fields(selection, type_name, self.fragments))
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
        if not pairs:
            raise Unsupported(type_name)
        built = json_object(pairs)
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
        if definition is None or (node.arguments and not isinstance(definition, Paged)):
            raise Unsupported(f"{sql_type.name}.{name}")
        if isinstance(definition, Column):  # perhaps a subquery, e.g. an aggregate
            return self.subquery(definition.sql, row)
        if isinstance(definition, Nested):
            at = definition.at.format(t=row, at=self.instant())
            inner = self.object_sql(definition.type_name, node.selection_set, at)
            if definition.null_if is None:
                return inner
            null_if = definition.null_if.format(t=row, at=self.instant())
            return f"CASE WHEN {null_if} THEN NULL ELSE {inner} END"
        self.depth += 1
        related = f"r{self.depth}"
        if isinstance(definition, ByKey):
            return self.by_key_sql(definition, node, row, related)
        if isinstance(definition, Link):
            return self.link_sql(sql_type, definition, node, row, related)
        if isinstance(definition, Paged):
            return self.paged_sql(sql_type, definition, node, row, related)
        inner = self.object_sql(definition.type_name, node.selection_set, related)
        source = self.source(definition.source, related, row)
        order = f" ORDER BY {definition.order_by.format(r=related)}" if definition.order_by else ""
        if not definition.many:
            return f"(SELECT {inner} {source}{order} LIMIT 1)"
        return f"(SELECT coalesce(json_agg({inner}{order}), '[]'::json) {source})"

    def by_key_sql(self, definition: ByKey, node: FieldNode, row: str, related: str) -> str:
        target = self.types.get(definition.type_name)
        found = target and (
            target.by_keys.get(definition.entity) if definition.entity else target.by_key
        )
        if not found:
            raise Unsupported(f"{definition.type_name} {definition.entity}")
        outer, self.at_now = self.at_now, True
        try:
            inner = self.object_sql(definition.type_name, node.selection_set, related)
            key = definition.key.format(t=row)
            source = found.format(r=related, key=key, as_of=self.as_of(related))
        finally:
            self.at_now = outer
        return f"(SELECT {inner} {source} LIMIT 1)"

    def link_sql(self, sql_type: SqlType, definition: Link, node: FieldNode, row: str,
                 related: str) -> str:  # fmt: skip
        key = sql_type.fields.get(definition.key)
        if not isinstance(key, Column):
            raise Unsupported(f"{sql_type.name}.{definition.key}")
        key_sql = self.subquery(key.sql, row)
        outer, self.at_now = self.at_now, True
        try:
            inner = self.object_sql(definition.type_name, node.selection_set, related)
            source = definition.source.format(r=related, key=key_sql, as_of=self.as_of(related))
        finally:
            self.at_now = outer
        order = f" ORDER BY {definition.order_by.format(r=related)}" if definition.order_by else ""
        if not definition.many:
            return f"(SELECT {inner} {source}{order} LIMIT 1)"
        return f"(SELECT coalesce(json_agg({inner}{order}), '[]'::json) {source})"

    def connection_sql(self, plan: RootPlan, selection: SelectionSetNode | None) -> str:
        """A root field's page of ``plan``'s rows (``%(limit)s``, ``%(offset)s``)."""
        source, order = self.source(plan.source, "r0"), plan.order_by.format(r="r0")
        window = Window(plan.type_name, source, order, "r0")
        built = connection_sql(window, selection, self.fragments, self.node_sql(plan.type_name))
        return f"SELECT {built}::text"

    def keys_sql(self, plan: RootPlan, selection: SelectionSetNode | None) -> str:
        """A root field's list, one row of ``plan``'s (or null) per key, in their order:
        the rows of all keys found at once (a subquery per key let the planner pick an
        index scan per key), then joined to the keys."""
        inner = self.object_sql(plan.type_name, selection, "r0")
        keys = "ANY(%(keys)s::text[])"
        source = plan.source.format(r="r0", key=keys, as_of=self.as_of("r0"))
        key = plan.key.format(r="r0")
        return (
            "SELECT coalesce(json_agg(f.v ORDER BY k.i), '[]'::json)::text FROM "
            "unnest(%(keys)s::text[]) WITH ORDINALITY AS k(key, i) LEFT JOIN "
            f"(SELECT {key} AS key, {inner} AS v {source}) AS f ON f.key = k.key"
        )

    def paged_sql(self, sql_type: SqlType, definition: Paged, node: FieldNode, row: str,
                  related: str) -> str:  # fmt: skip
        """A field's page of related rows: its ``first`` and ``after`` bound per request
        (``pages``: a parameter prefix, the field's node and definition)."""
        graphql_type = self.schema.get_type(sql_type.name)
        assert isinstance(graphql_type, GraphQLObjectType)
        self.pages.append((related, node, graphql_type.fields[node.name.value]))
        window = Window(
            definition.type_name, self.source(definition.source, related, row),
            definition.order_by.format(r=related), related,
            limit=f"%({related}_limit)s", offset=f"%({related}_offset)s",
        )  # fmt: skip
        return connection_sql(
            window, node.selection_set, self.fragments, self.node_sql(definition.type_name)
        )

    def node_sql(self, type_name: str) -> NodeSql:
        return lambda selection, row: self.object_sql(type_name, selection, row)


def json_object(pairs: list[str]) -> str:
    """``json_build_object`` over ``pairs`` (``'key', value`` each), also for more keys than
    its 100 arguments hold: objects of at most ``MAX_JSON_KEYS`` keys joined as text, which
    is the very text one call would write (keys in order, the mark the last pair)."""
    chunks = [pairs[i : i + MAX_JSON_KEYS] for i in range(0, len(pairs), MAX_JSON_KEYS)]
    built = [f"json_build_object({', '.join(chunk)})::text" for chunk in chunks]
    if len(built) == 1:
        return built[0].removesuffix("::text")
    middle = [f"left({b}, -1)" for b in built[:-1]]  # each without its closing brace
    middle[1:] = [f"substr({m}, 2)" for m in middle[1:]]  # ... and the next its opening one
    joined = " || ', ' || ".join([*middle, f"substr({built[-1]}, 2)"])
    return f"({joined})::json"
