"""Geometry at the edges: coordinates and shapes in any EPSG code, checked and stored in 25833.

Input is a point (x/east, y/north in the caller's EPSG) or a GeoJSON geometry / WKT text.
Shapes are parsed with shapely (for a clear reason when they are broken); PostGIS does
every transformation. A point or shape must lie in Norway's extent (mainland, Svalbard,
Jan Mayen, with a margin) after transforming to EPSG:4326: a point outside is almost
always swapped axes or a wrong EPSG code, and is refused rather than answered with
nothing.
"""

from __future__ import annotations

import json
from typing import Any

import psycopg
import shapely
import shapely.errors
import shapely.geometry
import shapely.validation
from psycopg import AsyncConnection

from grunndata.errors import InvalidArgument

STORAGE_EPSG = 25833
#: Longitude/latitude boxes (EPSG:4326) of mainland Norway with its sea, Svalbard and
#: Jan Mayen, each with a margin of some tens of kilometres.
NORGE_WKT = (
    "MULTIPOLYGON(((2 56.5,33.5 56.5,33.5 72,2 72,2 56.5)),"
    "((8 73.5,36 73.5,36 81.5,8 81.5,8 73.5)),"
    "((-10 70.5,-6.5 70.5,-6.5 71.5,-10 71.5,-10 70.5)))"
)
NORGE_SQL = f"ST_GeomFromText('{NORGE_WKT}', 4326)"
#: Points on a shared border must find both units after a round trip through another
#: CRS: a few millimetres of tolerance.
TOLERANCE_M = 0.005

_known_epsg: set[int] = set()


async def check_epsg(conn: AsyncConnection, epsg: int) -> None:
    """Raise ``InvalidArgument`` unless PostGIS knows ``epsg``."""
    if epsg in _known_epsg:
        return
    cursor = await conn.execute(
        "SELECT 1 FROM public.spatial_ref_sys WHERE srid = %s AND coalesce(proj4text, '') <> ''",
        [epsg],
    )
    if await cursor.fetchone() is None:
        raise InvalidArgument(f"epsg: {epsg} is not an EPSG code PostGIS knows")
    _known_epsg.add(epsg)


def parse_shape(text: str, *, argument: str = "geometri") -> bytes:
    """A GeoJSON geometry object or WKT text as WKB; ``InvalidArgument`` naming why not."""
    stripped = text.strip()
    try:
        if stripped.startswith("{"):
            geometry = shapely.geometry.shape(_geojson_object(stripped, argument))
        else:
            geometry = shapely.from_wkt(stripped)
    except InvalidArgument:
        raise
    except (shapely.errors.ShapelyError, ValueError, TypeError, KeyError, IndexError) as exc:
        kind = "GeoJSON" if stripped.startswith("{") else "WKT"
        raise InvalidArgument(f"{argument}: not a valid {kind} geometry: {exc}") from None
    if geometry is None or geometry.is_empty:
        raise InvalidArgument(f"{argument}: the geometry is empty")
    if not geometry.is_valid:
        reason = shapely.validation.explain_validity(geometry)
        raise InvalidArgument(f"{argument}: the geometry is not valid: {reason}")
    return shapely.to_wkb(geometry)


def _geojson_object(text: str, argument: str) -> dict[str, Any]:
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InvalidArgument(f"{argument}: not valid JSON: {exc.msg} at {exc.pos}") from None
    if not isinstance(value, dict) or "type" not in value:
        raise InvalidArgument(f"{argument}: a GeoJSON geometry object needs a 'type' member")
    if value["type"] in ("Feature", "FeatureCollection"):
        raise InvalidArgument(
            f"{argument}: expected a GeoJSON geometry object, got a {value['type']}"
        )
    return value


async def to_storage(conn: AsyncConnection, wkb: bytes, epsg: int, *, argument: str) -> bytes:
    """``wkb`` (in ``epsg``) transformed to EPSG:25833, as WKB; ``InvalidArgument`` when the
    code is unknown or the geometry lies outside Norway."""
    await check_epsg(conn, epsg)
    try:
        cursor = await conn.execute(
            f"""
            SELECT ST_AsBinary(ST_Transform(g, {STORAGE_EPSG})),
                   ST_Covers({NORGE_SQL}, ST_Transform(g, 4326)),
                   ST_AsText(ST_Centroid(ST_Transform(g, 4326)), 5)
            FROM (SELECT ST_SetSRID(ST_GeomFromWKB(%s), %s) AS g) AS given
            """,
            [wkb, epsg],
        )
    except psycopg.errors.InternalError_ as exc:  # PROJ cannot transform it at all
        raise InvalidArgument(
            f"{argument}: cannot be transformed from EPSG:{epsg} "
            f"({exc.diag.message_primary}); are x and y swapped, or the epsg wrong? "
            "x is east (longitude), y is north (latitude)"
        ) from None
    stored, inside, centre = await cursor.fetchone()  # type: ignore[misc]
    if not inside:
        raise InvalidArgument(
            f"{argument}: lies outside Norway (mainland, Svalbard, Jan Mayen) in EPSG:{epsg} "
            f"(centre at {centre} in EPSG:4326); are x and y swapped, or the epsg wrong? "
            "x is east (longitude), y is north (latitude)"
        )
    return bytes(stored)


async def point_to_storage(conn: AsyncConnection, x: float, y: float, epsg: int) -> bytes:
    return await to_storage(conn, shapely.to_wkb(shapely.Point(x, y)), epsg, argument="x, y")


def geojson_sql(column: str, epsg_param: str = "%(epsg)s") -> str:
    """SQL giving ``column`` (25833) as an RFC 7946 GeoJSON geometry in ``epsg``."""
    return f"ST_AsGeoJSON(ST_Transform({column}, {epsg_param}), 9, 0)::json"
