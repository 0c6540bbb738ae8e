"""What a register brings to the engine: one small description per register.

The schema assembly (``grunndata.graphql.schema``) and the loaders (``grunndata.loaders``)
read these; a register's room never needs to know about the web framework or another
register.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sqlalchemy import MetaData

    from grunndata.export.declare import Eksport
    from grunndata.feed.declare import Hendelser
    from grunndata.fixtures.hooks import FixtureFactory
    from grunndata.graphql.context import EntityBatch
    from grunndata.graphql.sql.forms import SqlRoot, SqlType
    from grunndata.kilder.follow import FollowerFactory
    from grunndata.loaders.formats import SourceFormat
    from grunndata.loaders.revert import Revertible
    from grunndata.ogc.collection import Collection


@dataclass(frozen=True)
class HttpCall:
    """A POST to a register's endpoint: query parameters, Content-Type, the body as it
    streams in, and the server's connection pool."""

    query: Mapping[str, str]
    content_type: str
    body: AsyncIterator[bytes]
    pool: Any


@dataclass(frozen=True)
class HttpAnswer:
    """The answer: a status, a media type, and the body whole or streamed as text."""

    status: int
    media_type: str
    body: bytes | AsyncIterator[str]


HttpHandler = Callable[[HttpCall], Awaitable[HttpAnswer]]


@dataclass(frozen=True)
class TypeExtension:
    """Fields a register adds to another register's entity type (``Person.eiendommer``).

    ``fields`` is a plain strawberry type whose resolvers read only the entity's key
    attributes from ``self`` (through ``grunndata.graphql.lenker.key_of``), so the same class
    serves on the owning room's type in the single process and on a ``@key`` stub in a
    federation subgraph. ``build_schema`` adds them to the type named ``type_name`` when a
    register serving it is in the schema.
    """

    type_name: str
    fields: type
    key: str = field(default="", kw_only=True)
    """The key attribute the resolvers read (documentation for the subgraph stubs)."""
    requires: str = field(default="", kw_only=True)
    """Other fields of the entity the resolvers read (GraphQL names, space-separated): a
    federation subgraph's stub declares them ``@external`` and the fields ``@requires``
    them, so the gateway fetches them from the entity's owner first."""


@dataclass(frozen=True)
class PersonAccess:
    """How the register that holds persons guards them (``grunndata.graphql.access``).

    ``identity_scope`` reads ``identity_fields``; ``full_scope`` reads every field of the
    person type (any other field is denied without it); ``graded_scope`` sees a person
    whose address is graded. ``address_fields`` place the person (as does any field
    returning a place type); ``cover_fields`` may answer a cover address even for a
    graded person; ``inner_address_fields`` (``(type, field)``) place the person an object
    inside one person belongs to (its ``subject``)."""

    type_name: str
    key: str
    """The person's key field (a federation stub of a person carries only it)."""
    identity_scope: str
    full_scope: str
    graded_scope: str
    identity_fields: frozenset[str]
    address_fields: frozenset[str]
    cover_fields: frozenset[str] = frozenset()
    inner_address_fields: frozenset[tuple[str, str]] = frozenset()


@dataclass(frozen=True)
class AccessRules:
    """A register's part of access control (``grunndata.graphql.access``).

    ``scopes``: the scopes it defines (without the configured prefix). ``field_scopes``:
    ``(type, field)`` → the scopes it needs (each of them; an entry that is a set of scopes
    needs one of them), for identifiers, person links and person data that open data does
    not show. ``identifier_fields``: fields that show a person's identifier without
    returning the person (logged as identity). ``field_groups``: ``(type, field)`` → the
    lookup log's field group a guarded field of a person's object is logged under (the
    object names its person by ``linked_person()``). ``place_types``:
    types that are a place (a person reached through one is linked to it).
    ``person_link_types``: types whose values name a person (filtered at places, logged).
    ``persons``: set by the register that holds persons."""

    scopes: tuple[str, ...] = ()
    field_scopes: Mapping[tuple[str, str], tuple[str | frozenset[str], ...]] = field(
        default_factory=dict
    )
    identifier_fields: frozenset[tuple[str, str]] = frozenset()
    field_groups: Mapping[tuple[str, str], str] = field(default_factory=dict)
    place_types: frozenset[str] = frozenset()
    person_link_types: frozenset[str] = frozenset()
    persons: PersonAccess | None = None


