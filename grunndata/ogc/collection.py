"""What a register declares to be served as OGC API features and vector tiles.

A room lists its ``Collection``s in its ``Register``; the web layer (``grunndata.ogc``)
builds every statement from them and names no register. SQL fragments are templates:
``{as_of_X}`` is the valid-time condition of the table aliased ``X``
(``grunndata.graphql.tid``), ``{shape}`` a geometry in the storage CRS (EPSG:25833);
``%(naa)s`` is the request's instant (for the current grading of owners).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

JsonType = Literal["string", "integer", "number", "array"]


@dataclass(frozen=True)
class Property:
    """A feature attribute: its SQL (over the collection's aliases) and JSON type.

    ``queryable``: may be used in a CQL2 filter (a plain column or a cheap expression)."""

    sql: str
    type: JsonType
    title: str = ""
    queryable: bool = True


@dataclass(frozen=True)
class TileLayer:
    """The collection as a vector-tile layer from ``min_zoom`` on, with a few attributes."""

    min_zoom: int
    properties: tuple[str, ...]


@dataclass(frozen=True)
class Collection:
    """One feature collection.

    ``source`` is the FROM clause (with its as-of conditions); ``geometry`` the feature's
    geometry in EPSG:25833; ``intersects`` a condition that the feature meets ``{shape}``
    (an index can serve it); ``key`` the keyset order (unique, stable while data changes),
    ``feature_id`` its id as text, ``by_id`` the condition selecting ``%(fid)s`` (only
    asked when ``id_pattern`` matches the id, as ``canonical_id`` writes it)."""

    id: str
    title: str
    description: str
    source: str
    versioned: tuple[str, ...]
    geometry: str
    geometry_type: Literal["Point", "MultiPolygon"]
    intersects: str
    key: tuple[str, ...]
    feature_id: str
    by_id: str
    id_pattern: re.Pattern[str]
    properties: dict[str, Property]
    tiles: TileLayer | None = None
    keywords: tuple[str, ...] = field(default=())
    canonical_id: Callable[[str], str | None] = field(default=lambda given: given)
