"""Teiger find their unit: a teig whose matrikkelenhet is not stored makes the unit from
the teig's own matrikkelnummer, known from the map only (type and status null); a later
unit file completes it. A teig that names no matrikkelnummer is rejected.

The matrikkelnummer is the unit's identity in every Kartverket format (no format carries
a second identifier for a unit), so no file can claim one number for two units; the same
number twice in one unit file is rejected as a repeat."""

from __future__ import annotations

import json

import httpx

from grunndata.server import create_app
from tests.conftest import LiveServer
from tests.matrikkel.test_formats import SQUARE, collection, enhet, feature, load

UNIT = """query($x: Float!, $y: Float!) {
  eiendommerVedPunkt(x: $x, y: $y, epsg: 25833) { matrikkelnummer type status kunFraKart }
  eiendom(matrikkelnummer: "4204-1/1") { type status kunFraKart arealM2 } }"""


def ask(database) -> dict:
    with LiveServer(create_app(database.app_url)) as base:
        response = httpx.post(
            f"{base}/graphql",
            json={"query": UNIT, "variables": {"x": 92005.0, "y": 6466005.0}},
            timeout=10,
        )
    body = response.json()
    assert response.status_code == 200 and "errors" not in body, body
    return body["data"]


def test_a_teig_without_its_unit_makes_the_unit_known_from_the_map(fresh_database, tmp_path):
    teiger = tmp_path / "teiger.geojson"
    teiger.write_text(json.dumps(collection(
        [feature({"matrikkelnummer": "4204-1/1"}, SQUARE)], "EPSG:25833"
    )))  # fmt: skip
    (file,) = load(fresh_database, teiger).files
    assert (file.exit_code, file.counts.inserted) == (0, 2), file.findings  # teig and unit

    found = ask(fresh_database)
    map_only = {"type": None, "status": None, "kunFraKart": True}
    assert found["eiendommerVedPunkt"] == [{"matrikkelnummer": "4204-1/1/0/0", **map_only}]
    assert found["eiendom"]["kunFraKart"] and found["eiendom"]["arealM2"] > 90

    units = tmp_path / "matrikkel.jsonl"
    units.write_text(enhet("4204-1/1", status="aktiv") + "\n")
    (file,) = load(fresh_database, units).files
    assert file.exit_code == 0 and file.counts.superseded == 1, file.findings

    complete = {"type": "grunneiendom", "status": "aktiv", "kunFraKart": False}
    found = ask(fresh_database)
    assert found["eiendommerVedPunkt"] == [{"matrikkelnummer": "4204-1/1/0/0", **complete}]
    assert found["eiendom"]["kunFraKart"] is False

    (again,) = load(fresh_database, teiger).files
    assert (again.exit_code, again.counts.inserted, again.counts.superseded) == (0, 0, 0)


def test_a_teig_naming_no_matrikkelnummer_is_rejected_with_that_reason(tmp_path):
    teiger = tmp_path / "teiger.geojson"
    teiger.write_text(json.dumps(collection(
        [feature({"matrikkelnummer": None}, SQUARE), feature({"navn": "x"}, SQUARE)],
        "EPSG:25833",
    )))  # fmt: skip
    (file,) = load(None, teiger).files
    assert file.rejected == 2
    assert all("names no matrikkelnummer" in f.reason for f in file.findings)


def test_one_number_twice_in_a_unit_file_is_rejected_as_a_repeat(fresh_database, tmp_path):
    units = tmp_path / "matrikkel.jsonl"
    units.write_text(
        enhet("4204-1/1") + "\n" + enhet("4204-1/1", matrikkelenhetstype="festegrunn") + "\n"
    )
    (file,) = load(fresh_database, units).files
    assert file.exit_code == 1
    assert [f.reason for f in file.findings] == ["matrikkelenhet 4204-1/1/0/0 repeated in the file"]
