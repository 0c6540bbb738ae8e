"""Features built by PostgreSQL: one statement per page, each row one GeoJSON feature.

The statement is made from a ``Collection``'s declaration: its FROM clause as of the asked
valid time, the bbox and CQL2 conditions, the keyset (``key > cursor``) and the feature as
``json_build_object`` with ``ST_AsGeoJSON`` in the asked CRS (flipped to latitude first
where the CRS says so). Every value from the request is a bound parameter.
"""

from __future__ import annotations

import base64
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import orjson
import psycopg
from psycopg import AsyncConnection

from grunndata.graphql.tid import Tidspunkt
from grunndata.ogc.collection import Collection
from grunndata.ogc.crs import Crs
from grunndata.ogc.problem import Problem

#: Where the bbox is cut before it is transformed: Norway and its seas with a wide margin
#: (a box QGIS sends for its whole view must not make PROJ fail), EPSG:4326 lon/lat.
_NEAR_NORWAY = "ST_MakeEnvelope(-20, 50, 45, 85, 4326)"
_UTM = (25832, 25833, 25835)


@dataclass
class Page:
    """What a page of items asks for."""

    tid: Tidspunkt
    crs: Crs
    limit: int
    cursor: tuple[bool, list[Any]] | None = None  # (backwards, key values)
    conditions: list[str] = field(default_factory=list)
    params: dict[str, Any] = field(default_factory=dict)


def fill(template: str, collection: Collection, tid: Tidspunkt, **more: str) -> str:
    """``template`` with the collection's as-of conditions (and ``more``) put in."""
    as_of = {f"as_of_{alias}": tid.as_of_sql(alias)[0] for alias in collection.versioned}
    return template.format(**as_of, **more)


def geometry_json(collection: Collection, crs: Crs) -> str:
    geometry = f"ST_Transform({collection.geometry}, {crs.srid})"
    if crs.lat_first:
        geometry = f"ST_FlipCoordinates({geometry})"
    return f"ST_AsGeoJSON({geometry}, {crs.decimals}, 0)::json"


def feature_sql(collection: Collection, crs: Crs, tid: Tidspunkt) -> str:
    """A row's GeoJSON feature (json) in ``crs``."""
    properties = ", ".join(f"'{name}', {p.sql}" for name, p in collection.properties.items())
    return fill(
        f"json_build_object('type', 'Feature', 'id', {collection.feature_id}, "
        f"'geometry', {geometry_json(collection, crs)}, "
        f"'properties', json_build_object({properties}))",
        collection, tid,
    )  # fmt: skip


def statement(collection: Collection, page: Page) -> tuple[str, dict[str, Any]]:
    """The page's statement: rows of (feature as text, key values...), one more than the
    limit (to know whether another page follows), in key order."""
    params: dict[str, Any] = {**page.tid.as_of_sql("x")[1], **page.params, "limit": page.limit}
    conditions = list(page.conditions)
    backwards = False
    keys = ", ".join(collection.key)
    if page.cursor is not None:
        backwards, values = page.cursor
        if len(values) != len(collection.key):
            raise Problem(400, "InvalidParameterValue", "cursor: not a cursor of this collection")
        marks = ", ".join(f"%(c{n})s" for n in range(len(values)))
        params.update({f"c{n}": v for n, v in enumerate(values)})
        conditions.append(f"({keys}) {'<' if backwards else '>'} ({marks})")
    where = "".join(f" AND {c}" for c in conditions)
    order = ", ".join(f"{k} {'DESC' if backwards else 'ASC'}" for k in collection.key)
    key_columns = ", ".join(f"{k} AS k{n}" for n, k in enumerate(collection.key))
    sql = (
        f"SELECT {feature_sql(collection, page.crs, page.tid)}::text AS f, {key_columns} "
        f"{fill(collection.source, collection, page.tid)}{where} "
        f"ORDER BY {order} LIMIT %(limit)s + 1"
    )
    if backwards:  # the page before the cursor, served in key order
        outer = ", ".join(f"k{n}" for n in range(len(collection.key)))
        sql = f"SELECT * FROM ({sql}) AS page ORDER BY {outer}"
    return sql, params


