"""Teiger as a GeoJSON FeatureCollection: one Feature per teig, its unit in the properties.

The CRS is the file's ``crs`` member when present (``EPSG:25833``,
``urn:ogc:def:crs:EPSG::25833``), else EPSG:4326 as RFC 7946 says. Properties carry the
unit's number as ``matrikkelnummer`` (text or an object of parts) or as the parts
themselves, and optionally ``gyldigFra``. Polygon and MultiPolygon geometries are taken;
invalid rings are repaired with ``ST_MakeValid`` and a warning. A feature without a
matrikkelnummer is rejected. The file covers the units it names: their teiger are replaced
by the file's (as new versions). A unit no unit file has named yet is made from the teig's
matrikkelnummer, known from the map only (type and status unknown) until one does. The
file streams feature by feature (``loaders.jsonstream.member_elements``), so the ``crs``
member must come before
``features``, as GDAL writes it.
"""

from __future__ import annotations

import json
import math
import re
import warnings
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, BinaryIO

import psycopg
import shapely.errors
import shapely.geometry
import shapely.validation

from grunndata.errors import SourceError
from grunndata.loaders.formats import LoadContext, WriteCounts
from grunndata.loaders.jsonstream import member_elements
from grunndata.loaders.versioning import VersionedTable
from grunndata.registers.matrikkel import stage
from grunndata.registers.matrikkel.nummer import PARTS, matrikkelnummer_fra

TEIG = VersionedTable("matrikkel.teig", key=("matrikkelnummer",), content=("geometri",))
_EPSG = re.compile(r"EPSG:+(\d+)$", re.IGNORECASE)
_CRS84 = ("urn:ogc:def:crs:OGC:1.3:CRS84", "urn:ogc:def:crs:OGC::CRS84", "CRS84")


@dataclass(frozen=True)
class TeigRad:
    feature: int
    matrikkelnummer: str
    geojson: str
    epsg: int
    gyldig_fra: datetime | None


def crs_epsg(collection: dict[str, Any], source: str) -> int:
    crs = collection.get("crs")
    if crs is None:
        return 4326
    name = crs.get("properties", {}).get("name") if isinstance(crs, dict) else None
    if not isinstance(name, str):
        raise SourceError(f"{source}: the crs member has no properties.name")
    if name.strip() in _CRS84:
        return 4326
    match = _EPSG.search(name.strip())
    if match is None:
        raise SourceError(f"{source}: crs {name!r} is not an EPSG code")
    return int(match.group(1))


def _valid_from(properties: dict[str, Any]) -> datetime | None:
    return valid_from(properties.get("gyldigFra"))


def valid_from(value: Any) -> datetime | None:
    """An ISO date (midnight, Norwegian time) or date-time, or None."""
    if value is None:
        return None
    try:
        parsed = datetime.fromisoformat(value) if "T" in value else date.fromisoformat(value)
    except (TypeError, ValueError):
        raise ValueError(f"gyldigFra {value!r} is not an ISO date") from None
    if isinstance(parsed, datetime):
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=stage.OSLO)
    return datetime(parsed.year, parsed.month, parsed.day, tzinfo=stage.OSLO)


