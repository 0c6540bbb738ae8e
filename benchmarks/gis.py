"""Maps and GIS: OGC API – Features pages and vector tiles, over HTTP and as SQL alone.

Generates N addresses with one teig each (``matrikkel_data.py``, gzip'ed files), loads them
through the real formats into a scratch database (``--url``: use a database already
loaded instead; nothing is then generated or dropped), starts ``grunndata serve`` in a
process of its own, and times, serially, with a warm database and no HTTP cache:

- pages of 1 000 teiger in EPSG:25832 inside a bbox (walking the ``next`` links), as
  items/s, against the hand-written SQL floor: one ``json_build_object``/``ST_AsGeoJSON``
  statement with the same attributes, bbox, keyset and limit, read whole;
- vector tiles at zoom 13, 15 and 17 over a random sample of non-empty tiles (p50/p95),
  against the hand-written floor: the same layers and attributes as ``ST_AsMVT`` in one
  statement;
- with ``--tipg PYTHON`` (a Python with tipg installed, never grunndata's own): the same
  page and tiles from tipg over ``matrikkel.teig`` in the same database (its tiles carry
  the teiger layer only, which is all of ours at zoom 13).

Every line carries the load average at the time: the machine may be shared.

Usage:  .venv/bin/python -m benchmarks.gis [--n 20000] [--tiles 100] [--pages 20] [--keep]
            [--url APP_URL] [--tipg /tmp/tipg/bin/python]
"""

from __future__ import annotations

import argparse
import math
import os
import random
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, quote, urlsplit

import httpx
import orjson

from benchmarks.common import percentiles, scratch_database
from benchmarks.matrikkel import PER_STREET
from benchmarks.matrikkel_data import write
from grunndata.db.database import Database, connect
from grunndata.loaders.run import run
from grunndata.registers.matrikkel import REGISTER

DATABASE = "grunndata_benchmark_gis"
PAGE = 1000
BYTES_PER_ADDRESS = 6_000  # files, tables, indexes and WAL, with a wide margin
UTM32 = "http://www.opengis.net/def/crs/EPSG/0/25832"

FLOOR_PAGE = """
SELECT json_build_object('type', 'Feature', 'id', t.matrikkelnummer || '~' || t.nokkel,
  'geometry', ST_AsGeoJSON(ST_Transform(t.geometri, 25832), 3, 0)::json,
  'properties', json_build_object('matrikkelnummer', t.matrikkelnummer,
    'kommunenummer', m.kommunenummer, 'gardsnummer', m.gardsnummer,
    'bruksnummer', m.bruksnummer, 'matrikkelenhetstype', m.matrikkelenhetstype,
    'status', m.status, 'arealM2', t.areal_m2))::text,
  t.matrikkelnummer, t.nokkel
FROM matrikkel.teig t LEFT JOIN matrikkel.matrikkelenhet m
  ON m.matrikkelnummer = t.matrikkelnummer AND upper_inf(m.registrert) AND m.gyldig @> now()
WHERE upper_inf(t.registrert) AND t.gyldig @> now()
  AND ST_Intersects(t.geometri, ST_Transform(ST_MakeEnvelope(%s, %s, %s, %s, 25832), 25833))
  AND (t.matrikkelnummer, t.nokkel) > (%s, %s)
ORDER BY t.matrikkelnummer, t.nokkel LIMIT 1000
"""

