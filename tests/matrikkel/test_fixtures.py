"""The demo fixtures load whole, agree with the cast, and tile the area."""

from __future__ import annotations

import json

from grunndata.db.database import connect
from grunndata.registers.matrikkel.jsonschema_lite import check, check_matrikkel, matrikkel_schema
from tests.matrikkel.conftest import FIXTURES


def test_every_fixture_line_validates_against_the_shipped_schema():
    lines = (FIXTURES / "matrikkel.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(lines) > 300
    for number, line in enumerate(lines, start=1):
        assert check_matrikkel(json.loads(line)) == [], f"line {number}"


def test_the_schema_checker_finds_what_is_wrong():
    schema = matrikkel_schema()
    record = {"objekttype": "matrikkelenhet", "matrikkelnummer": "4204-97/90",
              "matrikkelenhetstype": "slott", "ekstra": 1}  # fmt: skip
    problems = check_matrikkel(record)
    assert any("slott" in p for p in problems)
    assert "$: unknown member ekstra" in problems
    assert check(schema, record) == problems, "the full oneOf gives the same answer"
    bygning = {"objekttype": "bygning", "bygningsnummer": 0, "matrikkelenheter": []}
    assert check_matrikkel(bygning) == [
        "$.bygningsnummer: 0 is less than 1", "$.matrikkelenheter: needs at least 1 item(s)"
    ]  # fmt: skip


def test_every_address_lies_in_its_own_units_teig(cast_database):
    with connect(cast_database.app_url) as conn:
        outside = conn.execute(
            "SELECT a.adressetekst FROM matrikkel.adresse a "
            "LEFT JOIN matrikkel.teig t ON t.matrikkelnummer = a.matrikkelnummer "
            "AND upper_inf(t.registrert) AND ST_Covers(t.geometri, a.punkt) "
            "WHERE t.matrikkelnummer IS NULL"
        ).fetchall()
        overlap = conn.execute(
            "SELECT sum(ST_Area(ST_Intersection(a.geometri, b.geometri))) "
            "FROM matrikkel.teig a JOIN matrikkel.teig b "
            "ON a.matrikkelnummer < b.matrikkelnummer AND ST_Intersects(a.geometri, b.geometri)"
        ).fetchone()[0]
    assert outside == []
    assert overlap < 1.0, "teiger tile the area (a square metre of rounding at most)"


def test_the_casts_owners_own_their_homes(cast_database):
    with connect(cast_database.app_url) as conn:
        owners = conn.execute(
            "SELECT identifikasjonsnummer, andel_teller, andel_nevner FROM matrikkel.eierforhold "
            "WHERE matrikkelnummer = '4204-97/90/0/0' ORDER BY 1"
        ).fetchall()
    assert owners == [("02915116372", 1, 2), ("14834806046", 1, 2)]
