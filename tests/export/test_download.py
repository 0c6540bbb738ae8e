"""``GET /eksport/matrikkel/<kommunenummer>.gpkg`` over real HTTP: a GeoPackage GDAL opens
(also straight from the URL, as QGIS does), cached by the feed's sequence number."""

from __future__ import annotations

import subprocess

import httpx
import pyogrio
import pytest

from grunndata.db.database import connect
from grunndata.server import create_app
from tests.conftest import LiveServer
from tests.export.conftest import revert_last_address_load

URL = "/eksport/matrikkel/0301.gpkg"


@pytest.fixture
def server(loaded, tmp_path, monkeypatch):
    monkeypatch.setenv("GRUNNDATA_DATA_DIR", str(tmp_path / "data"))
    with LiveServer(create_app(loaded.app_url), token=None) as base:
        yield base


def last_sequence(database) -> int:
    with connect(database.app_url) as conn:
        return conn.execute(
            "SELECT coalesce(max(sekvensnummer), 0) FROM felles.hendelse"
        ).fetchone()[0]


def download(base: str, path, **headers: str) -> httpx.Response:
    with httpx.stream("GET", base + URL, headers=headers, timeout=120) as response:
        if response.status_code == 200:
            with path.open("wb") as out:
                for chunk in response.iter_bytes():
                    out.write(chunk)
        else:
            response.read()
    return response


def test_a_kommune_downloads_as_a_geopackage_cached_until_the_database_changes(
    server, loaded, tmp_path
):
    first = download(server, tmp_path / "first.gpkg")
    assert first.status_code == 200, first.text
    assert first.headers["content-type"] == "application/geopackage+sqlite3"
    assert "matrikkel-0301.gpkg" in first.headers["content-disposition"]
    n = last_sequence(loaded)
    assert first.headers["etag"] == f'"matrikkel-0301-{n}"'
    assert dict(pyogrio.list_layers(tmp_path / "first.gpkg")) == {
        "teiger": "MultiPolygon", "adresser": "Point", "bygninger": "Point"
    }  # fmt: skip
    meta = pyogrio.read_info(tmp_path / "first.gpkg", layer="adresser")
    assert meta["dataset_metadata"]["sekvensnummer"] == str(n)
    assert meta["crs"] == "EPSG:25833"
    assert meta["features"] > 0

    cached = list((tmp_path / "data" / "eksport" / "matrikkel").iterdir())
    made = cached[0].stat().st_mtime_ns
    again = download(server, tmp_path / "again.gpkg", **{"If-None-Match": first.headers["etag"]})
    assert again.status_code == 304
    plain = download(server, tmp_path / "again.gpkg")
    assert plain.status_code == 200
    assert (tmp_path / "again.gpkg").read_bytes() == (tmp_path / "first.gpkg").read_bytes()
    assert [p.stat().st_mtime_ns for p in cached] == [made]  # served from the cache

    # GDAL reads it from the URL itself (HTTP range requests), as QGIS's "add layer" does;
    # Debian's ogrinfo in a process of its own (pyogrio would hold the server thread's GIL)
    remote = subprocess.run(
        ["ogrinfo", "-ro", "-so", f"/vsicurl/{server}{URL}", "teiger"],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert remote.returncode == 0, remote.stderr
    teiger = pyogrio.read_info(tmp_path / "first.gpkg", layer="teiger")["features"]
    assert f"Feature Count: {teiger}" in remote.stdout

    revert_last_address_load(loaded)
    assert last_sequence(loaded) > n
    changed = download(
        server, tmp_path / "changed.gpkg", **{"If-None-Match": first.headers["etag"]}
    )
    assert changed.status_code == 200
    assert changed.headers["etag"] == f'"matrikkel-0301-{last_sequence(loaded)}"'
    after = pyogrio.read_info(tmp_path / "changed.gpkg", layer="adresser")["features"]
    assert after < meta["features"]  # the reverted load's addresses are gone
    assert len(list((tmp_path / "data" / "eksport" / "matrikkel").iterdir())) == 1


@pytest.mark.parametrize(
    "path", ["/eksport/folkeregister/0301.gpkg", "/eksport/matrikkel/9999.gpkg",
             "/eksport/matrikkel/0301.zip", "/eksport/matrikkel/oslo.gpkg"],
)  # fmt: skip
def test_what_is_not_offered_is_a_clear_404(server, path):
    response = httpx.get(server + path, timeout=30)
    assert response.status_code == 404
    assert response.json()["code"] == "NotFound" and response.json()["description"]
