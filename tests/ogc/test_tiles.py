"""Vector tiles over the test cast, read back by GDAL's MVT driver (Debian's ogrinfo)."""

from __future__ import annotations

import math
import re
import shutil
import subprocess
from dataclasses import replace
from pathlib import Path

import httpx
import pytest

from grunndata.config import Settings
from grunndata.server import create_app
from tests.conftest import LiveServer

#: Inside the cast's streets (Kristiansand), longitude, latitude.
HERE = (8.0682, 58.1500)


def tile_of(z: int, lon: float = HERE[0], lat: float = HERE[1]) -> tuple[int, int]:
    n = 2**z
    x = int((lon + 180) / 360 * n)
    y = int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)
    return x, y


def fetch(server: str, z: int, x: int, y: int, **params: str) -> httpx.Response:
    return httpx.get(f"{server}/tiles/WebMercatorQuad/{z}/{y}/{x}.mvt", params=params, timeout=30)


def layers_in(data: bytes, z: int, x: int, y: int, folder: Path) -> dict[str, int]:
    """Layer name → feature count, as GDAL's MVT driver reads the tile."""
    path = folder / str(z) / str(x) / f"{y}.pbf"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    tool = shutil.which("ogrinfo")
    assert tool, "ogrinfo is missing: scripts/setup installs Debian's gdal-bin"
    done = subprocess.run([tool, "-ro", "-al", "-so", str(path)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    names = re.findall(r"Layer name: (\w+)", done.stdout)
    counts = [int(c) for c in re.findall(r"Feature Count: (\d+)", done.stdout)]
    return dict(zip(names, counts, strict=True))


def test_teiger_from_zoom_13_and_points_from_15(server, tmp_path):
    for z, wanted in [(13, {"teiger"}), (15, {"teiger", "adresser", "bygninger"})]:
        x, y = tile_of(z)
        response = fetch(server, z, x, y)
        assert response.status_code == 200
        assert response.headers["content-type"] == "application/vnd.mapbox-vector-tile"
        assert response.headers["content-encoding"] == "gzip"  # httpx asked for it, and unpacks
        assert response.headers["cache-control"].startswith("public") and response.headers["etag"]
        found = layers_in(response.content, z, x, y, tmp_path)
        assert set(found) == wanted and all(n > 0 for n in found.values()), found


def test_a_tile_answers_gzip_only_when_asked(server):
    x, y = tile_of(16)
    raw = httpx.get(f"{server}/tiles/WebMercatorQuad/16/{y}/{x}.mvt",
                    headers={"Accept-Encoding": "identity"})  # fmt: skip
    assert "content-encoding" not in raw.headers and raw.content
    packed = httpx.get(f"{server}/tiles/WebMercatorQuad/16/{y}/{x}.mvt",
                       headers={"Accept-Encoding": "gzip"})  # fmt: skip
    assert packed.content == raw.content  # httpx unpacked it
    again = httpx.get(packed.url, headers={"If-None-Match": packed.headers["etag"],
                                           "Accept-Encoding": "gzip"})  # fmt: skip
    assert again.status_code == 304


def test_tiles_respect_datetime_and_are_empty_far_away(server):
    x, y = tile_of(15)
    assert fetch(server, 15, x, y, datetime="1900-01-01").content == b""
    assert fetch(server, 15, x, y).content != b""
    far_x, far_y = tile_of(15, lon=100.0, lat=10.0)
    assert fetch(server, 15, far_x, far_y).content == b""
    low_x, low_y = tile_of(10)
    assert fetch(server, 10, low_x, low_y).content == b""  # below every layer's zoom


@pytest.mark.parametrize("path", ["3/8/0.mvt", "3/0/8.mvt", "21/0/0.mvt", "x/0/0.mvt"])
def test_a_tile_outside_the_grid_is_a_404(server, path):
    response = httpx.get(f"{server}/tiles/WebMercatorQuad/{path}")
    assert response.status_code == 404 and response.json()["code"] == "NotFound"


def test_tilejson_and_tileset_metadata(server):
    doc = httpx.get(f"{server}/tiles/WebMercatorQuad/tilejson.json").json()
    assert doc["tilejson"] == "3.0.0" and doc["tiles"][0].endswith("/{z}/{y}/{x}.mvt")
    assert {layer["id"]: layer["minzoom"] for layer in doc["vector_layers"]} == {
        "teiger": 13, "adresser": 15, "bygninger": 15,
    }  # fmt: skip
    tileset = httpx.get(f"{server}/tiles/WebMercatorQuad").json()
    assert tileset["dataType"] == "vector" and tileset["tileMatrixSetURI"].endswith(
        "WebMercatorQuad"
    )


def test_tiles_have_their_own_rate_limit(cast_database):
    security = replace(Settings.from_env().security, tile_rate_limit_per_minute=1,
                       tile_rate_limit_burst=3, rate_limit_per_minute=0)  # fmt: skip
    with LiveServer(create_app(cast_database.app_url, security=security), token=None) as base:
        x, y = tile_of(13)
        statuses = [fetch(base, 13, x, y).status_code for _ in range(4)]
        refused = fetch(base, 13, x, y)
    assert statuses == [200, 200, 200, 429]
    assert refused.json()["code"] == "TooManyRequests" and int(refused.headers["retry-after"]) >= 1


def test_a_stale_tag_gets_the_tile_and_the_tag_a_plain_request_gets(server):
    x, y = tile_of(15)
    plain = fetch(server, 15, x, y)
    stale = httpx.get(plain.url, headers={"If-None-Match": 'W/"0-stale"'})
    assert stale.status_code == 200 and stale.content == plain.content
    assert stale.headers["etag"] == plain.headers["etag"]
