"""Vector tiles (OGC API – Tiles, WebMercatorQuad) made by PostgreSQL: one statement per
tile, one ``ST_AsMVT`` per layer a collection declares (``Collection.tiles``) from its
zoom level on, as of ``datetime`` like the features; gzip, ETag and Cache-Control; with
a TileJSON 3.0 document and the OGC tileset metadata.
"""

from __future__ import annotations

import gzip
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from grunndata.config import SecuritySettings
from grunndata.graphql.gate import RateLimiter
from grunndata.graphql.tid import Tidspunkt, aware
from grunndata.ogc.collection import Collection
from grunndata.ogc.features import fill, parse_datetime
from grunndata.ogc.http import DATA_VERSION, cache_headers, etag, not_modified, tag_of, too_many
from grunndata.ogc.problem import not_found
from grunndata.ogc.routes import answering

PREFIX = "/tiles/WebMercatorQuad"
MAX_ZOOM = 20
EXTENT = 4096
BUFFER = 64
MVT = "application/vnd.mapbox-vector-tile"
_TMS = "http://www.opengis.net/def/tilematrixset/OGC/1.0/WebMercatorQuad"


def layer_sql(collection: Collection, tid: Tidspunkt) -> str:
    """One layer of the tile: its features clipped to the tile, in tile coordinates."""
    assert collection.tiles is not None
    columns = "".join(
        f', {collection.properties[name].sql} AS "{name}"' for name in collection.tiles.properties
    )
    source = fill(collection.source, collection, tid)
    # the bounding boxes only: ST_AsMVTGeom clips, and an exact test costs more than it saves;
    # OFFSET 0 keeps "geom IS NOT NULL" out of the scan (it would clip every feature twice)
    where = f"{collection.geometry} && (SELECT area FROM tile)"
    return (
        f"(SELECT coalesce(ST_AsMVT(layer, '{collection.id}', {EXTENT}, 'geom'), '') FROM ("
        f"SELECT ST_AsMVTGeom(ST_Transform({collection.geometry}, 3857), "
        f"(SELECT envelope FROM tile), {EXTENT}, {BUFFER}, true) AS geom{columns} "
        f"{source} AND {where} OFFSET 0) AS layer WHERE layer.geom IS NOT NULL)"
    )


def tile_sql(layers: Sequence[Collection], tid: Tidspunkt) -> str:
    """The whole tile (a scalar subquery): its envelope (and the same with the buffer, in
    the storage CRS, its edges following the curve), then the layers' MVTs joined."""
    joined = " || ".join(layer_sql(c, tid) for c in layers)
    return (
        "(WITH tile AS (SELECT e AS envelope, ST_Transform(ST_Segmentize(ST_Expand(e, "
        f"(ST_XMax(e) - ST_XMin(e)) * {BUFFER} / {EXTENT}), (ST_XMax(e) - ST_XMin(e)) / 4), "
        "25833) AS area FROM ST_TileEnvelope(%(z)s, %(x)s, %(y)s) AS e) "
        f"SELECT {joined})"
    )


