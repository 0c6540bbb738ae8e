"""What a register exports (``Register.eksport``; ``grunndata export``).

Records (JSON Lines, CSV) are entities exactly as the GraphQL API answers them: the engine
lists their keys with the register's SQL, then asks the register's root field for them
(``grunndata.export.records``), with the access rules of a token with the export's scopes.
Layers (GeoJSON, GeoPackage) are the register's OGC collections (``Register.collections``)
in any supported CRS (``grunndata.export.layers``). SQL fragments are templates as in
``grunndata.ogc.collection``: ``{as_of_X}`` is the valid-time condition of the table
aliased ``X``; ``%(kommuner)s`` the kommunenummer asked for (a ``text[]``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from grunndata.ogc.collection import Collection


@dataclass(frozen=True)
class Records:
    """One entity type as records: ``entitet`` (as the change feed names it), the SQL
    listing the keys of the current ones (``keys``: one text column, over the tables
    ``versioned`` names) and the GraphQL root field that answers them (``root`` with its
    key ``argument``; ``batch``: the field takes a list of keys and answers in their
    order, else one aliased field per key) with ``selection``. ``key`` is the field of
    the answer the feed's ``noekkel`` is (the answer's, not the listed key: a person
    listed by an older identifier answers with today's). ``kommune``: a condition over
    the same aliases selecting ``%(kommuner)s``; empty: not filterable by kommune.
    ``persons``: the records are persons (an export needs ``--scope`` and ``--orgnr``)."""

    entitet: str
    keys: str
    versioned: tuple[str, ...]
    root: str
    argument: str
    selection: str
    key: str
    batch: bool = False
    kommune: str = ""
    persons: bool = False


@dataclass(frozen=True)
class Layer:
    """An OGC collection as a layer of a GeoJSON or GeoPackage export; ``kommune`` is a
    condition over the collection's aliases selecting ``%(kommuner)s``."""

    collection: Collection
    kommune: str

    @property
    def name(self) -> str:
        return self.collection.id


@dataclass(frozen=True)
class Features:
    """One entity type as records read from an OGC collection, for an entity the GraphQL
    API has no root field for (Matrikkelen's Bygning): ``data`` is the feature as
    ``GET /ogc/collections/<id>/items/<key>`` answers it, its ``geometry`` (CRS84) and
    ``properties``; ``noekkel`` its id."""

    entitet: str
    layer: Layer
    persons: bool = False

    @property
    def kommune(self) -> str:
        return self.layer.kommune


@dataclass(frozen=True)
class Eksport:
    """A register's exports: ``records`` (jsonl, csv) and ``layers`` (geojson, gpkg).
    ``nedlasting``: its GeoPackage per kommune is served at ``/eksport/<register>/<kommune>
    .gpkg`` (``grunndata.export.http``)."""

    records: Sequence[Records | Features] = ()
    layers: Sequence[Layer] = ()
    nedlasting: bool = False
