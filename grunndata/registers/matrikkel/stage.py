"""Staging for Matrikkelen's formats: rows with coordinates in their own EPSG code.

A format COPYs its rows (with the source's line or record number) into a raw staging
table; the rows whose EPSG code PostGIS does not know, or whose geometry falls outside
Norway, are rejected by number in one set-based pass; the rest get their geometry in
EPSG:25833 and are merged as versions.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

import psycopg
from psycopg import sql

from grunndata.loaders import statistics
from grunndata.loaders.bulk import copy_rows, create_staging
from grunndata.loaders.formats import LoadContext, WriteCounts
from grunndata.loaders.versioning import VersionedTable, merge_snapshot
from grunndata.registers.matrikkel.geometri import NORGE_SQL, STORAGE_EPSG

OSLO = ZoneInfo("Europe/Oslo")
RAW_EXTRA = ("x", "y", "epsg", "gyldig_fra")


_LINE = ("line", "integer")
_VALID_FROM = ("gyldig_fra", "timestamptz")


def copy_points(
    conn: psycopg.Connection,
    name: str,
    like: str,
    columns: Sequence[str],
    rows: Iterable[Sequence[object]],
) -> int:
    """COPY ``(line, *columns, x, y, epsg, gyldig_fra)`` rows into a new table ``name``."""
    extra = [_LINE, ("x", "float8"), ("y", "float8"), ("epsg", "integer"), _VALID_FROM]
    create_staging(conn, name, like, columns, extra)
    return copy_rows(conn, name, ("line", *columns, *RAW_EXTRA), rows)


def copy_shapes(
    conn: psycopg.Connection,
    name: str,
    like: str,
    columns: Sequence[str],
    rows: Iterable[Sequence[object]],
) -> int:
    """COPY ``(line, *columns, geojson, epsg, gyldig_fra)`` rows into a new table ``name``."""
    create_staging(conn, name, like, columns, [_LINE, ("geojson", "text"), ("epsg", "integer"),
                                              _VALID_FROM])  # fmt: skip
    return copy_rows(conn, name, ("line", *columns, "geojson", "epsg", "gyldig_fra"), rows)


def _reject(conn: psycopg.Connection, name: str, context: LoadContext, where: str,
            reason: str, location: str) -> None:  # fmt: skip
    query = sql.SQL("DELETE FROM {} WHERE " + where + " RETURNING line, epsg").format(
        sql.Identifier(name)
    )
    for line, epsg in sorted(conn.execute(query).fetchall()):
        context.report.reject(f"{location} {line}", reason.format(epsg=epsg))


def reject_unknown_epsg(
    conn: psycopg.Connection, name: str, context: LoadContext, location: str = "line"
) -> None:
    _reject(
        conn, name, context,
        "epsg NOT IN (SELECT srid FROM public.spatial_ref_sys WHERE proj4text <> '')",
        "EPSG code {epsg} is not one PostGIS knows", location,
    )  # fmt: skip


#: ST_Transform, but NULL where PROJ cannot transform the geometry at all (outside the
#: CRS's domain): one such row must not fail the whole file. Only used when the set-based
#: pass failed, as the exception block costs a subtransaction per row.
_TRANSFORM_OR_NULL = """
CREATE OR REPLACE FUNCTION pg_temp.transform_or_null(g geometry, srid integer)
RETURNS geometry LANGUAGE plpgsql IMMUTABLE STRICT AS $$
BEGIN
    RETURN ST_Transform(g, srid);
EXCEPTION WHEN internal_error OR data_exception THEN
    RETURN NULL;
END
$$
"""


def reject_outside_norway(
    conn: psycopg.Connection,
    name: str,
    context: LoadContext,
    geometry: str,
    reason: str,
    location: str = "line",
) -> None:
    """Reject the rows whose ``geometry`` (SQL over the row, in its own ``epsg``) lies
    outside Norway, or cannot be transformed at all, by their ``line``."""
    outside = f"NOT ST_Covers({NORGE_SQL}, ST_Transform({geometry}, 4326))"
    try:
        with conn.transaction():
            _reject(conn, name, context, outside, reason, location)
        return
    except psycopg.errors.InternalError_:
        pass  # some row is outside its CRS's domain: find which, row by row
    conn.execute(_TRANSFORM_OR_NULL)
    _reject(
        conn, name, context, f"pg_temp.transform_or_null({geometry}, 4326) IS NULL",
        "the coordinates cannot be transformed from EPSG:{epsg}, they lie outside its "
        "domain (Nord and Øst swapped, or the EPSG code wrong?)", location,
    )  # fmt: skip
    _reject(conn, name, context, outside, reason, location)


def reject_bad_points(
    conn: psycopg.Connection, name: str, context: LoadContext, location: str = "line"
) -> None:
    """Reject rows with an unknown EPSG code or outside Norway; add ``punkt`` (25833)."""
    reject_unknown_epsg(conn, name, context, location)
    given = "ST_SetSRID(ST_MakePoint(x, y), epsg)"
    reject_outside_norway(
        conn, name, context, given,
        "the point lies outside Norway in EPSG:{epsg} (Nord and Øst swapped?)", location,
    )  # fmt: skip
    conn.execute(
        sql.SQL(
            "ALTER TABLE {} ADD punkt geometry(Point, {}); UPDATE {} SET punkt = ST_Transform("
            + given
            + ", {})"
        ).format(
            sql.Identifier(name),
            sql.Literal(STORAGE_EPSG),
            sql.Identifier(name),
            sql.Literal(STORAGE_EPSG),
        )
    )


def default_valid_from(conn: psycopg.Connection, context: LoadContext) -> datetime:
    """Valid from the source's extract date when it states one, else from now."""
    if context.extract_date is not None:
        return context.extract_date
    return conn.execute("SELECT clock_timestamp()").fetchone()[0]  # type: ignore[index]


def analyze(conn: psycopg.Connection, *tables: str) -> None:
    """Fresh statistics for the tables a load wrote, so the first queries after a big load
    plan with them (autovacuum would get there, later)."""
    statistics.refresh(conn, *tables)


def merge(
    conn: psycopg.Connection,
    table: VersionedTable,
    staging: str,
    context: LoadContext,
    covered: str | None = None,
) -> WriteCounts:
    """Merge a staging table with a ``gyldig_fra`` column (valid from) as versions."""
    assert context.load_id is not None
    return merge_snapshot(
        conn, table, staging, load_id=context.load_id, covered=covered, valid_from="gyldig_fra"
    )
