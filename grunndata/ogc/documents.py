"""The JSON documents describing collections: the list, one collection, its queryables."""

from __future__ import annotations

from typing import Any

from grunndata.ogc import crs
from grunndata.ogc.collection import Collection

#: Mainland Norway, Svalbard and Jan Mayen, CRS84.
NORWAY_BBOX = [-9.5, 57.5, 33.5, 81.0]


def collection_doc(collection: Collection, base: str) -> dict[str, Any]:
    href = f"{base}/collections/{collection.id}"
    return {
        "id": collection.id,
        "title": collection.title,
        "description": collection.description,
        "keywords": list(collection.keywords),
        "itemType": "feature",
        "extent": {"spatial": {"bbox": [NORWAY_BBOX], "crs": crs.CRS84}},
        "crs": crs.URIS,
        "storageCrs": crs.STORAGE.uri,
        "links": [
            {"href": href, "rel": "self", "type": "application/json", "title": "This collection"},
            {"href": f"{href}?f=html", "rel": "alternate", "type": "text/html",
             "title": "This collection as HTML"},
            {"href": f"{href}/items", "rel": "items", "type": "application/geo+json",
             "title": "Its features (GeoJSON)"},
            {"href": f"{href}/items?f=html", "rel": "items", "type": "text/html",
             "title": "Its features (HTML)"},
            {"href": f"{href}/queryables", "type": "application/schema+json",
             "rel": "http://www.opengis.net/def/rel/ogc/1.0/queryables",
             "title": "What a filter may name"},
        ],
    }  # fmt: skip


def collections_doc(collections: list[Collection], base: str) -> dict[str, Any]:
    return {
        "links": [
            {"href": f"{base}/collections", "rel": "self", "type": "application/json"},
            {"href": f"{base}/collections?f=html", "rel": "alternate", "type": "text/html"},
        ],
        "collections": [collection_doc(c, base) for c in collections],
        "crs": crs.URIS,
    }


_GEOMETRY_SCHEMA = {
    "Point": "https://geojson.org/schema/Point.json",
    "MultiPolygon": "https://geojson.org/schema/MultiPolygon.json",
}


def queryables_doc(collection: Collection, base: str) -> dict[str, Any]:
    properties: dict[str, Any] = {
        name: {"title": p.title or name, "type": p.type}
        for name, p in collection.properties.items()
        if p.queryable
    }
    properties["geometry"] = {"$ref": _GEOMETRY_SCHEMA[collection.geometry_type]}
    return {
        "$schema": "https://json-schema.org/draft/2019-09/schema",
        "$id": f"{base}/collections/{collection.id}/queryables",
        "type": "object",
        "title": collection.title,
        "properties": properties,
        "additionalProperties": False,
    }
