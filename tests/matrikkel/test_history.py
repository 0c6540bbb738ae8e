"""Time and history: renumbered kommuner, former numbers, and what was recorded when."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime

from grunndata.loaders.run import run
from grunndata.registers.matrikkel import REGISTER
from grunndata.server import create_app
from tests.conftest import LiveServer
from tests.matrikkel.test_graphql import gql


def enhet(nummer: str, eier: str) -> str:
    return json.dumps({
        "objekttype": "matrikkelenhet", "matrikkelnummer": nummer,
        "matrikkelenhetstype": "grunneiendom", "gyldigFra": "2024-01-01",
        "eierforhold": [{"eier": {"navn": eier}}],
    })  # fmt: skip


QUERY = """query($m: String!, $r: DateTime) {
  eiendom(matrikkelnummer: $m, ajourholdstidspunkt: $r) {
    matrikkelnummer hjemmelshavere { navn } } }"""


def test_renumbering_alone_keeps_gnr_bnr_and_owners_change_in_recorded_time(
    fresh_database, tmp_path
):
    first, second = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    first.write_text(enhet("3201-10/5", "Første Eier") + "\n", encoding="utf-8")
    second.write_text(enhet("3201-10/5", "Andre Eier") + "\n", encoding="utf-8")
    assert run([first], formats=REGISTER.formats, database=fresh_database).exit_code == 0
    time.sleep(0.05)
    between = datetime.now(UTC).isoformat()
    time.sleep(0.05)
    assert run([second], formats=REGISTER.formats, database=fresh_database).exit_code == 0
    with LiveServer(create_app(fresh_database.app_url)) as server:
        # 3024 Bærum became 3201 Bærum in 2024 with no merger: gnr/bnr stayed.
        now = gql(server, QUERY, m="3024-10/5")["data"]["eiendom"]
        then = gql(server, QUERY, m="3201-10/5", r=between)["data"]["eiendom"]
        # 1001 Kristiansand merged into 4204 in 2020: without recorded history, MOVED.
        moved = gql(server, QUERY, m="1001-10/5")
    assert now == {"matrikkelnummer": "3201-10/5/0/0", "hjemmelshavere": [{"navn": "Andre Eier"}]}
    # As recorded between the loads (and valid then): the first owner.
    assert then == {"matrikkelnummer": "3201-10/5/0/0", "hjemmelshavere": [{"navn": "Første Eier"}]}
    assert moved["errors"][0]["extensions"]["code"] == "MOVED"


def test_a_former_number_of_several_units_is_moved_naming_them(fresh_database, tmp_path):
    lines = [
        json.dumps({"objekttype": "matrikkelenhet", "matrikkelnummer": f"4204-200/{bnr}",
                    "matrikkelenhetstype": "grunneiendom",
                    "tidligereMatrikkelnumre": ["1018-5/5"]})
        for bnr in (1, 2)
    ]  # fmt: skip
    path = tmp_path / "delt.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert run([path], formats=REGISTER.formats, database=fresh_database).exit_code == 0
    with LiveServer(create_app(fresh_database.app_url)) as server:
        body = gql(server, QUERY, m="1018-5/5")
    assert body["data"] == {"eiendom": None}
    (error,) = body["errors"]
    assert error["extensions"]["code"] == "MOVED"
    assert "4204-200/1/0/0, 4204-200/2/0/0" in error["message"]


def test_a_renumbering_after_a_merger_is_no_licence_to_guess(fresh_database, tmp_path):
    path = tmp_path / "drammen.jsonl"
    path.write_text(enhet("3301-10/5", "Eier") + "\n", encoding="utf-8")
    assert run([path], formats=REGISTER.formats, database=fresh_database).exit_code == 0
    with LiveServer(create_app(fresh_database.app_url)) as server:
        # 3005 Drammen became 3301 Drammen in 2024 by renumbering alone: gnr/bnr stayed.
        renumbered = gql(server, QUERY, m="3005-10/5")["data"]["eiendom"]
        # 0602 Drammen became 3005 in 2020 in a merger with Nedre Eiker and Svelvik; the
        # renumbering after it does not make 0602-10/5 today's 3301-10/5.
        merged = gql(server, QUERY, m="0602-10/5")
    assert renumbered == {"matrikkelnummer": "3301-10/5/0/0", "hjemmelshavere": [{"navn": "Eier"}]}
    assert merged["data"]["eiendom"] is None
    (error,) = merged["errors"]
    assert error["extensions"]["code"] == "MOVED"
    assert "3301 Drammen" in error["message"]


def test_an_address_reached_from_a_unit_links_back_at_the_units_instant(fresh_database, tmp_path):
    """eiendom(as of R) → adresser → eiendom answers as of R too, not now."""
    from tests.matrikkel.test_adresse_csv import SAMPLE

    first, second = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    first.write_text(enhet("4204-97/90", "Første Eier") + "\n", encoding="utf-8")
    second.write_text(enhet("4204-97/90", "Andre Eier") + "\n", encoding="utf-8")
    loaded = run([SAMPLE, first], formats=REGISTER.formats, database=fresh_database)
    assert loaded.exit_code == 0
    time.sleep(0.05)
    between = datetime.now(UTC).isoformat()
    time.sleep(0.05)
    assert run([second], formats=REGISTER.formats, database=fresh_database).exit_code == 0
    query = """query($r: DateTime) {
      eiendom(matrikkelnummer: "4204-97/90", ajourholdstidspunkt: $r) {
        hjemmelshavere { navn }
        adresser { adressetekst eiendom { hjemmelshavere { navn } } } } }"""
    with LiveServer(create_app(fresh_database.app_url)) as server:
        then = gql(server, query, r=between)["data"]["eiendom"]
        now = gql(server, query)["data"]["eiendom"]
    assert then["hjemmelshavere"] == [{"navn": "Første Eier"}]
    assert then["adresser"] == [
        {
            "adressetekst": "Tyrihansveien 38",
            "eiendom": {"hjemmelshavere": [{"navn": "Første Eier"}]},
        }
    ]
    assert now["adresser"][0]["eiendom"]["hjemmelshavere"] == [{"navn": "Andre Eier"}]
