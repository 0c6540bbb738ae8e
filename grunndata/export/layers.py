"""A layer's features as they stream from a server-side cursor in the export's snapshot.

The SQL is the OGC collection's (``grunndata.ogc.features``): its FROM clause as of the
snapshot's instant, its properties and its geometry in the asked CRS, in key order, with
the layer's kommune condition when kommuner are asked for.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

import psycopg

from grunndata.export.declare import Layer
from grunndata.graphql.tid import Tidspunkt
from grunndata.ogc.crs import Crs
from grunndata.ogc.features import feature_sql, fill

#: Rows fetched from PostgreSQL at a time (and written to a GeoPackage at a time).
CHUNK = 2000


def crs_of(srid: int) -> Crs:
    """The export's CRS: x then y (easting, northing; longitude, latitude), as GeoJSON and
    GeoPackage files hold them whatever the CRS's own axis order."""
    return Crs(f"EPSG:{srid}", srid, degrees=srid in (4258, 4326))


def _query(layer: Layer, select: str, tid: Tidspunkt, kommuner: bool) -> str:
    collection = layer.collection
    where = f" AND {layer.kommune}" if kommuner else ""
    order = ", ".join(collection.key)
    return f"SELECT {select} {fill(collection.source, collection, tid)}{where} ORDER BY {order}"


def _params(tid: Tidspunkt, naa: datetime, kommuner: tuple[str, ...]) -> dict[str, Any]:
    return {**tid.as_of_sql("x")[1], "naa": naa, "kommuner": list(kommuner)}


def features_json(
    conn: psycopg.Connection[Any], layer: Layer, srid: int, naa: datetime,
    kommuner: tuple[str, ...],
) -> Iterator[str]:  # fmt: skip
    """Each feature as GeoJSON text, in ``srid``."""
    tid = Tidspunkt(gyldig=naa)
    select = f"{feature_sql(layer.collection, crs_of(srid), tid)}::text"
    sql = _query(layer, select, tid, bool(kommuner))
    with conn.cursor(name=f"eksport_{layer.name}") as cursor:
        cursor.itersize = CHUNK
        for (text,) in cursor.execute(sql, _params(tid, naa, kommuner)):
            yield text


def feature_rows(
    conn: psycopg.Connection[Any], layer: Layer, srid: int, naa: datetime,
    kommuner: tuple[str, ...],
) -> Iterator[list[tuple[Any, ...]]]:  # fmt: skip
    """Chunks of rows: (WKB in ``srid``, then each property; arrays as JSON text)."""
    collection = layer.collection
    tid = Tidspunkt(gyldig=naa)
    columns = [f"ST_AsBinary(ST_Transform({collection.geometry}, {int(srid)}))"]
    for p in collection.properties.values():
        columns.append(f"({p.sql})::text" if p.type == "array" else p.sql)
    sql = _query(layer, fill(", ".join(columns), collection, tid), tid, bool(kommuner))
    with conn.cursor(name=f"eksport_{layer.name}") as cursor:
        cursor.execute(sql, _params(tid, naa, kommuner))
        while rows := cursor.fetchmany(CHUNK):
            yield rows
