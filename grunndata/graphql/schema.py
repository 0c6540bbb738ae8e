"""Schema assembly: the one place where each register plugs its root fields and types in.

``build_schema()`` merges every register's ``query`` type with the engine's own root
fields into one ``Query``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import strawberry
from graphql import GraphQLError, GraphQLField, GraphQLObjectType, get_named_type
from strawberry.extensions import (
    DisableIntrospection,
    MaxTokensLimiter,
    ParserCache,
    ValidationCache,
)
from strawberry.schema.config import StrawberryConfig
from strawberry.tools import merge_types
from strawberry.types import Info

import grunndata
from grunndata.config import SecuritySettings
from grunndata.db.migrate import current_revision_async
from grunndata.feed import graphql as feed_graphql
from grunndata.feed.subscription import HendelserSubscription
from grunndata.graphql import oppslagslogg
from grunndata.graphql.access import guard_schema
from grunndata.graphql.context import Context, EntityBatch
from grunndata.graphql.limits import PersistedQueries, limits_extension
from grunndata.graphql.oppslagslogg import OppslagsloggQuery
from grunndata.graphql.sql.answers import SqlAnswers
from grunndata.graphql.sql.forms import merged
from grunndata.registers import REGISTERS, Register

#: Factories; both caches live at module level, shared by every request.
SCHEMA_EXTENSIONS = (
    lambda: ParserCache(maxsize=1024),
    lambda: ValidationCache(maxsize=1024),
)


def security_extensions(
    security: SecuritySettings, allow_list: PersistedQueries | None = None
) -> list[Any]:
    """The limits (``limits``) and, unless enabled, no introspection: factories."""
    return [
        lambda: MaxTokensLimiter(max_token_count=security.max_tokens),
        limits_extension(security, allow_list),
        *([] if security.introspection else [DisableIntrospection]),
    ]


@strawberry.type(description="What this server is and which registers it holds.")
class ServerInfo:
    version: str
    registers: list[str]

    @strawberry.field(description="The database's migration revision.")
    async def schema_version(self, info: Info[Context, None]) -> str | None:
        async with info.context.pool.connection() as conn:
            return await current_revision_async(conn)


def _core_query(registers: Sequence[Register]) -> type:
    names = [register.name for register in registers]

    @strawberry.type
    class CoreQuery:
        @strawberry.field(description="Version of grunndata and the registers it serves.")
        def server_info(self) -> ServerInfo:
            return ServerInfo(version=grunndata.__version__, registers=names)

    return CoreQuery


class Schema(strawberry.Schema):
    """The composed schema, knowing which entity types its registers serve each other."""

    entity_batches: Mapping[str, EntityBatch] = {}
    sql_answers: SqlAnswers | None = None

    def process_errors(self, errors: list[GraphQLError], execution_context: Any = None) -> None:
        """Callers' mistakes are not server errors: the HTTP view logs the unexpected ones."""


def add_extensions(schema: strawberry.Schema, registers: Sequence[Register]) -> None:
    """Add each register's ``extensions`` to the (graphql-core) type they extend, in this
    schema only: the rooms' classes are left as they are. Skipped when no register in the
    schema serves the extended type."""
    for register in registers:
        for extension in register.extensions:
            add_fields(schema, extension.type_name, extension.fields, register.name)


def add_log_links(schema: strawberry.Schema, registers: Sequence[Register]) -> None:
    """Add the ``registers``' links (``Register.log_links``) to the lookup log's type, when
    this schema serves the log."""
    for register in registers:
        for fields in register.log_links:
            add_fields(schema, oppslagslogg.LOG_TYPE, fields, register.name)


def add_fields(schema: strawberry.Schema, type_name: str, fields: type, owner: str) -> None:
    """Add the fields of the strawberry type ``fields`` to the type ``type_name`` of
    ``schema`` (when it has it); ``owner`` names the register in errors."""
    types = schema._schema.type_map
    target = types.get(type_name)
    if not isinstance(target, GraphQLObjectType):
        return
    definition = fields.__strawberry_definition__  # type: ignore[attr-defined]
    for field in definition.fields:
        name = schema.config.name_converter.get_graphql_name(field)
        converted = schema.schema_converter.from_field(field, type_definition=definition)
        missing = _unknown_types(converted, types)
        if missing:
            raise TypeError(
                f"{owner}: {type_name}.{name} returns {missing}, "
                "a type no field of the schema reaches: add it to the register's types"
            )
        target.fields[name] = converted


def _unknown_types(field: GraphQLField, types: Mapping[str, Any]) -> str | None:
    named = get_named_type(field.type)
    return None if named.name in types else named.name


def build_schema(
    registers: Sequence[Register] = REGISTERS,
    *,
    security: SecuritySettings | None = None,
    allow_list: PersistedQueries | None = None,
) -> strawberry.Schema:
    """The composed schema, its person data guarded (``access``) and its requests limited
    (``limits``) as ``security`` says (default: the defaults, introspection off)."""
    security = security or SecuritySettings()
    query_types = [_core_query(registers)]
    query_types += [register.query for register in registers if register.query is not None]
    if any(register.access.persons for register in registers):  # the log, beside persons
        query_types.append(OppslagsloggQuery)
    if any(register.hendelser for register in registers):  # the change feed
        query_types.append(feed_graphql.HendelserQuery)
    query = merge_types("Query", tuple(query_types))
    extra_types = [t for register in registers for t in register.types]
    # Every known register's scalars: a lazy link may bring another room's type (and its
    # scalars, e.g. a GeoJSON scalar) into a schema built without that register.
    scalar_map = {k: v for r in (*REGISTERS, *registers) for k, v in r.scalars.items()}
    feed = any(register.hendelser for register in registers)
    schema = Schema(
        query=query,
        subscription=HendelserSubscription if feed else None,  # over WebSocket
        types=extra_types,
        config=StrawberryConfig(scalar_map=scalar_map),
        extensions=[*SCHEMA_EXTENSIONS, *security_extensions(security, allow_list)],
    )
    add_extensions(schema, registers)
    add_log_links(schema, registers)
    feed_graphql.add_links(schema, {name for register in registers for name in register.entities})
    guard_schema(schema._schema)  # after the extensions: their fields are guarded too
    schema.entity_batches = {
        name: batch for register in registers for name, batch in register.entities.items()
    }
    schema.sql_answers = SqlAnswers(
        schema._schema,
        merged(t for register in registers for t in register.sql_types),
        {name: root for register in registers for name, root in register.sql_roots.items()},
        security=security,
        allow_list=allow_list,
    )
    return schema