FLOOR_TILE = """
WITH e AS (SELECT ST_TileEnvelope(%(z)s, %(x)s, %(y)s) AS e),
a AS (SELECT ST_Transform(ST_Expand(e, (ST_XMax(e) - ST_XMin(e)) / 64), 25833) AS a FROM e)
SELECT (SELECT coalesce(ST_AsMVT(q, 'teiger', 4096, 'geom'), '') FROM (
    SELECT t.matrikkelnummer, m.matrikkelenhetstype,
      ST_AsMVTGeom(ST_Transform(t.geometri, 3857), (SELECT e FROM e)) AS geom
    FROM matrikkel.teig t LEFT JOIN matrikkel.matrikkelenhet m
      ON m.matrikkelnummer = t.matrikkelnummer AND upper_inf(m.registrert) AND m.gyldig @> now()
    WHERE upper_inf(t.registrert) AND t.gyldig @> now()
      AND t.geometri && (SELECT a FROM a)) q)
  || CASE WHEN %(z)s >= 15 THEN (SELECT coalesce(ST_AsMVT(q, 'adresser', 4096, 'geom'), '') FROM (
    SELECT a.adresse_id, a.adressetekst, a.matrikkelnummer,
      ST_AsMVTGeom(ST_Transform(a.punkt, 3857), (SELECT e FROM e)) AS geom
    FROM matrikkel.adresse a WHERE upper_inf(a.registrert) AND a.gyldig @> now()
      AND a.punkt && (SELECT a FROM a)) q)
  || (SELECT coalesce(ST_AsMVT(q, 'bygninger', 4096, 'geom'), '') FROM (
    SELECT b.bygningsnummer, b.bygningstype,
      ST_AsMVTGeom(ST_Transform(b.punkt, 3857), (SELECT e FROM e)) AS geom
    FROM matrikkel.bygning b WHERE upper_inf(b.registrert) AND b.gyldig @> now()
      AND b.punkt && (SELECT a FROM a)) q) ELSE '' END
"""


def load() -> str:
    one, five, _ = os.getloadavg()
    return f"[load {one:.1f}/{five:.1f}]"


def tile_of(z: int, lon: float, lat: float) -> tuple[int, int]:
    n = 2**z
    return int((lon + 180) / 360 * n), int(
        (1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n
    )


def asyncpg_url(url: str) -> str:
    """``url`` as tipg takes it: its settings want a host, so a socket's folder is written
    as the host (percent-encoded), which asyncpg reads as a Unix socket."""
    parts = urlsplit(url)
    query = dict(parse_qsl(parts.query))
    host = quote(query.pop("host", parts.hostname or "localhost"), safe="")
    port = query.pop("port", str(parts.port or 5432))
    user = f"{parts.username}@" if parts.username else ""
    return f"postgresql://{user}{host}:{port}{parts.path}"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def serving(command: list[str], env: dict[str, str], ready: str) -> Iterator[str]:
    """A server in a process of its own (not sharing the client's interpreter), on a free
    port; its base URL once ``ready`` answers."""
    port = free_port()
    argv = [part.replace("{port}", str(port)) for part in command]
    process = subprocess.Popen(argv, env={**os.environ, **env}, stdout=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                if httpx.get(base + ready, timeout=5).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"{argv[0]} did not start")
            time.sleep(0.3)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=30)


def loaded(args: argparse.Namespace) -> Any:
    """The database to time: ``--url``, or a scratch one with N generated addresses."""
    if args.url:
        return nullcontext(args.url)
    return _generated(args)


