"""Maps and GIS: OGC API – Features pages and vector tiles, over HTTP and as SQL alone.

Generates N addresses with one teig each (``matrikkel_data.py``), loads them through the real
formats into a scratch database, then times, serially, with a warm database:

- pages of 1 000 teiger in EPSG:25832 inside a bbox (walking the ``next`` links), as items/s,
  against the hand-written SQL floor: one ``json_build_object``/``ST_AsGeoJSON`` statement
  with the same bbox, keyset and limit, read whole;
- vector tiles at zoom 13, 15 and 17 over a random sample of non-empty tiles (p50/p95),
  against the hand-written floor: the same layers as ``ST_AsMVT`` in one statement.

Usage:  .venv/bin/python -m benchmarks.gis [--n 20000] [--tiles 100] [--pages 20]
"""

from __future__ import annotations

import argparse
import math
import random
import tempfile
import time
from pathlib import Path

import httpx

from benchmarks.common import percentiles, scratch_database
from benchmarks.matrikkel import PER_STREET, Server
from benchmarks.matrikkel_data import write
from grunndata.db.database import connect
from grunndata.loaders.run import run
from grunndata.registers.matrikkel import REGISTER

DATABASE = "grunndata_benchmark_gis"
PAGE = 1000

FLOOR_PAGE = """
SELECT json_build_object('type', 'Feature', 'id', t.matrikkelnummer,
  'geometry', ST_AsGeoJSON(ST_Transform(t.geometri, 25832), 3, 0)::json,
  'properties', json_build_object('matrikkelnummer', t.matrikkelnummer))::text,
  t.matrikkelnummer
FROM matrikkel.teig t
WHERE upper_inf(t.registrert) AND t.gyldig @> now()
  AND ST_Intersects(t.geometri, ST_Transform(ST_MakeEnvelope(%s, %s, %s, %s, 25832), 25833))
  AND t.matrikkelnummer > %s
ORDER BY t.matrikkelnummer LIMIT 1000
"""

FLOOR_TILE = """
WITH e AS (SELECT ST_TileEnvelope(%(z)s, %(x)s, %(y)s) AS e),
a AS (SELECT ST_Transform(e, 25833) AS a FROM e)
SELECT (SELECT coalesce(ST_AsMVT(q, 'teiger', 4096, 'geom'), '') FROM (
    SELECT t.matrikkelnummer,
      ST_AsMVTGeom(ST_Transform(t.geometri, 3857), (SELECT e FROM e)) AS geom
    FROM matrikkel.teig t WHERE upper_inf(t.registrert) AND t.gyldig @> now()
      AND t.geometri && (SELECT a FROM a)) q)
  || CASE WHEN %(z)s >= 15 THEN (SELECT coalesce(ST_AsMVT(q, 'adresser', 4096, 'geom'), '') FROM (
    SELECT a.adresse_id, ST_AsMVTGeom(ST_Transform(a.punkt, 3857), (SELECT e FROM e)) AS geom
    FROM matrikkel.adresse a WHERE upper_inf(a.registrert) AND a.gyldig @> now()
      AND a.punkt && (SELECT a FROM a)) q) ELSE '' END
"""


def tile_of(z: int, lon: float, lat: float) -> tuple[int, int]:
    n = 2**z
    return int((lon + 180) / 360 * n), int(
        (1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=20_000, help="addresses (one teig each)")
    parser.add_argument("--tiles", type=int, default=100, help="tiles per zoom level")
    parser.add_argument("--pages", type=int, default=20, help="bbox pages of 1000 teiger")
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()
    rng = random.Random(19)
    with scratch_database(DATABASE, keep=args.keep) as (database, _):
        with tempfile.TemporaryDirectory() as folder:
            started = time.perf_counter()
            write(Path(folder), n_streets=max(1, args.n // PER_STREET), per_street=PER_STREET)
            outcome = run([Path(folder)], formats=REGISTER.formats, database=database)
            assert outcome.exit_code == 0, outcome
            print(f"loaded {args.n} addresses in {time.perf_counter() - started:.0f} s")
        with connect(database.app_url) as conn:
            conn.execute("ANALYZE")
            points = conn.execute(
                "SELECT ST_X(p), ST_Y(p) FROM (SELECT ST_Transform(punkt, 4326) AS p "
                "FROM matrikkel.adresse WHERE upper_inf(registrert)) q"
            ).fetchall()
            box_rows = conn.execute(
                "SELECT ST_XMin(b), ST_YMin(b), ST_XMax(b), ST_YMax(b) FROM (SELECT "
                "ST_Extent(ST_Transform(geometri, 25832))::geometry AS b FROM matrikkel.teig) q"
            ).fetchone()
        box = ",".join(f"{v:.3f}" for v in box_rows)
        with Server(database.app_url) as base, httpx.Client(timeout=60) as client:
            url = f"{base}/ogc/collections/teiger/items"
            params = {"limit": PAGE, "crs": "EPSG:25832", "bbox": box, "bbox-crs": "EPSG:25832"}
            client.get(url, params=params)  # warm
            times, count, following = [], 0, None
            for _ in range(args.pages):
                started = time.perf_counter()
                body = client.get(following) if following else client.get(url, params=params)
                body = body.json()
                times.append(time.perf_counter() - started)
                count += body["numberReturned"]
                following = next((x["href"] for x in body["links"] if x["rel"] == "next"), None)
                if following is None:  # the last page: start again from the first
                    following = None
            http_rate = count / sum(times)
            floor_times, floor_count, last = [], 0, ""
            with connect(database.app_url) as conn:
                for _ in range(args.pages):
                    started = time.perf_counter()
                    rows = conn.execute(FLOOR_PAGE, [*box_rows, last]).fetchall()
                    floor_times.append(time.perf_counter() - started)
                    floor_count += len(rows)
                    last = rows[-1][1] if len(rows) == PAGE else ""
            floor_rate = floor_count / sum(floor_times)
            print(f"bbox pages of {PAGE} teiger in EPSG:25832: {http_rate:9.0f} items/s over "
                  f"HTTP, {floor_rate:9.0f} items/s SQL floor "
                  f"({floor_rate / http_rate:.2f}x)")  # fmt: skip
            for z in (13, 15, 17):
                tiles = list({tile_of(z, *rng.choice(points)) for _ in range(args.tiles * 3)})
                rng.shuffle(tiles)
                samples, floor, asked = [], [], 0
                with connect(database.app_url) as conn:
                    for x, y in tiles:
                        if len(samples) >= args.tiles:
                            break
                        tile_url = f"{base}/tiles/WebMercatorQuad/{z}/{y}/{x}.mvt"
                        started = time.perf_counter()
                        answer = client.get(tile_url, headers={"Accept-Encoding": "gzip"})
                        took = time.perf_counter() - started
                        asked += 1
                        if not answer.content:
                            continue
                        samples.append(took)
                        started = time.perf_counter()
                        conn.execute(FLOOR_TILE, {"z": z, "x": x, "y": y}).fetchone()
                        floor.append(time.perf_counter() - started)
                print(f"z{z:>2} tiles ({len(samples)} non-empty): HTTP {percentiles(samples)}"
                      f"   SQL floor {percentiles(floor)}")  # fmt: skip


if __name__ == "__main__":
    main()
