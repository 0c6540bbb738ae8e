"""The OGC API as clients we did not write read it: Debian's GDAL command-line tools (3.6:
OAPIF without Part 2, as older QGIS), pyogrio's bundled GDAL (OAPIF with Part 2, as QGIS
reads it today) and OWSLib's ``ogcapi.features.Features``."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from typing import Any

import pyogrio
import pytest
from owslib.ogcapi.features import Features
from pyproj import Transformer

from grunndata.db.database import connect

COLLECTIONS = ["teiger", "matrikkelenheter", "adresser", "bygninger"]


def gdal_tool(*args: str) -> subprocess.CompletedProcess[str]:
    tool = shutil.which(args[0])
    assert tool, f"{args[0]} is missing: scripts/setup installs Debian's gdal-bin"
    return subprocess.run([tool, *args[1:]], capture_output=True, text=True, timeout=120)


def current_count(database: Any, table: str) -> int:
    with connect(database.app_url) as conn:
        return conn.execute(
            f"SELECT count(*) FROM matrikkel.{table} WHERE upper_inf(registrert) "
            "AND gyldig @> now()"
        ).fetchone()[0]


def test_ogrinfo_lists_every_collection(server):
    done = gdal_tool("ogrinfo", "-ro", "-so", f"OAPIF:{server}/ogc")
    assert done.returncode == 0, done.stderr
    for n, name in enumerate(COLLECTIONS, start=1):
        assert f"{n}: {name} (title: " in done.stdout


def test_ogr2ogr_makes_a_geopackage_in_crs84(server, cast_database, tmp_path):
    target = tmp_path / "teiger.gpkg"
    done = gdal_tool("ogr2ogr", "-f", "GPKG", str(target), f"OAPIF:{server}/ogc", "teiger")
    assert done.returncode == 0, done.stderr
    info = pyogrio.read_info(target, layer="teiger")
    assert info["features"] == current_count(cast_database, "teig") > 300
    assert info["crs"] == "EPSG:4326" and info["geometry_type"] == "MultiPolygon"
    west, south, east, north = info["total_bounds"]
    assert 4 < west < east < 32 and 57 < south < north < 72  # longitude first
    assert "matrikkelnummer" in list(info["fields"])


#: Run in its own process, as QGIS runs GDAL: pyogrio's GDAL asking for Part 2's CRS.
_PYOGRIO = """
import json, sys, pyogrio, pyogrio.raw, shapely
assert "OAPIF" in pyogrio.list_drivers(), "this pyogrio's GDAL has no OAPIF driver"
meta, _, geometry, fields = pyogrio.raw.read(
    f"OAPIF:{sys.argv[1]}/ogc", layer="adresser", CRS="EPSG:25832",
    bbox=tuple(json.loads(sys.argv[2])))
ids = fields[list(meta["fields"]).index("id")]
print(json.dumps({"crs": meta["crs"], "points": {
    str(i): list(shapely.from_wkb(g).coords[0]) for i, g in zip(ids, geometry)}}))
"""


def _crs84_points(server: str) -> dict[str, list[float]]:
    found = Features(f"{server}/ogc").collection_items("adresser", limit=1000)
    return {f["id"]: f["geometry"]["coordinates"] for f in found["features"]}


def test_pyogrios_gdal_reads_a_bbox_page_in_epsg_25832_within_a_centimetre(server):
    to_utm = Transformer.from_crs("OGC:CRS84", "EPSG:25832", always_xy=True)
    expected = {i: to_utm.transform(*c) for i, c in _crs84_points(server).items()}
    xs = sorted(x for x, _ in expected.values())
    ys = sorted(y for _, y in expected.values())
    box = [xs[10] + 0.5, ys[10] + 0.5, xs[-10] - 0.5, ys[-10] - 0.5]
    env = {k: v for k, v in os.environ.items() if k not in ("PROJ_DATA", "PROJ_LIB")}
    done = subprocess.run(
        [sys.executable, "-c", _PYOGRIO, server, json.dumps(box)],
        capture_output=True, text=True, timeout=120, env=env,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    answer = json.loads(done.stdout.strip().splitlines()[-1])
    assert answer["crs"] == "EPSG:25832"
    inside = {
        i for i, (x, y) in expected.items() if box[0] <= x <= box[2] and box[1] <= y <= box[3]
    }
    assert set(answer["points"]) == inside and len(inside) > 100
    for i, (x, y) in answer["points"].items():
        assert abs(x - expected[i][0]) < 0.01 and abs(y - expected[i][1]) < 0.01


def test_owslib_reads_collections_items_and_queryables(server):
    api = Features(f"{server}/ogc")
    assert [c["id"] for c in api.collections()["collections"]] == COLLECTIONS
    assert api.collection("teiger")["storageCrs"].endswith("/25833")
    items = api.collection_items("bygninger", limit=7)
    assert items["numberReturned"] == len(items["features"]) == 7
    queryables = api.collection_queryables("adresser")["properties"]
    assert {"adressenavn", "nummer", "postnummer", "geometry"} <= set(queryables)


def test_owslib_with_a_cql2_filter(server):
    api = Features(f"{server}/ogc")
    found = api.collection_items(
        "adresser", limit=1000, filter="adressenavn = 'Tyrihansveien' AND nummer < 10",
        **{"filter-lang": "cql2-text"},
    )  # fmt: skip
    assert found["features"]
    assert all(
        f["properties"]["adressenavn"] == "Tyrihansveien" and f["properties"]["nummer"] < 10
        for f in found["features"]
    )


@pytest.mark.parametrize("code", [25832, 25835, 3857])
def test_owslib_bbox_page_in_a_projected_crs_matches_proj(server, code):
    to_crs = Transformer.from_crs("OGC:CRS84", f"EPSG:{code}", always_xy=True)
    expected = {i: to_crs.transform(*c) for i, c in _crs84_points(server).items()}
    xs = sorted(x for x, _ in expected.values())
    ys = sorted(y for _, y in expected.values())
    box = [xs[5] + 0.5, ys[5] + 0.5, xs[-5] - 0.5, ys[-5] - 0.5]
    uri = f"http://www.opengis.net/def/crs/EPSG/0/{code}"
    page = Features(f"{server}/ogc").collection_items(
        "adresser", limit=1000, bbox=box, **{"bbox-crs": uri, "crs": uri}
    )
    inside = {
        i for i, (x, y) in expected.items() if box[0] <= x <= box[2] and box[1] <= y <= box[3]
    }
    assert {f["id"] for f in page["features"]} == inside
    for f in page["features"]:
        x, y = f["geometry"]["coordinates"]
        assert abs(x - expected[f["id"]][0]) < 0.01 and abs(y - expected[f["id"]][1]) < 0.01