@dataclass(frozen=True)
class EntityKeys:
    """An entity type the register owns, as a federation subgraph names it.

    ``key``: its primary key field (``ID!``); alternative keys are the ``Register.entities``
    names ``"Type:<fields>"``. ``field_types``: the GraphQL type (a Python annotation) of
    each other key field and of each field another register's extension ``@requires``,
    as this register declares it; a key field not listed is ``String``."""

    type_name: str
    key: str
    field_types: Mapping[str, object] = field(default_factory=dict)


@dataclass(frozen=True)
class Register:
    """A register's plug: its database schema, its root GraphQL fields and its formats.

    ``query`` is a strawberry type whose fields become root ``Query`` fields; ``types``
    are extra types the schema must know even if no root field reaches them. ``entities``
    are the entity types it serves to other registers by key (``"Person"`` by
    identifikasjonsnummer, ...): other rooms reach them through ``Context.entity`` and a
    lazy type annotation, never by importing this room.
    """

    name: str
    title: str
    db_schema: str
    query: type | None = None
    types: Sequence[type] = ()
    formats: Sequence[SourceFormat] = field(default_factory=tuple)
    entities: Mapping[str, EntityBatch] = field(default_factory=dict)
    extensions: Sequence[TypeExtension] = ()
    """Fields this register contributes to other registers' entity types."""
    log_links: Sequence[type] = ()
    """Fields this register adds to the lookup log's ``Oppslag`` (``grunndata.graphql.
    oppslagslogg``): plain strawberry types whose resolvers read the entry's attributes
    (``konsument``, the consumer's organisasjonsnummer) and may return this register's
    entities (through ``Context.entity``: a stub in a subgraph that does not own them)."""
    scalars: Mapping[object, Any] = field(default_factory=dict)
    """Custom scalars: a ``NewType`` used in annotations → its ``strawberry.scalar(name=…,
    serialize=…, parse_value=…)`` definition (strawberry's ``scalar_map``)."""
    http_endpoints: Mapping[str, HttpHandler] = field(default_factory=dict)
    """Plain POST endpoints beside ``/graphql`` by path (``/adressevask``), e.g. bulk
    uploads; the server adapts them to its web framework."""
    entity_keys: Sequence[EntityKeys] = ()
    """The keys of the entity types in ``entities`` (federation)."""
    access: AccessRules = AccessRules()
    """Its scopes, guarded fields, places and person links."""
    sql_types: Sequence[SqlType] = ()
    kilder: Mapping[str, FollowerFactory] = field(default_factory=dict)
    """The change feeds it can follow (``grunndata follow NAME``): name → factory."""
    sql_roots: Mapping[str, SqlRoot] = field(default_factory=dict)
    """Optional: its types and root fields in SQL (``grunndata.graphql.sql``), so that
    queries selecting only those are answered whole by one statement per root field."""
    collections: Sequence[Collection] = ()
    """Optional: what it serves as OGC API feature collections and vector-tile layers
    (``grunndata.ogc``)."""
    eksport: Eksport | None = None
    """Optional: what ``grunndata export`` writes of it (``grunndata.export``)."""
    migrations: Path | None = None
    """Its Alembic version branch: the directory of its revisions, ``migrations/`` in its
    room, labelled with its ``name`` (``docs/migrations.md``). The migrations are found there
    by path, without importing the room."""
    tables: MetaData | None = None
    """Its tables, declared once (SQLAlchemy Core, ``tables.py`` in its room): what its
    migrations make (``tests/db/test_tables.py``)."""
    revertible: Revertible | None = None
    """What its loads write, so that ``grunndata loads revert`` can take a load out."""
    fixtures: FixtureFactory | None = None
    """Optional: its part of ``grunndata fixtures generate``: the generated world's
    persons, lots and businesses in its own files (``grunndata.fixtures.hooks``)."""
    hendelser: Hendelser | None = None
    """What it publishes in the change feed (``grunndata.feed``): None publishes nothing."""