async def bbox_shape(
    conn: AsyncConnection, box: tuple[float, float, float, float], crs: Crs
) -> bytes | None:
    """The bbox in EPSG:25833 as WKB, cut to Norway's surroundings; None when it lies
    wholly elsewhere (an empty answer, not an error)."""
    x1, y1, x2, y2 = box
    step = 0.005 if crs.degrees else 500.0  # edges follow the curve to well under a mm
    envelope = f"ST_Segmentize(ST_MakeEnvelope(%s, %s, %s, %s, {crs.srid}), %s)"
    if crs.srid in _UTM:  # a UTM box goes straight to zone 33
        sql = f"SELECT ST_AsBinary(ST_Transform({envelope}, 25833))"
    else:
        sql = (
            f"SELECT ST_AsBinary(ST_Transform(ST_Intersection(ST_Transform({envelope}, 4326), "
            f"{_NEAR_NORWAY}), 25833))"
        )
    try:
        row = await (await conn.execute(sql, [x1, y1, x2, y2, step])).fetchone()
    except (psycopg.errors.DataError, psycopg.errors.InternalError_):
        return None  # PROJ cannot place it at all: nowhere near Norway
    if row is None or row[0] is None:
        return None
    wkb = bytes(row[0])
    return None if _empty_wkb(wkb) else wkb


def _empty_wkb(wkb: bytes) -> bool:
    import shapely

    return bool(shapely.from_wkb(wkb).is_empty)


def encode_cursor(backwards: bool, values: list[Any]) -> str:
    return base64.urlsafe_b64encode(orjson.dumps([backwards, values])).decode().rstrip("=")


def decode_cursor(text: str) -> tuple[bool, list[Any]]:
    try:
        backwards, values = orjson.loads(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)))
        if (
            not isinstance(backwards, bool)
            or not isinstance(values, list)
            or not all(isinstance(v, str | int) and not isinstance(v, bool) for v in values)
        ):
            raise ValueError
    except (ValueError, TypeError, orjson.JSONDecodeError):
        raise Problem(400, "InvalidParameterValue", "cursor: not a cursor from this server") \
            from None  # fmt: skip
    return backwards, values


@dataclass
class Rows:
    """A page's rows as they stream from the database, and what is learnt at its end."""

    first: tuple[Any, ...] | None
    rest: AsyncIterator[tuple[Any, ...]]
    limit: int
    backwards: bool
    returned: int = 0
    first_key: list[Any] | None = None
    last_key: list[Any] | None = None
    more: bool = False  # another page lies beyond, in the direction read

    async def features(self) -> AsyncIterator[str]:
        """The features (text), at most ``limit``; a backwards page drops its first row
        when the statement found one more than the limit."""
        rows = self._all()
        held: tuple[Any, ...] | None = None
        if self.backwards:
            buffered = [row async for row in rows]
            if len(buffered) > self.limit:
                self.more, buffered = True, buffered[1:]
            for row in buffered:
                yield self._take(row)
            return
        async for row in rows:
            if held is not None:
                yield self._take(held)
            held = row
        if held is not None:
            if self.returned >= self.limit:
                self.more = True
            else:
                yield self._take(held)

    def _take(self, row: tuple[Any, ...]) -> str:
        key = list(row[1:])
        if self.first_key is None:
            self.first_key = key
        self.last_key = key
        self.returned += 1
        return str(row[0])

    async def _all(self) -> AsyncIterator[tuple[Any, ...]]:
        if self.first is not None:
            yield self.first
        async for row in self.rest:  # always: its end gives the connection back
            yield row


def parse_datetime(value: str | None) -> datetime | None:
    """``datetime``: an instant of valid time (RFC 3339, or a date: its start in Norway)."""
    if value is None or value == "":
        return None
    if "/" in value:
        raise Problem(
            400, "InvalidParameterValue",
            "datetime: only an instant is supported (the data as it was then), not an interval",
        )  # fmt: skip
    try:
        return datetime.fromisoformat(value.strip().replace("z", "Z"))
    except ValueError:
        reason = f"datetime: {value[:100]!r} is not an RFC 3339 instant"
        raise Problem(400, "InvalidParameterValue", reason) from None
