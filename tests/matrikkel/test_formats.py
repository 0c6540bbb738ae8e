"""Teiger GeoJSON and the JSON Lines format: CRS, repairs, rejects by record, versions."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from grunndata.db.database import connect
from grunndata.loaders.run import Mode, run
from grunndata.registers.matrikkel import REGISTER

SQUARE = [[92000, 6466000], [92010, 6466000], [92010, 6466010], [92000, 6466010], [92000, 6466000]]
BOWTIE = [[92000, 6466000], [92010, 6466010], [92010, 6466000], [92000, 6466010], [92000, 6466000]]


def load(db, *paths: Path):
    return run(
        list(paths), formats=REGISTER.formats, database=db, mode=Mode.LOAD if db else Mode.VALIDATE
    )


def collection(features: list[dict[str, Any]], crs: str | None) -> dict[str, Any]:
    result: dict[str, Any] = {"type": "FeatureCollection"}
    if crs:
        result["crs"] = {"type": "name", "properties": {"name": crs}}
    return result | {"features": features}


def feature(properties: dict[str, Any], ring: list[list[float]]) -> dict[str, Any]:
    return {"type": "Feature", "properties": properties,
            "geometry": {"type": "Polygon", "coordinates": [ring]}}  # fmt: skip


def test_teiger_take_the_files_crs_repair_invalid_rings_and_reject_bad_features(
    fresh_database, tmp_path
):
    path = tmp_path / "teiger.geojson"
    path.write_text(json.dumps(collection([
        feature({"matrikkelnummer": "4204-1/1"}, SQUARE),
        feature({"kommunenummer": "4204", "gardsnummer": 1, "bruksnummer": 2}, BOWTIE),
        feature({"matrikkelnummer": "4204-0/1"}, SQUARE),
        {"type": "Feature", "properties": {"matrikkelnummer": "4204-1/3"},
         "geometry": {"type": "Point", "coordinates": [92000, 6466000]}},
        feature({"matrikkelnummer": "4204-1/4"}, [[6466000, 92000], [6466010, 92000],
                                                  [6466010, 92010], [6466000, 92000]]),
        feature({"matrikkelnummer": "4204-1/5"}, [[1e12, 1e12], [1e12 + 10, 1e12],
                                                  [1e12, 1e12 + 10], [1e12, 1e12]]),
        feature({"matrikkelnummer": "4204-1/6"}, [[92000, 6466000], [92010, float("nan")],
                                                  [92010, 6466010], [92000, 6466000]]),
    ], "urn:ogc:def:crs:EPSG::25833")))  # fmt: skip
    (file,) = load(fresh_database, path).files
    # two teiger, and their two units known from the map only
    assert (file.exit_code, file.counts.inserted, file.rejected, file.warnings) == (1, 4, 5, 1)
    found = {f.location: f.reason for f in file.findings}
    assert (
        "Ring Self-intersection" in found["feature 2"] or "Self-intersection" in found["feature 2"]
    )
    assert "gårdsnummer" in found["feature 3"]
    assert "Polygon or MultiPolygon" in found["feature 4"]
    assert "outside Norway" in found["feature 5"]
    assert "cannot be transformed from EPSG:25833" in found["feature 6"]
    assert "not finite" in found["feature 7"]  # NaN: not JSON, but Python's json reads it
    with connect(fresh_database.app_url) as conn:
        areas = dict(conn.execute(
            "SELECT matrikkelnummer, ST_Area(geometri) FROM matrikkel.teig ORDER BY 1"
        ).fetchall())  # fmt: skip
    assert areas == {"4204-1/1/0/0": 100.0, "4204-1/2/0/0": 50.0}


def test_teiger_with_heights_load_flat(fresh_database, tmp_path):
    path = tmp_path / "teiger.geojson"
    path.write_text(json.dumps(collection([
        feature({"matrikkelnummer": "4204-1/1"}, [[x, y, 12.5] for x, y in SQUARE]),
    ], "urn:ogc:def:crs:EPSG::25833")))  # fmt: skip
    (file,) = load(fresh_database, path).files
    assert (file.exit_code, file.counts.inserted) == (0, 2), file.message  # teig and unit
    with connect(fresh_database.app_url) as conn:
        assert conn.execute("SELECT ST_Area(geometri) FROM matrikkel.teig").fetchone() == (100.0,)


def test_teiger_without_a_crs_are_wgs84(fresh_database, tmp_path):
    ring = [[8.0, 58.0], [8.001, 58.0], [8.001, 58.001], [8.0, 58.001], [8.0, 58.0]]
    path = tmp_path / "teiger.geojson"
    path.write_text(json.dumps(collection([feature({"matrikkelnummer": "4204-1/1"}, ring)], None)))
    (file,) = load(fresh_database, path).files
    assert file.exit_code == 0
    with connect(fresh_database.app_url) as conn:
        x, y = conn.execute(
            "SELECT ST_XMin(geometri), ST_YMin(geometri) FROM matrikkel.teig"
        ).fetchone()
    assert 80_000 < x < 90_000 and 6_440_000 < y < 6_460_000


def enhet(nummer: str, **extra: Any) -> str:
    record = {"objekttype": "matrikkelenhet", "matrikkelnummer": nummer,
              "matrikkelenhetstype": "grunneiendom", **extra}  # fmt: skip
    return json.dumps(record, ensure_ascii=False)


def test_jsonl_rejects_bad_lines_by_number(fresh_database, tmp_path):
    path = tmp_path / "matrikkel.jsonl"
    path.write_text("\n".join([
        enhet("4204-1/1"),
        "{not json",
        enhet("4204-1/2", eierforhold=[{"eier": {"identifikasjonsnummer": "12345678901"}}]),
        enhet("4204-1/3", matrikkelenhetstype="slott"),
        enhet("4204-1/1"),
        enhet("4204-1/4", eierforhold=[{"eier": {"navn": "A"},
                                        "andel": {"teller": 3, "nevner": 2}}]),
    ]) + "\n", encoding="utf-8")  # fmt: skip
    (file,) = load(fresh_database, path).files
    assert (file.exit_code, file.rejected, file.counts.inserted) == (1, 5, 1)
    found = {f.location: f.reason for f in file.findings}
    assert found["line 2"].startswith("not JSON")
    assert found["line 3"].startswith("invalid person id '12345678901'")
    assert "slott" in found["line 4"]
    assert "repeated" in found["line 5"]
    assert "more than the whole" in found["line 6"]


def test_jsonl_a_nul_character_rejects_its_line_not_the_file(fresh_database, tmp_path):
    path = tmp_path / "matrikkel.jsonl"
    path.write_text(enhet("4204-1/1", bruksnavn="a\x00b") + "\n" + enhet("4204-1/2") + "\n",
                    encoding="utf-8")  # fmt: skip
    (file,) = load(fresh_database, path).files
    assert (file.exit_code, file.rejected, file.counts.inserted) == (1, 1, 1), file.message
    assert "NUL" in file.findings[0].reason and file.findings[0].location == "line 1"


def test_jsonl_nan_rejects_its_line_not_the_file(fresh_database, tmp_path):
    bygning = {"objekttype": "bygning", "bygningsnummer": 300100001,
               "representasjonspunkt": {"x": float("nan"), "y": 6466493.4, "epsg": 25833},
               "matrikkelenheter": ["4204-1/2"]}  # fmt: skip
    path = tmp_path / "matrikkel.jsonl"
    path.write_text(json.dumps(bygning) + "\n" + enhet("4204-1/2") + "\n", encoding="utf-8")
    (file,) = load(fresh_database, path).files
    assert (file.exit_code, file.rejected, file.counts.inserted) == (1, 1, 1), file.message
    assert file.findings[0].location == "line 1" and "NaN" in file.findings[0].reason


def test_jsonl_numbers_too_big_for_their_columns_reject_their_line(fresh_database, tmp_path):
    bygning = {"objekttype": "bygning", "bygningsnummer": 300100001,
               "representasjonspunkt": {"x": 92437.7, "y": 6466493.4, "epsg": 2**40},
               "matrikkelenheter": ["4204-1/2"]}  # fmt: skip
    path = tmp_path / "matrikkel.jsonl"
    path.write_text("\n".join([
        enhet("4204-1/1", eierforhold=[{"eier": {"navn": "A"},
                                        "andel": {"teller": 3 * 10**9, "nevner": 4 * 10**9}}]),
        json.dumps(bygning),
        enhet("4204-1/2"),
    ]) + "\n", encoding="utf-8")  # fmt: skip
    (file,) = load(fresh_database, path).files
    assert (file.exit_code, file.rejected, file.counts.inserted) == (1, 2, 1), file.message
    assert {f.location for f in file.findings} == {"line 1", "line 2"}


def test_jsonl_written_with_a_byte_order_mark_loads_its_first_line(fresh_database, tmp_path):
    path = tmp_path / "matrikkel.jsonl"
    path.write_text(enhet("4204-1/1") + "\n" + enhet("4204-1/2") + "\n", encoding="utf-8-sig")
    (file,) = load(fresh_database, path).files
    assert (file.exit_code, file.rejected, file.counts.inserted) == (0, 0, 2), file.findings


def test_a_new_extract_supersedes_owners_and_keeps_the_old_valid_time(fresh_database, tmp_path):
    first = tmp_path / "a.jsonl"
    first.write_text(enhet("4204-1/1", gyldigFra="2020-01-01", eierforhold=[
        {"eier": {"navn": "Gammel Eier"}}]) + "\n", encoding="utf-8")  # fmt: skip
    second = tmp_path / "b.jsonl"
    second.write_text(enhet("4204-1/1", gyldigFra="2024-05-01", eierforhold=[
        {"eier": {"navn": "Ny Eier"}}]) + "\n", encoding="utf-8")  # fmt: skip
    assert load(fresh_database, first).exit_code == 0
    outcome = load(fresh_database, second).files[0]
    assert outcome.exit_code == 0
    assert outcome.counts.superseded == 1 and outcome.counts.unchanged == 1
    assert load(fresh_database, second).files[0].counts.inserted == 0, "idempotent"
    with connect(fresh_database.app_url) as conn:
        rows = conn.execute(
            "SELECT navn, (lower(gyldig) AT TIME ZONE 'Europe/Oslo')::date, "
            "(upper(gyldig) AT TIME ZONE 'Europe/Oslo')::date, upper_inf(registrert) "
            "FROM matrikkel.eierforhold ORDER BY lower(registrert), navn"
        ).fetchall()
    from datetime import date

    assert rows == [
        ("Gammel Eier", date(2020, 1, 1), None, False),
        ("Gammel Eier", date(2020, 1, 1), date(2024, 5, 1), True),
        ("Ny Eier", date(2024, 5, 1), None, True),
    ]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('{"type": "FeatureCollection", "features": [{"type": "Feature"', "looks truncated"),
        ('{"type": "Feature", "features": []}', "not a GeoJSON FeatureCollection"),
        ('{"type": "FeatureCollection", "features": [{}], "crs": {"type": "name", '
         '"properties": {"name": "EPSG:25833"}}}', "crs member must come before"),
        ('{"type": "FeatureCollection", "crs": {"type": "name", "properties": '
         '{"name": "EPSG:foo"}}, "features": []}', "is not an EPSG code"),
    ],
)  # fmt: skip
def test_a_broken_teig_file_fails_whole_with_the_reason(tmp_path, text, message):
    path = tmp_path / "teiger.geojson"
    path.write_text(text, encoding="utf-8")
    (file,) = run([path], formats=REGISTER.formats, database=None, mode=Mode.VALIDATE,
                  format_name="matrikkel-teiger-geojson").files  # fmt: skip
    assert file.exit_code == 2 and message in file.message, file.message