class TeigGeojson:
    name = "matrikkel-teiger-geojson"
    register = "matrikkel"
    order = 10

    def matches(self, inner_name: str, head: bytes) -> bool:
        name = inner_name.lower()
        return name.endswith((".geojson", ".json")) and b'"FeatureCollection"' in head

    def read(self, stream: BinaryIO, context: LoadContext) -> Iterator[TeigRad]:
        source = context.source.name
        members, features = member_elements(
            stream, source, "features", label="feature", reject=context.report.reject
        )
        epsg, crs_known = crs_epsg(members, source), "crs" in members
        for number, feature in features:
            try:
                yield self._record(number, feature, epsg, context)
            except ValueError as exc:
                context.report.reject(f"feature {number}", str(exc))
        if members.get("type") != "FeatureCollection" or "features" not in members:
            raise SourceError(f"{source}: not a GeoJSON FeatureCollection with features")
        if "crs" in members and not crs_known:
            raise SourceError(f"{source}: the crs member must come before the features")

    def _record(self, number: int, feature: Any, epsg: int, context: LoadContext) -> TeigRad:
        if not isinstance(feature, dict) or feature.get("type") != "Feature":
            raise ValueError("not a GeoJSON Feature")
        properties = feature.get("properties") or {}
        parts = [k for k in PARTS if properties.get(k) is not None]
        if properties.get("matrikkelnummer") in (None, "") and not parts:
            raise ValueError(
                "the teig names no matrikkelnummer (neither matrikkelnummer nor its parts): "
                "its unit cannot be known"
            )
        if properties.get("matrikkelnummer") not in (None, ""):
            nummer = matrikkelnummer_fra(properties["matrikkelnummer"])
        else:
            nummer = matrikkelnummer_fra({k: properties[k] for k in PARTS if k in properties})
        geometry = feature.get("geometry")
        if not isinstance(geometry, dict) or geometry.get("type") not in (
            "Polygon",
            "MultiPolygon",
        ):
            raise ValueError("the geometry must be a Polygon or MultiPolygon")
        try:
            with warnings.catch_warnings():  # NaN coordinates: refused just below
                warnings.simplefilter("ignore", RuntimeWarning)
                shape = shapely.geometry.shape(geometry)
        except (shapely.errors.ShapelyError, ValueError, TypeError, IndexError) as exc:
            raise ValueError(f"the geometry is not valid GeoJSON: {exc}") from None
        if not math.isfinite(shapely.get_coordinates(shape).sum()):
            raise ValueError("the geometry has coordinates that are not finite numbers")
        if shape.is_empty:
            raise ValueError("the geometry is empty")
        if not shape.is_valid:
            context.report.warn(
                f"feature {number}",
                f"{nummer.short}: invalid geometry repaired with ST_MakeValid "
                f"({shapely.validation.explain_validity(shape)})",
            )
        return TeigRad(number, str(nummer), json.dumps(geometry), epsg, _valid_from(properties))

    def write(
        self, conn: psycopg.Connection, records: Iterable[TeigRad], context: LoadContext
    ) -> WriteCounts:
        rows = ((r.feature, r.matrikkelnummer, r.geojson, r.epsg, r.gyldig_fra) for r in records)
        stage.copy_shapes(conn, "teig_raw", TEIG.name, ["matrikkelnummer"], rows)
        stage.reject_unknown_epsg(conn, "teig_raw", context, "feature")
        conn.execute(
            "ALTER TABLE teig_raw ADD geometri geometry; "
            "UPDATE teig_raw SET geometri = ST_SetSRID(ST_GeomFromGeoJSON(geojson), epsg)"
        )
        stage.reject_outside_norway(
            conn, "teig_raw", context, "geometri",
            "the teig lies outside Norway in the file's CRS (EPSG:{epsg})", "feature",
        )  # fmt: skip
        conn.execute(
            "CREATE TEMP TABLE teig_stage ON COMMIT DROP AS SELECT matrikkelnummer, "
            "ST_Multi(ST_CollectionExtract(ST_MakeValid(ST_Force2D(ST_Transform(geometri, "
            "25833))), 3))::geometry(MultiPolygon, 25833) AS geometri, "
            "coalesce(gyldig_fra, %s) AS gyldig_fra "
            "FROM teig_raw",
            [stage.default_valid_from(conn, context)],
        )
        counts = stage.merge(conn, TEIG, "teig_stage", context)
        counts += map_only_units(conn, context)
        stage.analyze(conn, TEIG.name)
        return counts


#: The units of the staged teiger that no current registration holds: made from the
#: teig's matrikkelnummer (``knr-gnr/bnr/fnr/snr``), known from the map only.
_MAP_ONLY_UNITS = """
INSERT INTO matrikkel.matrikkelenhet (matrikkelnummer, kommunenummer, gardsnummer,
    bruksnummer, festenummer, seksjonsnummer, matrikkelenhetstype, status, kun_fra_kart,
    gyldig, registrert, load_id)
SELECT n.matrikkelnummer, split_part(n.matrikkelnummer, '-', 1),
       split_part(n.del, '/', 1)::int, split_part(n.del, '/', 2)::int,
       split_part(n.del, '/', 3)::int, split_part(n.del, '/', 4)::int, NULL, NULL, true,
       tstzrange(n.gyldig_fra, NULL), tstzrange(clock_timestamp(), NULL), %s
FROM (SELECT matrikkelnummer, split_part(matrikkelnummer, '-', 2) AS del,
             min(gyldig_fra) AS gyldig_fra
      FROM teig_stage s
      WHERE NOT EXISTS (SELECT 1 FROM matrikkel.matrikkelenhet m
                        WHERE m.matrikkelnummer = s.matrikkelnummer
                          AND upper_inf(m.registrert))
      GROUP BY matrikkelnummer) n
"""


def map_only_units(conn: psycopg.Connection, context: LoadContext) -> WriteCounts:
    """A teig whose unit is not stored makes the unit from its own matrikkelnummer, with
    type and status unknown (``kun_fra_kart``); a later unit file completes it."""
    made = conn.execute(_MAP_ONLY_UNITS, [context.load_id]).rowcount
    return WriteCounts(inserted=made)