@contextmanager
def _generated(args: argparse.Namespace) -> Iterator[str]:
    folder = Path(tempfile.gettempdir())
    need = args.n * BYTES_PER_ADDRESS
    if shutil.disk_usage(folder).free < need:
        raise SystemExit(f"{args.n} addresses need about {need / 1e9:.1f} GB free; not there")
    with scratch_database(DATABASE, keep=args.keep) as (database, _):
        with tempfile.TemporaryDirectory() as data:
            started = time.perf_counter()
            write(Path(data), max(1, args.n // PER_STREET), PER_STREET, gzipped=True)
            made = time.perf_counter() - started
            outcome = run([Path(data)], formats=REGISTER.formats, database=database)
            assert outcome.exit_code == 0, outcome
            print(f"generated {args.n} addresses in {made:.0f} s, loaded in "
                  f"{time.perf_counter() - started - made:.0f} s {load()}")  # fmt: skip
        _analyze(database)
        yield database.app_url


def _analyze(database: Database) -> None:
    with connect(database.owner_url, autocommit=True) as conn:
        conn.execute("ANALYZE")


def page_rate(get: Callable[[str | None], tuple[int, str | None]], pages: int) -> float:
    """Items/s over ``pages`` pages, following next links (back to the first at the end)."""
    get(None)  # warm
    took, count, following = 0.0, 0, None
    for _ in range(pages):
        started = time.perf_counter()
        returned, following = get(following)
        took += time.perf_counter() - started
        count += returned
    return count / took


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=20_000, help="addresses (one teig each)")
    parser.add_argument("--tiles", type=int, default=100, help="tiles per zoom level")
    parser.add_argument("--pages", type=int, default=20, help="bbox pages of 1000 teiger")
    parser.add_argument("--keep", action="store_true", help="keep the scratch database")
    parser.add_argument("--url", help="time this database (app URL), already loaded")
    parser.add_argument("--tipg", help="a Python with tipg installed: time it too")
    parser.add_argument("--only", help="time only this server (grunndata or tipg)")
    args = parser.parse_args()
    rng = random.Random(19)
    with loaded(args) as url:
        with connect(url) as conn:
            points = conn.execute(
                "SELECT ST_X(p), ST_Y(p) FROM (SELECT ST_Transform(punkt, 4326) AS p "
                "FROM matrikkel.adresse WHERE upper_inf(registrert) "
                "ORDER BY adresse_id LIMIT 200000) q"
            ).fetchall()
            # a box around the middle of the data: big enough for many pages
            middle = conn.execute(
                "SELECT ST_AsBinary(ST_Expand(ST_Centroid(ST_SetSRID(ST_Extent(geometri)"
                "::geometry, 25833)), 8000)) FROM matrikkel.teig"
            ).fetchone()[0]
            box, box84 = (conn.execute(
                "SELECT ST_XMin(b), ST_YMin(b), ST_XMax(b), ST_YMax(b) FROM (SELECT "
                "ST_Transform(ST_SetSRID(ST_GeomFromWKB(%s), 25833), %s) AS b) q",
                [middle, srid],
            ).fetchone() for srid in (25832, 4326))  # fmt: skip
            count = conn.execute("SELECT count(*) FROM matrikkel.adresse").fetchone()[0]
        print(f"{count} addresses; bbox {', '.join(f'{v:.0f}' for v in box)} (EPSG:25832)")
        bbox = ",".join(f"{v:.3f}" for v in box)
        bbox84 = ",".join(f"{v:.7f}" for v in box84)
        servers = {"grunndata": (
            [str(Path(sys.executable).parent / "grunndata"), "serve", "--port", "{port}",
             "--no-migrate"],
            {"GRUNNDATA_DATABASE_URL": url, "GRUNNDATA_TILE_RATE_LIMIT_PER_MINUTE": "0",
             "GRUNNDATA_OGC_RATE_LIMIT_PER_MINUTE": "0"}, "/healthz")}  # fmt: skip
        if args.tipg:
            servers["tipg"] = (
                [args.tipg, "-m", "uvicorn", "tipg.main:app", "--port", "{port}",
                 "--log-level", "warning"],
                {"DATABASE_URL": asyncpg_url(url), "TIPG_DB_SCHEMAS": '["matrikkel"]',
                 "TIPG_DB_TABLES": '["matrikkel.teig"]', "TIPG_MAX_FEATURES_PER_QUERY": "10000",
                 # a teig has no primary key: its hash serves as tipg's feature id
                 "TIPG_TABLE_CONFIG__matrikkel_teig__PK": "nokkel"},
                "/collections",
            )  # fmt: skip
        tile_sets = {}
        for z in (13, 15, 17):
            tiles = list({tile_of(z, *rng.choice(points)) for _ in range(args.tiles * 3)})
            rng.shuffle(tiles)
            tile_sets[z] = tiles[: args.tiles * 2]
        with connect(url) as conn:

            def floor_page(cursor: str | None) -> tuple[int, str | None]:
                key = orjson.loads(cursor) if cursor else ["", ""]
                rows = conn.execute(FLOOR_PAGE, [*box, *key]).fetchall()
                return len(rows), orjson.dumps(rows[-1][1:]).decode() if len(rows) == PAGE \
                    else None  # fmt: skip

            floor_rate = page_rate(floor_page, args.pages)
            print(f"SQL floor: bbox pages of {PAGE} teiger in EPSG:25832: "
                  f"{floor_rate:9.0f} items/s {load()}")  # fmt: skip
            floor_tiles: dict[tuple[int, int, int], float] = {}
            for z, tiles in tile_sets.items():
                for x, y in tiles:
                    conn.execute(FLOOR_TILE, {"z": z, "x": x, "y": y}).fetchone()  # warm
                    started = time.perf_counter()
                    conn.execute(FLOOR_TILE, {"z": z, "x": x, "y": y}).fetchone()
                    floor_tiles[z, x, y] = time.perf_counter() - started
        for name, (command, env, ready) in servers.items():
            if args.only and name != args.only:
                continue
            with serving(command, env, ready) as base, httpx.Client(timeout=120) as client:
                time_server(name, base, client, (bbox, bbox84), args, tile_sets, floor_tiles,
                            floor_rate)  # fmt: skip


def time_server(name: str, base: str, client: httpx.Client, boxes: tuple[str, str],
                args: argparse.Namespace, tile_sets: dict[int, list[tuple[int, int]]],
                floor_tiles: dict[tuple[int, int, int], float],
                floor_rate: float) -> None:  # fmt: skip
    tipg = name == "tipg"
    url = f"{base}/collections/matrikkel.teig/items" if tipg else \
        f"{base}/ogc/collections/teiger/items"  # fmt: skip
    pages = {"CRS84": {"limit": PAGE, "bbox": boxes[1]}}
    if not tipg:  # tipg has no Part 2 (crs, bbox-crs): it answers in CRS84 only
        pages["EPSG:25832"] = {"limit": PAGE, "crs": UTM32, "bbox": boxes[0], "bbox-crs": UTM32}
    for crs, params in pages.items():

        def http_page(following: str | None, params: dict[str, Any] = params) -> tuple[int, Any]:
            answer = client.get(following) if following else client.get(url, params=params)
            answer.raise_for_status()
            body = orjson.loads(answer.content)
            link = next((x["href"] for x in body["links"] if x["rel"] == "next"), None)
            return body["numberReturned"], link

        rate = page_rate(http_page, args.pages)
        vs = f" ({floor_rate / rate:.2f}x the SQL floor)" if crs != "CRS84" else ""
        print(f"{name}: bbox pages of {PAGE} teiger in {crs}: {rate:9.0f} items/s over HTTP"
              f"{vs} {load()}")  # fmt: skip
    for z, tiles in tile_sets.items():
        samples, floor = [], []
        for x, y in tiles:
            if len(samples) >= args.tiles:
                break
            path = f"/collections/matrikkel.teig/tiles/WebMercatorQuad/{z}/{x}/{y}" if tipg \
                else f"/tiles/WebMercatorQuad/{z}/{y}/{x}.mvt"  # fmt: skip
            client.get(base + path, headers={"Accept-Encoding": "gzip"})  # warm
            started = time.perf_counter()
            answer = client.get(base + path, headers={"Accept-Encoding": "gzip"})
            took = time.perf_counter() - started
            answer.raise_for_status()
            if not answer.content:
                continue
            samples.append(took)
            floor.append(floor_tiles[z, x, y])
        if not samples:
            print(f"{name}: z{z:>2}: no non-empty tile")
            continue
        ratio = sorted(samples)[int(len(samples) * 0.95)] / sorted(floor)[int(len(floor) * 0.95)]
        print(f"{name}: z{z:>2} tiles ({len(samples)} non-empty): HTTP {percentiles(samples)}"
              f"   SQL floor {percentiles(floor)}   p95 {ratio:.2f}x {load()}")  # fmt: skip


if __name__ == "__main__":
    main()
