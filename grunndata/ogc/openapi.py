"""The API definition (OpenAPI 3.0) of grunndata's OGC API – Features."""

from __future__ import annotations

from typing import Any

from grunndata.ogc import crs
from grunndata.ogc.collection import Collection

MAX_LIMIT = 10_000
DEFAULT_LIMIT = 100


def _param(name: str, description: str, schema: dict[str, Any], **more: Any) -> dict[str, Any]:
    return {"name": name, "in": "query", "required": False, "description": description,
            "schema": schema, "style": "form", "explode": False, **more}  # fmt: skip


_CRS = {"type": "string", "format": "uri", "enum": crs.URIS}
ITEM_PARAMETERS = [
    _param("limit", "Features per page.", {"type": "integer", "minimum": 1,
           "maximum": MAX_LIMIT, "default": DEFAULT_LIMIT}),
    _param("bbox", "minx,miny,maxx,maxy in bbox-crs.", {"type": "array", "minItems": 4,
           "maxItems": 6, "items": {"type": "number"}}),
    _param("bbox-crs", "The CRS of bbox (default CRS84).", _CRS),
    _param("crs", "The CRS of the answer (default CRS84).", _CRS),
    _param("datetime", "An instant of valid time: the data as they were then.",
           {"type": "string"}),
    _param("filter", "A CQL2 text filter on the queryables.", {"type": "string"}),
    _param("filter-lang", "Only cql2-text.", {"type": "string", "enum": ["cql2-text"]}),
    _param("filter-crs", "The CRS of geometries in the filter (default CRS84).", _CRS),
    _param("cursor", "Where a page starts (from a next or prev link).", {"type": "string"}),
    _param("f", "json or html.", {"type": "string", "enum": ["json", "html"]}),
]  # fmt: skip


def _get(summary: str, parameters: list[dict[str, Any]], media: str) -> dict[str, Any]:
    return {"get": {
        "summary": summary, "parameters": parameters,
        "responses": {
            "200": {"description": summary, "content": {media: {"schema": {"type": "object"}}}},
            "400": {"description": "A bad parameter (OGC exception JSON)."},
            "404": {"description": "No such collection or feature (OGC exception JSON)."},
        },
    }}  # fmt: skip


def openapi(collections: list[Collection], base: str) -> dict[str, Any]:
    paths: dict[str, Any] = {
        "/": _get("Landing page", [], "application/json"),
        "/conformance": _get("Conformance classes", [], "application/json"),
        "/api": _get("This document", [], "application/vnd.oai.openapi+json;version=3.0"),
        "/collections": _get("The feature collections", [], "application/json"),
    }
    fid = {"name": "featureId", "in": "path", "required": True, "schema": {"type": "string"}}
    for c in collections:
        at = f"/collections/{c.id}"
        paths[at] = _get(f"The collection {c.id}", [], "application/json")
        paths[f"{at}/items"] = _get(f"Features of {c.id}", ITEM_PARAMETERS, "application/geo+json")
        paths[f"{at}/items/{{featureId}}"] = _get(
            f"One feature of {c.id}", [fid, *ITEM_PARAMETERS[3:5]], "application/geo+json"
        )
        paths[f"{at}/queryables"] = _get(
            f"What a filter on {c.id} may name", [], "application/schema+json"
        )
    return {
        "openapi": "3.0.3",
        "info": {"title": "grunndata OGC API – Features", "version": "1.0.0",
                 "description": "Matrikkelen's open data as OGC API – Features (Parts 1–3)."},
        "servers": [{"url": base}],
        "paths": paths,
    }  # fmt: skip
