"""Coordinate reference systems of OGC API – Features Part 2 (CRS by reference).

Each CRS is named by its OGC URI. Axis order follows the CRS's definition: CRS84 is
longitude, latitude; EPSG:4258 and EPSG:4326 are latitude, longitude; the projected ones
are easting, northing. ``bbox`` values come in ``bbox-crs``'s axis order.
"""

from __future__ import annotations

from dataclasses import dataclass

from grunndata.ogc.problem import Problem

CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
STORAGE_SRID = 25833


@dataclass(frozen=True)
class Crs:
    uri: str
    srid: int
    lat_first: bool = False
    degrees: bool = False

    @property
    def decimals(self) -> int:
        """Coordinate decimals: about a millimetre."""
        return 8 if self.degrees else 3


def _epsg(code: int, **kwargs: bool) -> Crs:
    return Crs(f"http://www.opengis.net/def/crs/EPSG/0/{code}", code, **kwargs)


SUPPORTED = (
    Crs(CRS84, 4326, degrees=True),
    _epsg(4258, lat_first=True, degrees=True),
    _epsg(4326, lat_first=True, degrees=True),
    _epsg(25832),
    _epsg(25833),
    _epsg(25835),
    _epsg(3857),
)
BY_URI = {crs.uri: crs for crs in SUPPORTED}
DEFAULT = BY_URI[CRS84]
STORAGE = BY_URI[f"http://www.opengis.net/def/crs/EPSG/0/{STORAGE_SRID}"]
URIS = [crs.uri for crs in SUPPORTED]


def parse(value: str | None, parameter: str) -> Crs:
    """The CRS a ``crs`` or ``bbox-crs`` parameter names (a URI, ``[EPSG:n]`` or ``EPSG:n``
    as QGIS and GDAL also send); 400 naming the supported ones otherwise."""
    if value is None or value == "":
        return DEFAULT
    text = value.strip().strip("[]")
    if text.upper().startswith("EPSG:") and text[5:].isdigit():
        text = f"http://www.opengis.net/def/crs/EPSG/0/{text[5:]}"
    elif text.upper() in ("CRS84", "OGC:CRS84"):
        text = CRS84
    text = text.replace("https://", "http://")
    if text in BY_URI:
        return BY_URI[text]
    raise Problem(
        400, "InvalidParameterValue",
        f"{parameter}: {value[:200]!r} is not supported; use one of: {', '.join(URIS)}",
    )  # fmt: skip


def bbox(value: str, crs: Crs) -> tuple[float, float, float, float]:
    """``bbox`` as (min x/east/lon, min y/north/lat, max x, max y); 400 when malformed."""
    parts = value.split(",")
    try:
        numbers = [float(p) for p in parts]
    except ValueError:
        numbers = []
    if len(numbers) == 6:  # 3D: drop the heights
        numbers = [numbers[0], numbers[1], numbers[3], numbers[4]]
    if len(numbers) != 4 or any(n != n or n in (float("inf"), float("-inf")) for n in numbers):
        raise Problem(
            400, "InvalidParameterValue",
            f"bbox: {value[:200]!r} is not four numbers (minx,miny,maxx,maxy in bbox-crs)",
        )  # fmt: skip
    if crs.lat_first:
        numbers = [numbers[1], numbers[0], numbers[3], numbers[2]]
    x1, y1, x2, y2 = numbers
    if y1 > y2 or (x1 > x2 and not crs.degrees):
        raise Problem(400, "InvalidParameterValue", f"bbox: {value[:200]!r}: min above max")
    return x1, y1, x2, y2


def content_crs(crs: Crs) -> str:
    return f"<{crs.uri}>"
