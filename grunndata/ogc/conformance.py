"""The conformance classes grunndata's OGC API declares, and its landing document."""

from __future__ import annotations

from typing import Any

_FEATURES = "http://www.opengis.net/spec/ogcapi-features-{part}/1.0/conf/{name}"
_CQL2 = "http://www.opengis.net/spec/cql2/1.0/conf/{name}"
_TILES = "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/{name}"

CONFORMANCE = [
    *(_FEATURES.format(part=1, name=n) for n in ("core", "geojson", "html", "oas30")),
    _FEATURES.format(part=2, name="crs"),
    *(_FEATURES.format(part=3, name=n) for n in ("filter", "features-filter", "queryables")),
    *(_CQL2.format(name=n) for n in (
        "cql2-text", "basic-cql2", "advanced-comparison-operators", "basic-spatial-functions",
    )),
    *(_TILES.format(name=n) for n in ("core", "tileset", "tilesets-list", "mvt")),
]  # fmt: skip


def landing(base: str) -> dict[str, Any]:
    def link(href: str, rel: str, type_: str, title: str) -> dict[str, str]:
        return {"href": f"{base}{href}", "rel": rel, "type": type_, "title": title}

    return {
        "title": "grunndata: Matrikkelen",
        "description": "Norway's property register (teiger, matrikkelenheter, adresser, "
        "bygninger) as OGC API – Features, open data.",
        "links": [
            link("", "self", "application/json", "This document"),
            link("?f=html", "alternate", "text/html", "This document as HTML"),
            link("/api", "service-desc", "application/vnd.oai.openapi+json;version=3.0",
                 "The API definition (OpenAPI 3.0)"),
            link("/conformance", "conformance", "application/json", "Conformance classes"),
            link("/collections", "data", "application/json", "The feature collections"),
        ],
    }  # fmt: skip
