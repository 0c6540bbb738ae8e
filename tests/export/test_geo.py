"""Matrikkelen's layers to GeoPackage and GeoJSON, read back with GDAL (pyogrio)."""

from __future__ import annotations

import orjson
import pyogrio
import pytest
import shapely

from grunndata.db.database import connect
from tests.export.conftest import grunndata

LAYERS = {
    "teiger": "SELECT count(*) FROM matrikkel.teig t WHERE upper_inf(t.registrert) "
    "AND t.gyldig @> now() AND left(t.matrikkelnummer, 4) = '0301'",
    "adresser": "SELECT count(*) FROM matrikkel.adresse a WHERE upper_inf(a.registrert) "
    "AND a.gyldig @> now() AND a.kommunenummer = '0301'",
    "bygninger": "SELECT count(*) FROM matrikkel.bygning b WHERE upper_inf(b.registrert) "
    "AND b.gyldig @> now() AND EXISTS (SELECT 1 FROM unnest(b.matrikkelnumre) n "
    "WHERE left(n, 4) = '0301')",
}


def expected_counts(database) -> dict[str, int]:
    with connect(database.app_url) as conn:
        return {name: conn.execute(sql).fetchone()[0] for name, sql in LAYERS.items()}


def test_a_kommune_to_geopackage_in_utm32_as_gdal_reads_it(loaded, tmp_path):
    out = tmp_path / "oslo.gpkg"
    done = grunndata(loaded, "export", "matrikkel", "--out", str(out), "--format", "gpkg",
                     "--kommune", "0301", "--epsg", "25832")  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert list(tmp_path.iterdir()) == [out]  # no temporary left
    counts = expected_counts(loaded)
    assert all(counts.values()), counts  # the demo data has each kind in Oslo
    layers = {name: kind for name, kind in pyogrio.list_layers(out)}
    assert layers == {"teiger": "MultiPolygon", "adresser": "Point", "bygninger": "Point"}
    for name, count in counts.items():
        info = pyogrio.read_info(out, layer=name)
        assert info["crs"] == "EPSG:25832"
        assert info["features"] == count, name
    meta = pyogrio.read_info(out, layer="teiger")["dataset_metadata"]
    assert meta["register"] == "matrikkel" and meta["epsg"] == "25832"
    assert f"at sekvensnummer {meta['sekvensnummer']}:" in done.stdout


def test_coordinates_are_those_postgis_gives_in_the_asked_crs(loaded, tmp_path):
    out = tmp_path / "a.gpkg"
    done = grunndata(loaded, "export", "matrikkel", "--out", str(out), "--format", "gpkg",
                     "--del", "adresser", "--epsg", "4326")  # fmt: skip
    assert done.returncode == 0, done.stderr
    _, _, geometry, fields = pyogrio.raw.read(out, layer="adresser", columns=["adresseId"])
    points = dict(zip(fields[0].tolist(), shapely.from_wkb(geometry), strict=True))
    with connect(loaded.app_url) as conn:
        rows = conn.execute(
            "SELECT adresse_id, ST_X(ST_Transform(punkt, 4326)), ST_Y(ST_Transform(punkt, 4326)) "
            "FROM matrikkel.adresse WHERE upper_inf(registrert) AND gyldig @> now()"
        ).fetchall()
    assert len(points) == len(rows)
    for adresse_id, lon, lat in rows:
        assert points[adresse_id].x == pytest.approx(lon, abs=1e-7)
        assert points[adresse_id].y == pytest.approx(lat, abs=1e-7)


def test_one_layer_to_geojson_with_its_stamp_and_crs(loaded, tmp_path):
    out = tmp_path / "teiger.geojson"
    done = grunndata(loaded, "export", "matrikkel", "--out", str(out), "--format", "geojson",
                     "--del", "teiger", "--kommune", "0301", "--epsg", "25833")  # fmt: skip
    assert done.returncode == 0, done.stderr
    document = orjson.loads(out.read_bytes())
    assert document["grunndata"]["sekvensnummer"].isdigit()
    info = pyogrio.read_info(out)
    assert info["crs"] == "EPSG:25833"
    assert info["features"] == expected_counts(loaded)["teiger"]
    assert info["geometry_type"] in ("MultiPolygon", "Polygon")
