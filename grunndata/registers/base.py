"""What a register brings to the engine: one small description per register.

The schema assembly (``grunndata.graphql.schema``) and the loaders (``grunndata.loaders``)
read these; a register's room never needs to know about the web framework or another
register.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from grunndata.graphql.context import EntityBatch
    from grunndata.graphql.sqljson import SqlRoot, SqlType
    from grunndata.loaders.formats import SourceFormat


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
    scalars: Mapping[object, Any] = field(default_factory=dict)
    """Custom scalars: a ``NewType`` used in annotations → its ``strawberry.scalar(name=…,
    serialize=…, parse_value=…)`` definition (strawberry's ``scalar_map``)."""
    sql_types: Sequence[SqlType] = ()
    sql_roots: Mapping[str, SqlRoot] = field(default_factory=dict)
    """Optional: its types and root fields in SQL (``grunndata.graphql.sqljson``), so that
    queries selecting only those are answered whole by one statement per root field."""
