"""GeoJSON and GeoPackage files, written as the features stream in.

GeoJSON: one FeatureCollection (one layer), its stamp in the foreign member ``grunndata``,
and a ``crs`` member naming any CRS but EPSG:4326 (whose coordinates are longitude,
latitude as RFC 7946 has them). GeoPackage: GDAL (pyogrio) writes each layer in chunks;
the stamp is the file's metadata (``gpkg_metadata``, as GDAL keeps a dataset's metadata).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np
import orjson

from grunndata.export.declare import Layer
from grunndata.export.snapshot import Stamp
from grunndata.ogc.collection import Property


def write_geojson(out: BinaryIO, stamp: Stamp, layer: Layer, features: Iterable[str]) -> int:
    """One layer's features as a FeatureCollection; how many."""
    head: dict[str, Any] = {"type": "FeatureCollection", "name": layer.name}
    if stamp.epsg != 4326:
        head["crs"] = {
            "type": "name",
            "properties": {"name": f"urn:ogc:def:crs:EPSG::{stamp.epsg}"},
        }
    head["grunndata"] = stamp.metadata()
    out.write(orjson.dumps(head)[:-1] + b',"features":[')
    count = 0
    for feature in features:
        out.write(b"\n" + feature.encode() if count == 0 else b",\n" + feature.encode())
        count += 1
    out.write(b"\n]}\n")
    return count


def _column(prop: Property, values: list[Any]) -> tuple[np.ndarray, np.ndarray | None]:
    """A property's values as GDAL takes them, and which are null."""
    nulls = np.array([v is None for v in values], dtype=bool)
    if prop.type == "integer":
        return np.array([0 if v is None else v for v in values], dtype=np.int64), nulls
    if prop.type == "number":
        return np.array([np.nan if v is None else v for v in values], dtype=np.float64), None
    return np.array(values, dtype=object), None


def write_gpkg(
    path: Path, stamp: Stamp, layers: Iterable[tuple[Layer, Iterator[list[tuple[Any, ...]]]]]
) -> dict[str, int]:
    """Each layer's chunks of rows (WKB, then its properties) into the GeoPackage at
    ``path``; the features per layer."""
    from pyogrio.raw import write

    counts: dict[str, int] = {}
    first = True
    for layer, chunks in layers:
        names = list(layer.collection.properties)
        props = list(layer.collection.properties.values())
        counts[layer.name] = 0
        for rows in _at_least_one(chunks):
            columns = [_column(p, [r[i + 1] for r in rows]) for i, p in enumerate(props)]
            write(
                str(path),
                geometry=np.array([r[0] for r in rows], dtype=object),
                field_data=[c[0] for c in columns],
                fields=names,
                field_mask=[c[1] for c in columns],
                layer=layer.name,
                driver="GPKG",
                geometry_type=layer.collection.geometry_type,
                crs=f"EPSG:{stamp.epsg}",
                encoding="UTF-8",
                append=counts[layer.name] > 0,
                dataset_metadata=stamp.metadata() if first else None,
            )
            first = False
            counts[layer.name] += len(rows)
    return counts


def _at_least_one(chunks: Iterator[list[tuple[Any, ...]]]) -> Iterator[list[tuple[Any, ...]]]:
    """The chunks; one empty chunk when there are none (the layer exists, empty)."""
    empty = True
    for chunk in chunks:
        empty = False
        yield chunk
    if empty:
        yield []