class Tiles:
    def __init__(self, collections: Sequence[Collection], settings: SecuritySettings) -> None:
        self.layers = [c for c in collections if c.tiles is not None]
        self.limiter = RateLimiter(
            settings.tile_rate_limit_per_minute, settings.tile_rate_limit_burst
        )

    async def tile(self, request: Request) -> Response:
        if (refused := too_many(self.limiter, request, "tiles")) is not None:
            return refused
        z, y, x = (_number(request.path_params[n], n) for n in ("z", "y", "x"))
        if z > MAX_ZOOM or x >= 2**z or y >= 2**z:
            raise not_found(f"No tile {z}/{y}/{x} in WebMercatorQuad (zoom 0 to {MAX_ZOOM})")
        instant = parse_datetime(request.query_params.get("datetime"))
        tid = Tidspunkt(gyldig=aware(instant) if instant else datetime.now(UTC))
        compress = "gzip" in request.headers.get("accept-encoding", "")
        layers = [c for c in self.layers if c.tiles and z >= c.tiles.min_zoom]
        variant = "gzip" if compress else ""
        async with request.app.state.pool.connection() as conn:
            if "if-none-match" in request.headers:  # the tag first: a 304 makes no tile
                tag = await etag(request, variant, conn)
                if (cached := not_modified(request, tag)) is not None:
                    return cached
            # the data's version and the tile in one statement (one round trip)
            tile = tile_sql(layers, tid) if layers else "''::bytea"
            sql = f"SELECT {DATA_VERSION}, {tile}"
            params = {"z": z, "x": x, "y": y, **tid.as_of_sql("x")[1]}
            row = await (await conn.execute(sql, params)).fetchone()
        assert row is not None
        tag, data = tag_of(request, int(row[0]), variant), bytes(row[1] or b"")
        headers = {**cache_headers(tag), "Vary": "Accept-Encoding"}
        if compress:
            data = gzip.compress(data, compresslevel=5)
            headers["Content-Encoding"] = "gzip"
        return Response(data, media_type=MVT, headers=headers)

    async def tilejson(self, request: Request) -> Response:
        base = str(request.base_url).rstrip("/")
        query = f"?{request.url.query}" if request.url.query else ""
        doc: dict[str, Any] = {
            "tilejson": "3.0.0",
            "name": "grunndata: Matrikkelen",
            "description": "Teiger from zoom 13, bygninger and adresser from zoom 15.",
            "scheme": "xyz",
            "tiles": [f"{base}{PREFIX}/{{z}}/{{y}}/{{x}}.mvt{query}"],
            "minzoom": min((c.tiles.min_zoom for c in self.layers if c.tiles), default=0),
            "maxzoom": MAX_ZOOM,
            "bounds": [-9.5, 57.5, 33.5, 81.0],
            "vector_layers": [
                {"id": c.id, "description": c.title, "minzoom": c.tiles.min_zoom,
                 "maxzoom": MAX_ZOOM,
                 "fields": {n: c.properties[n].type for n in c.tiles.properties}}
                for c in self.layers if c.tiles
            ],
        }  # fmt: skip
        return Response(_dumps(doc), media_type="application/json", headers=_short_cache())

    async def tileset(self, request: Request) -> Response:
        base = str(request.base_url).rstrip("/")
        template = f"{base}{PREFIX}/{{tileMatrix}}/{{tileRow}}/{{tileCol}}.mvt"
        doc = {
            "title": "grunndata: Matrikkelen",
            "dataType": "vector",
            "crs": "http://www.opengis.net/def/crs/EPSG/0/3857",
            "tileMatrixSetURI": _TMS,
            "links": [
                {"rel": "self", "href": f"{base}{PREFIX}", "type": "application/json"},
                {"rel": "item", "href": template, "type": MVT, "templated": True},
                {"rel": "http://www.opengis.net/def/rel/ogc/1.0/tiling-scheme", "href": _TMS},
                {"rel": "describedby", "href": f"{base}{PREFIX}/tilejson.json",
                 "type": "application/json", "title": "TileJSON 3.0"},
            ],
            "layers": [
                {"id": c.id, "title": c.title, "dataType": "vector",
                 "geometryDimension": 0 if c.geometry_type == "Point" else 2,
                 "minTileMatrix": str(c.tiles.min_zoom), "maxTileMatrix": str(MAX_ZOOM)}
                for c in self.layers if c.tiles
            ],
        }  # fmt: skip
        return Response(_dumps(doc), media_type="application/json", headers=_short_cache())


def _dumps(doc: Any) -> bytes:
    return orjson.dumps(doc)


def _short_cache() -> dict[str, str]:
    return {"Cache-Control": "public, max-age=300"}


def _number(text: str, name: str) -> int:
    if not text.isdigit() or len(text) > 7:
        raise not_found(f"{name}: {text[:20]!r} is no tile index")
    return int(text)


def tile_routes(collections: Sequence[Collection], settings: SecuritySettings) -> list[BaseRoute]:
    tiles = Tiles(collections, settings)
    return [
        Route(f"{PREFIX}/{{z}}/{{y}}/{{x}}.mvt", answering(tiles.tile), methods=["GET"]),
        Route(f"{PREFIX}/tilejson.json", answering(tiles.tilejson), methods=["GET"]),
        Route(PREFIX, answering(tiles.tileset), methods=["GET"]),
    ]
